/**
 * Independent CPU references for the GPU ROC metrics (src/siamese/roc.ts): a direct count per
 * threshold, and AUC as the Mann-Whitney rank statistic (a different formula from the
 * trapezoids the library sums).
 */

/** Same and different pairs with distance < threshold, counted one by one. */
export function countBelowCpu(distances: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): [number, number] {
  let same = 0;
  let diff = 0;
  for (let i = 0; i < distances.length; i++) if (distances[i] < threshold) labels[i] === 1 ? same++ : diff++;
  return [same, diff];
}

/**
 * ROC AUC as the probability that a random positive scores above a random negative, ties
 * counting one half, from ranks after one sort.
 */
export function mannWhitneyAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
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
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * (n - nPos));
}
