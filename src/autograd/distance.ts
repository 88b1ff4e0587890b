/**
 * Distances between embeddings, with gradients: euclideanDistance and cosineSimilarity row by
 * row ([N, D] × [N, D] → [N]), and pairwiseDistances for all pairs ([N, D] × [M, D] → [N, M]).
 * The formulas (and their 1e-7 floors) are spelled out in shaders/distance.wgsl.
 */
import type { Tensor } from '../engine/tensor.js';
import {
  euclidGradScaleKernel,
  pairwiseKernel,
  rowDistanceGradKernel,
  rowDistanceKernel,
  checkPairwise,
  type PairMetric,
} from '../kernels/distance.js';
import { defineOp } from './tape.js';
import { toTensor, type TensorLike } from './creation.js';
import { div, greater, maximum, mul, sqrt, square, sub } from './elementwise.js';
import { sum } from './reduce.js';
import { matMul } from './matmul.js';

/** The floor under squared sums (TensorFlow.js's and Keras's float32 epsilon, K.epsilon()). */
export const DISTANCE_EPSILON = 1e-7;

const euclideanOp = defineOp(
  'euclideanDistance',
  (a: Tensor, b: Tensor) => {
    const value = rowDistanceKernel('euclidean', a, b, 'euclideanDistance');
    return { value, backward: (dy: Tensor) => rowDistanceGradKernel('euclidean', a, b, dy) };
  },
  (a: Tensor, b: Tensor) => [a, b],
);

/**
 * sqrt(max(Σ_d (a[i,d] − b[i,d])², 1e-7)) for each row i: [N, D] × [N, D] → [N]. This is the
 * Keras mnist_siamese `euclidean_distance`; at zero distance its gradient is 0, not NaN.
 */
export function euclideanDistance(a: TensorLike, b: TensorLike): Tensor {
  return euclideanOp(toTensor(a), toTensor(b));
}

const cosineOp = defineOp(
  'cosineSimilarity',
  (a: Tensor, b: Tensor) => {
    const value = rowDistanceKernel('cosine', a, b, 'cosineSimilarity');
    return { value, backward: (dy: Tensor) => rowDistanceGradKernel('cosine', a, b, dy) };
  },
  (a: Tensor, b: Tensor) => [a, b],
);

/**
 * Σ a·b / (|a|'·|b|') for each row, with |x|' = sqrt(max(Σ x², 1e-7)): [N, D] × [N, D] → [N].
 * This is tfjs-layers' convention (`l2Normalize` then a dot product, as in cosineProximity); a
 * zero row gives similarity 0 and a finite gradient.
 */
export function cosineSimilarity(a: TensorLike, b: TensorLike): Tensor {
  return cosineOp(toTensor(a), toTensor(b));
}

/** Gradients of Σ g ∘ S with S[i,j] = Σ_d (a[i,d] − b[j,d])². */
function squaredGrads(a: Tensor, b: Tensor, g: Tensor): [Tensor, Tensor] {
  const [n] = a.shape;
  const m = b.shape[0];
  // dA = 2 (a ∘ rowsum(g) − g·B),  dB = 2 (b ∘ colsum(g) − gᵀ·A)
  const da = mul(sub(mul(a, sum(g, 1).viewAs([n, 1])), matMul(g, b)), 2);
  const db = mul(sub(mul(b, sum(g, 0).viewAs([m, 1])), matMul(g, a, true, false)), 2);
  return [da, db];
}

/** Gradients of Σ g ∘ (1 − C) with C[i,j] = a_i·b_j / (|a_i|'·|b_j|'). */
function cosineGrads(a: Tensor, b: Tensor, g: Tensor, value: Tensor): [Tensor, Tensor] {
  const [n] = a.shape;
  const m = b.shape[0];
  const dc = mul(g, -1);
  const c = sub(1, value);
  const sa = sum(square(a), 1);
  const sb = sum(square(b), 1);
  const na = sqrt(maximum(sa, DISTANCE_EPSILON));
  const nb = sqrt(maximum(sb, DISTANCE_EPSILON));
  // dA_i = Σ_j dc_ij b_j / (na_i nb_j) − a_i [sa_i > ε] / na_i² · Σ_j dc_ij c_ij   (and for B)
  const scaled = div(dc, mul(na.viewAs([n, 1]), nb.viewAs([1, m])));
  const dcc = mul(dc, c);
  const selfA = div(mul(greater(sa, DISTANCE_EPSILON), sum(dcc, 1)), square(na));
  const selfB = div(mul(greater(sb, DISTANCE_EPSILON), sum(dcc, 0)), square(nb));
  const da = sub(matMul(scaled, b), mul(a, selfA.viewAs([n, 1])));
  const db = sub(matMul(scaled, a, true, false), mul(b, selfB.viewAs([m, 1])));
  return [da, db];
}

const pairwiseOp = defineOp(
  'pairwiseDistances',
  (a: Tensor, b: Tensor, metric: PairMetric) => {
    const value = pairwiseKernel(metric, a, b);
    return {
      value,
      backward: (g: Tensor) => {
        if (metric === 'squaredEuclidean') return squaredGrads(a, b, g);
        if (metric === 'cosine') return cosineGrads(a, b, g, value);
        // euclidean: through sqrt(max(s, ε)) first, with s recomputed (not kept from forward).
        const s = pairwiseKernel('squaredEuclidean', a, b);
        return squaredGrads(a, b, euclidGradScaleKernel(g, s));
      },
    };
  },
  (a: Tensor, b: Tensor) => [a, b],
);

/**
 * All-pairs distances between the rows of a: [N, D] and b: [M, D] → [N, M], in one fused
 * kernel (no [N, M, D] intermediate). 'euclidean' floors like euclideanDistance;
 * 'squaredEuclidean' has no floor; 'cosine' gives 1 − cosineSimilarity.
 */
export function pairwiseDistances(a: TensorLike, b: TensorLike, metric: PairMetric = 'euclidean'): Tensor {
  if (metric !== 'euclidean' && metric !== 'squaredEuclidean' && metric !== 'cosine') {
    throw new Error(`pairwiseDistances: metric must be 'euclidean', 'squaredEuclidean' or 'cosine', got '${String(metric)}'`);
  }
  const at = toTensor(a);
  const bt = toTensor(b);
  checkPairwise('pairwiseDistances', at, bt);
  return pairwiseOp(at, bt, metric);
}
