/**
 * The evaluation report as one HTML page that ties the figures (roc, distances, embedding; SVG
 * files beside it) to the numbers: accuracy, AUC, EER, FAR / FRR at the threshold. Plain HTML
 * with no script or external resource, so it opens from disk anywhere. Browser-safe.
 */

export interface EvalReportFacts {
  /** What was evaluated, shown as a table of facts (model, data, checkpoint, ...). */
  about: Record<string, string | number>;
  pairs: number;
  positives: number;
  accuracy: number;
  auc: number;
  eer: number;
  eerDistanceThreshold: number;
  far: number;
  frr: number;
  /** Same when distance < distanceThreshold; where that threshold came from. */
  distanceThreshold: number;
  thresholdFrom: string;
  /** The embedding figure's caption facts. */
  projected: number;
  explainedVariance: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

function row(name: string, value: string, note = ''): string {
  return `<tr><th>${esc(name)}</th><td>${esc(value)}</td><td class="note">${esc(note)}</td></tr>`;
}

export function evalReportHtml(f: EvalReportFacts): string {
  const metrics = [
    row('pair accuracy', pct(f.accuracy), `at the threshold, over ${f.pairs} test pairs (${f.positives} same, ${f.pairs - f.positives} different)`),
    row('ROC AUC', f.auc.toFixed(4), 'probability that a same pair is nearer than a different pair (ties ½)'),
    row('EER', pct(f.eer), `equal error rate, where FAR and FRR meet (distance < ${f.eerDistanceThreshold.toFixed(4)})`),
    row('FAR at the threshold', pct(f.far), 'different pairs accepted as same'),
    row('FRR at the threshold', pct(f.frr), 'same pairs rejected as different'),
    row('threshold', `distance < ${f.distanceThreshold.toFixed(4)}`, `same as 1 − distance > ${(1 - f.distanceThreshold).toFixed(4)}; from ${f.thresholdFrom}`),
  ].join('\n');
  const about = Object.entries(f.about)
    .map(([k, v]) => row(k, String(v)))
    .join('\n');
  const figure = (file: string, caption: string) =>
    `<figure><a href="${file}.svg"><img src="${file}.svg" alt="${esc(caption)}"></a><figcaption>${esc(caption)} (<a href="${file}.png">PNG</a>)</figcaption></figure>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Evaluation report</title>
<style>
body { font-family: sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { text-align: left; padding: 4px 12px 4px 0; border-bottom: 1px solid #eee; vertical-align: top; }
td.note { color: #666; font-size: 90%; }
figure { margin: 2em 0; }
img { max-width: 100%; border: 1px solid #ddd; }
</style>
</head>
<body>
<h1>Evaluation report</h1>
<h2>Metrics</h2>
<table>
${metrics}
</table>
<h2>Figures</h2>
${figure('roc', 'ROC curve: true-accept rate against false-accept rate over every threshold, with the EER point and the threshold in use')}
${figure('distances', 'Distances of same and different test pairs (each as a fraction of its pairs), with the threshold')}
${figure('embedding', `${f.projected} test embeddings projected on their first two principal components (${pct(f.explainedVariance)} of the variance), coloured by class`)}
<h2>Run</h2>
<table>
${about}
</table>
</body>
</html>
`;
}
