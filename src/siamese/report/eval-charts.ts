/**
 * Chart specs for an evaluation report: the ROC curve with its AUC, the EER point and the
 * chosen threshold; histograms of same-pair and different-pair distances with the threshold
 * line; a 2-D projection of test embeddings coloured by class. Browser-safe; render with
 * chartSvg / chartRaster (chart.ts).
 */
import type { ChartSpec, Series } from './chart.js';
import type { OperatingPoint, RocAnalysis } from '../roc.js';

const BLUE = '#1f6feb';
const ORANGE = '#d1742f';
const RED = '#c62828';
const GREEN = '#2e7d32';
const GRAY = '#9e9e9e';
/** Ten distinct colours (Tableau 10), cycled for more classes. */
export const CLASS_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** At most this many points of a ROC curve are drawn (evenly spaced, ends kept): a plot needs no more. */
const MAX_CURVE_POINTS = 2000;

const fmt = (v: number, digits = 4) => v.toFixed(digits);

/**
 * The ROC curve (TAR against FAR) with the chance diagonal, the EER point and the operating
 * point of the threshold in use.
 */
export function rocChart(roc: RocAnalysis, chosen: OperatingPoint): ChartSpec {
  const step = Math.max(1, Math.ceil(roc.curve.length / MAX_CURVE_POINTS));
  const shown = roc.curve.filter((_, i) => i % step === 0 || i === roc.curve.length - 1);
  const series: Series[] = [
    { name: 'chance', x: [0, 1], y: [0, 1], color: GRAY },
    { name: `ROC (AUC ${fmt(roc.auc)})`, x: shown.map((p) => p.far), y: shown.map((p) => p.tar), color: BLUE },
    // The EER dot is drawn larger, under the threshold's: both stay visible when they coincide.
    { name: `EER ${fmt(roc.eer)}`, x: [roc.eerPoint.far], y: [roc.eerPoint.tar], color: ORANGE, dots: true, radius: 7 },
    { name: `threshold d < ${fmt(chosen.threshold, 3)}`, x: [chosen.far], y: [chosen.tar], color: RED, dots: true, radius: 4 },
  ];
  return { title: 'ROC curve of test pairs', xLabel: 'false-accept rate (FAR)', yLabel: 'true-accept rate (1 - FRR)', series, xRange: [0, 1], yRange: [0, 1] };
}

/** Fraction of `values` in each of `bins` equal bins over [lo, hi] (the last bin is closed). */
export function histogram(values: readonly number[], lo: number, hi: number, bins: number): number[] {
  const out = new Array<number>(bins).fill(0);
  if (values.length === 0) return out;
  const width = (hi - lo) / bins || 1;
  for (const v of values) out[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
  return out.map((c) => c / values.length);
}

/** A histogram as a step line: up at each bin's left edge, across, down at the end. */
function steps(fractions: number[], lo: number, width: number): { x: number[]; y: number[] } {
  const x = [lo];
  const y = [0];
  fractions.forEach((f, k) => {
    x.push(lo + k * width, lo + (k + 1) * width);
    y.push(f, f);
  });
  x.push(lo + fractions.length * width);
  y.push(0);
  return { x, y };
}

/**
 * Histograms of the distances of same pairs and of different pairs (each as a fraction of its
 * own pairs, so unequal counts compare), with the threshold as a vertical line.
 */
export function distanceHistogramChart(distances: ArrayLike<number>, labels: ArrayLike<number>, distanceThreshold: number, bins = 40): ChartSpec {
  const same: number[] = [];
  const diff: number[] = [];
  for (let i = 0; i < distances.length; i++) (labels[i] === 1 ? same : diff).push(distances[i]);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < distances.length; i++) {
    lo = Math.min(lo, distances[i]);
    hi = Math.max(hi, distances[i]);
  }
  if (!(hi > lo)) hi = lo + 1;
  const width = (hi - lo) / bins;
  const hs = histogram(same, lo, hi, bins);
  const hd = histogram(diff, lo, hi, bins);
  const top = Math.max(...hs, ...hd, 0.01);
  const a = steps(hs, lo, width);
  const b = steps(hd, lo, width);
  return {
    title: 'Distances of test pairs',
    xLabel: 'distance',
    yLabel: 'fraction of pairs',
    series: [
      { name: `same (${same.length})`, ...a, color: GREEN },
      { name: `different (${diff.length})`, ...b, color: ORANGE },
      { name: `threshold ${fmt(distanceThreshold, 3)}`, x: [distanceThreshold, distanceThreshold], y: [0, top * 1.05], color: RED },
    ],
    xRange: [Math.min(lo, distanceThreshold), Math.max(hi, distanceThreshold)],
    yRange: [0, top * 1.1],
  };
}

/**
 * A scatter plot of 2-D points ([n·2], x then y per point) coloured by class, one legend entry
 * per class (the first ten; more classes are drawn but not listed, to keep the legend on one line).
 */
export function embeddingChart(points: ArrayLike<number>, labels: ArrayLike<number>, title: string, axes: [string, string] = ['PC 1', 'PC 2']): ChartSpec {
  const classes = [...new Set(Array.from(labels))].sort((p, q) => p - q);
  const series: Series[] = classes.map((c, k) => {
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] === c) {
        x.push(points[2 * i]);
        y.push(points[2 * i + 1]);
      }
    }
    return { name: String(c), x, y, color: CLASS_COLORS[k % CLASS_COLORS.length], line: false, dots: true, radius: 2.5, legend: k < 10 };
  });
  return { title, xLabel: axes[0], yLabel: axes[1], series, width: 720, height: 560 };
}
