/**
 * The evaluation report's parts: PCA on the GPU against known principal axes and a CPU
 * projection, the bounded projection sample, histograms, chart specs and the HTML page.
 */
import { describe, expect, it } from 'vitest';
import * as ws from '../src/index.js';
import { Random } from '../src/engine/random.js';
import { makeImageSet } from '../src/siamese/data/image-set.js';
import { pcaProjection, powerIteration, projectionSample } from '../src/siamese/report/projection.js';
import { distanceHistogramChart, embeddingChart, histogram, rocChart } from '../src/siamese/report/eval-charts.js';
import { chartRaster, chartSvg } from '../src/siamese/report/chart.js';
import { evalReportHtml } from '../src/siamese/report/eval-html.js';
import { rocAnalysis } from '../src/siamese/roc.js';

/** Two orthonormal directions in `dim` dimensions (Gram-Schmidt on seeded vectors). */
function axes(dim: number, r: Random): [number[], number[]] {
  const norm = (v: number[]) => v.map((x) => x / Math.hypot(...v));
  const u = norm(Array.from({ length: dim }, () => r.normal()));
  const w0 = Array.from({ length: dim }, () => r.normal());
  const dot = w0.reduce((s, x, i) => s + x * u[i], 0);
  return [u, norm(w0.map((x, i) => x - dot * u[i]))];
}

describe('PCA projection', () => {
  it('finds planted axes (spread 3 and 1 over noise 0.05) and projects as the CPU does', async () => {
    const r = new Random(4);
    const [n, dim] = [300, 8];
    const [u1, u2] = axes(dim, r);
    const x = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const [a, b] = [3 * r.normal(), r.normal()];
      for (let k = 0; k < dim; k++) x[i * dim + k] = 2 + a * u1[k] + b * u2[k] + 0.05 * r.normal();
    }
    const e = ws.tensor(x, [n, dim]);
    const p = await pcaProjection(e);
    e.dispose();
    const dot = (v: ArrayLike<number>, w: ArrayLike<number>) => Array.from(v).reduce((s, t, i) => s + t * w[i], 0);
    // The sample's own axes differ from the planted ones by sampling noise only: within 1%.
    expect(Math.abs(dot(p.axes[0], u1))).toBeGreaterThan(0.99);
    expect(Math.abs(dot(p.axes[1], u2))).toBeGreaterThan(0.99);
    expect(p.variances[0]).toBeGreaterThan(p.variances[1]);
    expect((p.variances[0] + p.variances[1]) / p.totalVariance).toBeGreaterThan(0.99);
    // The projection, recomputed on the CPU in float64 from the axes the GPU path used.
    const mean = Array.from({ length: dim }, (_, k) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += x[i * dim + k];
      return s / n;
    });
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 2; c++) {
        let want = 0;
        for (let k = 0; k < dim; k++) want += (x[i * dim + k] - mean[k]) * p.axes[c][k];
        // float32 centring and an 8-term float32 dot product on values up to ~10: 1e-4 absolute.
        expect(Math.abs(p.points[2 * i + c] - want)).toBeLessThan(1e-4);
      }
    }
  });

  it('power iteration: eigenpairs of a hand-made symmetric matrix, sign fixed', () => {
    // [[2, 1], [1, 2]] has eigenvalues 3 (axis (1, 1)/√2) and 1.
    const { vector, value } = powerIteration(Float64Array.of(2, 1, 1, 2), 2);
    expect(value).toBeCloseTo(3, 10);
    expect(vector[0]).toBeCloseTo(Math.SQRT1_2, 8);
    expect(vector[1]).toBeCloseTo(Math.SQRT1_2, 8);
  });

  it('rejects fewer than two points', async () => {
    const one = ws.tensor(new Float32Array(4), [1, 4]);
    await expect(pcaProjection(one)).rejects.toThrow(/pcaProjection: expected embeddings \[n ≥ 2, dim\], got \[1, 4\]/);
    one.dispose();
  });

  it('projection sample: at most max, even over classes, sorted, the same every time', () => {
    const labels = Array.from({ length: 500 }, (_, i) => (i < 400 ? 0 : i < 450 ? 1 : 2));
    const set = makeImageSet({ images: new Float32Array(500), labels, height: 1, width: 1, source: 's' });
    const s = projectionSample(set, 90);
    expect(s).toHaveLength(90);
    expect(s.map((i) => labels[i]).filter((c) => c === 1)).toHaveLength(30);
    expect([...s].sort((a, b) => a - b)).toEqual(s);
    expect(projectionSample(set, 90)).toEqual(s);
    expect(projectionSample(set, 1000)).toHaveLength(500);
  });
});

describe('report charts and page', () => {
  it('histogram: fractions per bin, edges included', () => {
    expect(histogram([0, 0.1, 0.5, 1], 0, 1, 4)).toEqual([0.5, 0, 0.25, 0.25]);
    expect(histogram([], 0, 1, 2)).toEqual([0, 0]);
  });

  it('distance histograms: one step line per class summing to 1, the threshold as a vertical line', () => {
    const spec = distanceHistogramChart([0.1, 0.2, 0.3, 0.8, 0.9], [1, 1, 0, 0, 0], 0.5, 10);
    const [same, diff, line] = spec.series;
    expect(same.name).toBe('same (2)');
    expect(diff.name).toBe('different (3)');
    // Each bin appears twice in a step line (left and right edge).
    const total = (ys: readonly number[]) => ys.reduce((s, v) => s + v, 0) / 2;
    expect(total(same.y)).toBeCloseTo(1, 12);
    expect(total(diff.y)).toBeCloseTo(1, 12);
    expect(line.x).toEqual([0.5, 0.5]);
    expect(chartSvg(spec)).toContain('threshold 0.500');
  });

  it('ROC chart: the curve, AUC in the legend, the EER and threshold points as dots; PNG renders', async () => {
    const roc = await rocAnalysis([0.1, 0.2, 0.3, 0.4], [1, 0, 1, 0], [0.25]);
    const spec = rocChart(roc, roc.at[0]);
    expect(spec.series[1].x).toEqual(roc.curve.map((p) => p.far));
    const svg = chartSvg(spec);
    expect(svg).toContain(`AUC ${roc.auc.toFixed(4)}`);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    const png = chartRaster(spec);
    expect([png.width, png.height]).toEqual([640, 400]);
  });

  it('embedding chart: one dot series per class, no lines, legend for the first ten only', () => {
    const labels = Array.from({ length: 24 }, (_, i) => i % 12);
    const spec = embeddingChart(new Float32Array(48).map((_, i) => i), labels, 't');
    expect(spec.series).toHaveLength(12);
    expect(spec.series.every((s) => s.line === false && s.dots)).toBe(true);
    expect(spec.series.filter((s) => s.legend !== false)).toHaveLength(10);
    const svg = chartSvg(spec);
    expect(svg).not.toContain('<path');
    expect(svg.match(/<circle /g)).toHaveLength(24);
  });

  it('report.html: the numbers, the three figures, escaped text', () => {
    const html = evalReportHtml({
      about: { data: 'idx:<dir>' },
      pairs: 20, positives: 10, accuracy: 0.85, auc: 0.9123, eer: 0.15, eerDistanceThreshold: 0.61, far: 0.1, frr: 0.2,
      distanceThreshold: 0.5, thresholdFrom: 'siamese.json', projected: 60, explainedVariance: 0.5,
    });
    for (const s of ['85.00 %', '0.9123', '15.00 %', '10.00 %', '20.00 %', 'distance &lt; 0.5000', 'src="roc.svg"', 'src="distances.svg"', 'src="embedding.svg"', 'idx:&lt;dir&gt;']) {
      expect(html).toContain(s);
    }
  });
});
