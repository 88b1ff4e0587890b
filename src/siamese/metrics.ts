/**
 * Pair metrics of an evaluation, from distances read back once at its end (a few thousand
 * numbers): accuracy at a threshold, ROC AUC, EER, FAR / FRR, mean distances. The counting
 * behind them runs on the GPU in one launch (roc.ts, shaders/roc.wgsl). Browser-safe.
 *
 * The similarity score of a pair is 1 − distance, as in the seed; a pair is predicted "same"
 * when its score is above the threshold (0.5 by default), i.e. when distance < 1 − threshold,
 * which is Keras mnist_siamese's `compute_accuracy`.
 */
import type { Tensor } from '../engine/tensor.js';
import { rocAnalysis, type RocAnalysis } from './roc.js';

export const DEFAULT_THRESHOLD = 0.5;

export interface PairMetrics {
  /** Fraction of pairs whose prediction (score > threshold) matches the label. */
  accuracy: number;
  /** Area under the ROC curve (threshold-free; the Mann-Whitney statistic, ties ½). */
  rocAuc: number;
  threshold: number;
  /** The same rule in distance space: same when distance < distanceThreshold (1 − threshold). */
  distanceThreshold: number;
  /** False-accept and false-reject rates at the threshold. */
  far: number;
  frr: number;
  /** Equal error rate, and the distance threshold where FAR and FRR are closest. */
  eer: number;
  eerDistanceThreshold: number;
  pairs: number;
  positives: number;
  /** Mean distance of same-class and of different-class pairs. */
  meanPositiveDistance: number;
  meanNegativeDistance: number;
}

/**
 * Fraction of pairs where (score > threshold) equals (label === 1): the per-epoch validation
 * accuracy the trainer reports from distances it already holds (one loop, no GPU launch).
 */
export function pairAccuracy(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold = DEFAULT_THRESHOLD): number {
  if (scores.length !== labels.length) throw new Error(`pairAccuracy: ${scores.length} scores but ${labels.length} labels`);
  if (scores.length === 0) throw new Error('pairAccuracy: no pairs');
  let right = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] > threshold === (labels[i] === 1)) right++;
  return right / scores.length;
}

/**
 * All the metrics from the distances of labelled pairs (1 same, 0 different; both needed),
 * with the ROC analysis they come from (for plots). `distanceThreshold` defaults to
 * 1 − threshold; pass a calibrated one as it was saved, since 1 − (1 − τ) need not equal τ.
 */
export async function pairMetrics(
  distances: Tensor | ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold = DEFAULT_THRESHOLD,
  distanceThreshold = 1 - threshold,
): Promise<PairMetrics & { roc: RocAnalysis }> {
  if (!Number.isFinite(distanceThreshold)) throw new Error(`pairMetrics: threshold must be a finite number, got ${threshold}`);
  const roc = await rocAnalysis(distances, labels, [distanceThreshold], 'pairMetrics');
  const at = roc.at[0];
  // The means need the values on the CPU; rocAnalysis has checked them.
  const d = 'length' in distances ? distances : await distances.data();
  let sumPos = 0;
  let sumNeg = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) sumPos += d[i];
    else sumNeg += d[i];
  }
  return {
    accuracy: at.accuracy,
    rocAuc: roc.auc,
    threshold,
    distanceThreshold,
    far: at.far,
    frr: at.frr,
    eer: roc.eer,
    eerDistanceThreshold: roc.eerPoint.threshold,
    pairs: roc.pairs,
    positives: roc.positives,
    meanPositiveDistance: sumPos / roc.positives,
    meanNegativeDistance: sumNeg / roc.negatives,
    roc,
  };
}
