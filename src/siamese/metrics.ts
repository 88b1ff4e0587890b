/**
 * Pair metrics on the CPU, from distances read back once at the end of an evaluation (a few
 * thousand numbers). Browser-safe.
 *
 * The similarity score of a pair is 1 − distance, as in the seed; a pair is predicted "same"
 * when its score is above the threshold (0.5 by default, i.e. distance < 0.5, which is Keras
 * mnist_siamese's `compute_accuracy`).
 */

export const DEFAULT_THRESHOLD = 0.5;

export interface PairMetrics {
  /** Fraction of pairs whose prediction (score > threshold) matches the label. */
  accuracy: number;
  /** Area under the ROC curve of the score against "same" (threshold-free). */
  rocAuc: number;
  threshold: number;
  pairs: number;
  positives: number;
  /** Mean distance of same-class and of different-class pairs. */
  meanPositiveDistance: number;
  meanNegativeDistance: number;
}

function checkLengths(what: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} scores but ${b.length} labels`);
  if (a.length === 0) throw new Error(`${what}: no pairs`);
}

/** Fraction of pairs where (score > threshold) equals (label === 1). */
export function pairAccuracy(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold = DEFAULT_THRESHOLD): number {
  checkLengths('pairAccuracy', scores, labels);
  let right = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] > threshold === (labels[i] === 1)) right++;
  return right / scores.length;
}

/**
 * ROC AUC as the Mann-Whitney statistic: the probability that a random positive scores above a
 * random negative, ties counting one half. Computed from ranks after one sort, O(n log n).
 * Needs at least one positive and one negative.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkLengths('rocAuc', scores, labels);
  const n = scores.length;
  for (let i = 0; i < n; i++) if (Number.isNaN(scores[i])) throw new Error(`rocAuc: score ${i} is NaN`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let nPos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    // A run of tied scores shares the mean of its ranks (1-based).
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const meanRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]] === 1) {
        nPos++;
        rankSumPos += meanRank;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) throw new Error(`rocAuc: needs both same and different pairs, got ${nPos} same and ${nNeg} different`);
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** All the metrics from the distances of labelled pairs. */
export function pairMetrics(distances: ArrayLike<number>, labels: ArrayLike<number>, threshold = DEFAULT_THRESHOLD): PairMetrics {
  checkLengths('pairMetrics', distances, labels);
  const scores = Float64Array.from(distances, (d) => 1 - d);
  let positives = 0;
  let sumPos = 0;
  let sumNeg = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) {
      positives++;
      sumPos += distances[i];
    } else sumNeg += distances[i];
  }
  return {
    accuracy: pairAccuracy(scores, labels, threshold),
    rocAuc: rocAuc(scores, labels),
    threshold,
    pairs: labels.length,
    positives,
    meanPositiveDistance: positives ? sumPos / positives : NaN,
    meanNegativeDistance: labels.length > positives ? sumNeg / (labels.length - positives) : NaN,
  };
}

/**
 * The threshold on the score that maximises accuracy on these pairs (midpoints between
 * consecutive distinct scores), with that accuracy. Calibrate on training or validation pairs,
 * never on the pairs you report.
 */
export function bestThreshold(scores: ArrayLike<number>, labels: ArrayLike<number>): { threshold: number; accuracy: number } {
  checkLengths('bestThreshold', scores, labels);
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let totalPos = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) totalPos++;
  // Threshold below everything: all predicted same → correct = positives.
  let correct = totalPos;
  let best = { threshold: scores[order[0]] - 1e-6, accuracy: correct / n };
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    for (let k = i; k <= j; k++) correct += labels[order[k]] === 1 ? -1 : 1;
    const next = j + 1 < n ? scores[order[j + 1]] : scores[order[j]] + 2e-6;
    if (correct / n > best.accuracy) best = { threshold: (scores[order[j]] + next) / 2, accuracy: correct / n };
    i = j + 1;
  }
  return best;
}
