/**
 * The distance between two batches of embeddings, row by row, as the Siamese head uses it.
 *
 *   euclidean: sqrt(max(Σ (a − b)², 1e-7)), Keras mnist_siamese's `euclidean_distance` (the
 *              floor keeps the gradient of sqrt finite when two embeddings coincide);
 *   cosine:    1 − cos(a, b), so that 0 means "same direction" and the seed's rule
 *              "same when 1 − distance > threshold" reads "same when cos > threshold".
 */
import type { Tensor } from '../engine/tensor.js';
import { cosineSimilarity, euclideanDistance, reshape } from '../autograd/ops.js';
import { sub } from '../autograd/ops.js';

export type DistanceMetric = 'euclidean' | 'cosine';

export const DISTANCE_METRICS: readonly DistanceMetric[] = ['euclidean', 'cosine'];

export function checkMetric(metric: unknown, what = 'distance'): DistanceMetric {
  if (metric !== 'euclidean' && metric !== 'cosine') {
    throw new Error(`${what}: expected 'euclidean' or 'cosine', got ${JSON.stringify(metric)}`);
  }
  return metric;
}

/** Distances [B] between the rows of `a` and `b` (both [B, D]). */
export function pairDistance(a: Tensor, b: Tensor, metric: DistanceMetric): Tensor {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new Error(`pairDistance: expected two [batch, dim] embeddings of one shape, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  }
  const n = a.shape[0];
  if (metric === 'euclidean') return reshape(euclideanDistance(a, b), [n]);
  return reshape(sub(1, cosineSimilarity(a, b)), [n]);
}
