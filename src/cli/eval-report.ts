/**
 * Writes the evaluation report of `siamese eval --out` and of a training run's folder:
 *   roc.svg/.png         ROC curve with AUC, the EER point and the threshold in use
 *   distances.svg/.png   histograms of same-pair and different-pair distances, threshold line
 *   embedding.svg/.png   PCA of at most EMBEDDING_SAMPLE test embeddings, coloured by class
 *   report.html          the three figures with accuracy, AUC, EER, FAR / FRR at the threshold
 */
import { join } from 'node:path';
import type { ImageSet } from '../siamese/data/image-set.js';
import { subset } from '../siamese/data/image-set.js';
import type { PairMetrics } from '../siamese/metrics.js';
import type { RocAnalysis } from '../siamese/roc.js';
import type { SiameseModel, TripletModel } from '../siamese/model.js';
import { embed } from '../siamese/toolkit/embed.js';
import { chartRaster, chartSvg, type ChartSpec } from '../siamese/report/chart.js';
import { distanceHistogramChart, embeddingChart, rocChart } from '../siamese/report/eval-charts.js';
import { pcaProjection, projectionSample } from '../siamese/report/projection.js';
import { evalReportHtml } from '../siamese/report/eval-html.js';
import { encodePng, writeFileAtomic } from '../siamese/node-files.js';

/** Test images projected in embedding.svg: enough to see the clusters, bounded in cost. */
export const EMBEDDING_SAMPLE = 1000;

function writeChart(out: string, name: string, spec: ChartSpec): void {
  writeFileAtomic(join(out, `${name}.svg`), chartSvg(spec));
  writeFileAtomic(join(out, `${name}.png`), encodePng(chartRaster(spec)));
}

export async function writeEvalReport(
  out: string,
  model: SiameseModel | TripletModel,
  test: ImageSet,
  labels: ArrayLike<number>,
  m: PairMetrics & { roc: RocAnalysis; distances: Float32Array },
  { about, thresholdFrom }: { about: Record<string, string | number>; thresholdFrom: string },
): Promise<void> {
  const distanceThreshold = m.distanceThreshold;
  // pairMetrics evaluated the curve at exactly this threshold: its operating point is at[0].
  writeChart(out, 'roc', rocChart(m.roc, m.roc.at[0]));
  writeChart(out, 'distances', distanceHistogramChart(m.distances, labels, distanceThreshold));
  const sample = subset(test, projectionSample(test, EMBEDDING_SAMPLE), `${test.source} (projection sample)`);
  const e = embed(model, sample);
  let explained: number;
  try {
    const p = await pcaProjection(e);
    explained = p.totalVariance > 0 ? (p.variances[0] + p.variances[1]) / p.totalVariance : 0;
    writeChart(out, 'embedding', embeddingChart(p.points, sample.labels, `Test embeddings, PCA (${sample.count} images)`));
  } finally {
    e.dispose();
  }
  const html = evalReportHtml({
    about,
    pairs: m.pairs,
    positives: m.positives,
    accuracy: m.accuracy,
    auc: m.rocAuc,
    eer: m.eer,
    eerDistanceThreshold: m.eerDistanceThreshold,
    far: m.far,
    frr: m.frr,
    distanceThreshold,
    thresholdFrom,
    projected: sample.count,
    explainedVariance: explained,
  });
  writeFileAtomic(join(out, 'report.html'), html);
}
