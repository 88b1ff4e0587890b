/**
 * Dispatchers for shaders/distance.wgsl: row-wise euclidean / cosine (with their gradients in
 * one launch) and the fused all-pairs distance matrix. No autograd here: see
 * src/autograd/distance.ts.
 */
import { backend } from '../engine/device.js';
import { Uniforms } from '../engine/uniforms.js';
import { empty, type Tensor } from '../engine/tensor.js';
import { cover } from './grid.js';

export type RowMetric = 'euclidean' | 'cosine';
export type PairMetric = 'euclidean' | 'squaredEuclidean' | 'cosine';
const METRIC: Record<PairMetric, number> = { euclidean: 0, squaredEuclidean: 1, cosine: 2 };

const show = (s: readonly number[]): string => `[${s.join(', ')}]`;

function checkFloat2d(op: string, name: string, t: Tensor): void {
  if (t.rank !== 2) throw new Error(`${op}: ${name} must have rank 2 ([rows, dim]), got shape ${show(t.shape)}`);
  if (t.dtype !== 'float32') throw new Error(`${op}: ${name} must be float32, got ${t.dtype}`);
}

/** Checks two [N, D] inputs of one shape for a row-wise op. */
export function checkRowPair(op: string, a: Tensor, b: Tensor): void {
  checkFloat2d(op, 'a', a);
  checkFloat2d(op, 'b', b);
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new Error(`${op}: a and b must have the same shape [N, D], got ${show(a.shape)} and ${show(b.shape)}`);
  }
}

function rowUniforms(a: Tensor): ArrayBuffer {
  return new Uniforms().u32(a.shape[0], 0, a.shape[1], 0).bytes();
}

/** out[i] = metric(a[i], b[i]): [N]. */
export function rowDistanceKernel(metric: RowMetric, a: Tensor, b: Tensor, op: string): Tensor {
  checkRowPair(op, a, b);
  const [n, dim] = a.shape;
  const out = empty([n]);
  backend().dispatch({
    shader: 'distance',
    entry: 'row_distance',
    constants: { METRIC: METRIC[metric] },
    uniforms: rowUniforms(a),
    buffers: [a.buffer, b.buffer, out.buffer],
    workgroups: cover(n),
    flops: 3 * n * dim,
    bytes: 4 * (2 * n * dim + n),
  });
  return out;
}

/** Gradients of sum(dy · metric(a, b)) with respect to a and b, in one launch. */
export function rowDistanceGradKernel(metric: RowMetric, a: Tensor, b: Tensor, dy: Tensor): [Tensor, Tensor] {
  const [n, dim] = a.shape;
  const ga = empty(a.shape);
  const gb = empty(b.shape);
  backend().dispatch({
    shader: 'distance',
    entry: 'row_distance_grad',
    constants: { METRIC: METRIC[metric] },
    uniforms: rowUniforms(a),
    buffers: [a.buffer, b.buffer, dy.buffer, ga.buffer, gb.buffer],
    workgroups: cover(n),
    flops: 7 * n * dim,
    bytes: 4 * (4 * n * dim + n),
  });
  return [ga, gb];
}

/** Checks a: [N, D] and b: [M, D] for an all-pairs op. */
export function checkPairwise(op: string, a: Tensor, b: Tensor): void {
  checkFloat2d(op, 'a', a);
  checkFloat2d(op, 'b', b);
  if (a.shape[1] !== b.shape[1]) {
    throw new Error(`${op}: a ${show(a.shape)} and b ${show(b.shape)} must have the same number of columns (D)`);
  }
}

/** out[i, j] = metric(a[i], b[j]) for a: [N, D], b: [M, D]; cosine gives 1 − similarity. */
export function pairwiseKernel(metric: PairMetric, a: Tensor, b: Tensor, op = 'pairwiseDistances'): Tensor {
  checkPairwise(op, a, b);
  const [n, dim] = a.shape;
  const m = b.shape[0];
  const out = empty([n, m]);
  if (out.size === 0) return out;
  backend().dispatch({
    shader: 'distance',
    entry: 'pairwise',
    constants: { METRIC: METRIC[metric] },
    uniforms: new Uniforms().u32(n, m, dim, 0).bytes(),
    buffers: [a.buffer, b.buffer, out.buffer],
    // 4 x 4 pairs per invocation, 8 x 8 invocations per workgroup.
    workgroups: [Math.ceil(m / 32), Math.ceil(n / 32), 1],
    flops: 3 * n * m * dim,
    bytes: 4 * ((n + m) * dim + n * m),
  });
  return out;
}

/** g / (2 sqrt(s)) where s > 1e-7, else 0: the gradient through sqrt(max(s, 1e-7)). */
export function euclidGradScaleKernel(g: Tensor, s: Tensor): Tensor {
  const [n, m] = s.shape;
  const out = empty([n, m]);
  if (out.size === 0) return out;
  backend().dispatch({
    shader: 'distance',
    entry: 'euclid_grad_scale',
    uniforms: new Uniforms().u32(n, m, 0, 0).bytes(),
    buffers: [g.buffer, s.buffer, out.buffer],
    workgroups: cover(n * m),
    flops: 3 * n * m,
    bytes: 12 * n * m,
  });
  return out;
}
