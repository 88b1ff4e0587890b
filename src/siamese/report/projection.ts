/**
 * A 2-D projection of embeddings for the evaluation report: PCA. The heavy parts run on the
 * GPU through the engine's ops: centring (mean, sub), the covariance Xcᵀ·Xc (matMul with
 * transposeA) and the projection Xc·V (matMul). Only the D×D covariance comes back (D = 64 for
 * the seed network), and its top two eigenvectors are found on the CPU by power iteration with
 * deflation, in float64: a few hundred D×D products, microseconds. Browser-safe.
 */
import type { Tensor } from '../../engine/tensor.js';
import { fromArray } from '../../engine/tensor.js';
import { tidy } from '../../engine/scope.js';
import { noGrad } from '../../autograd/tape.js';
import { div, matMul, mean, sub } from '../../autograd/ops.js';
import { Random } from '../../engine/random.js';
import { indicesByClass, type ImageSet } from '../data/image-set.js';

export interface Projection {
  /** [n·2]: each point's coordinates on the first and second principal axes. */
  points: Float32Array;
  /** The two principal axes ([D] each, unit length) and their variances (eigenvalues). */
  axes: [Float64Array, Float64Array];
  variances: [number, number];
  /** Total variance (trace of the covariance), for "% of variance" captions. */
  totalVariance: number;
}

/** y = C·v for a dim×dim row-major matrix. */
function apply(c: Float64Array, v: Float64Array): Float64Array {
  const d = v.length;
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += c[i * d + j] * v[j];
    y[i] = s;
  }
  return y;
}

/**
 * The dominant eigenvector of a symmetric positive semi-definite matrix and its eigenvalue,
 * by power iteration from a fixed start (so the result repeats). The sign is chosen so that the
 * largest component is positive, which makes plots of the same data look the same.
 */
export function powerIteration(c: Float64Array, dim: number, { iterations = 1000, tolerance = 1e-12 } = {}): { vector: Float64Array; value: number } {
  const r = new Random(12345);
  let v = Float64Array.from({ length: dim }, () => r.next() + 0.5);
  let value = 0;
  for (let it = 0; it < iterations; it++) {
    const w = apply(c, v);
    const norm = Math.hypot(...w);
    if (norm === 0) return { vector: v.map(() => 0), value: 0 }; // a zero matrix: no direction
    const next = w.map((x) => x / norm);
    const change = Math.hypot(...next.map((x, i) => x - v[i]));
    v = next;
    value = norm;
    if (change < tolerance) break;
  }
  let big = 0;
  for (let i = 1; i < dim; i++) if (Math.abs(v[i]) > Math.abs(v[big])) big = i;
  if (v[big] < 0) v = v.map((x) => -x);
  // The Rayleigh quotient vᵀCv is the eigenvalue (norm of Cv equals it once converged).
  const cv = apply(c, v);
  value = v.reduce((s, x, i) => s + x * cv[i], 0);
  return { vector: v, value };
}

/** PCA of embeddings [n, D] (n ≥ 2) on the GPU: the points on the top two principal axes. */
export async function pcaProjection(embeddings: Tensor): Promise<Projection> {
  if (embeddings.rank !== 2 || embeddings.shape[0] < 2) throw new Error(`pcaProjection: expected embeddings [n ≥ 2, dim], got [${embeddings.shape.join(', ')}]`);
  const [n, dim] = embeddings.shape;
  const centred = noGrad(() => tidy(() => sub(embeddings, mean(embeddings, 0, true))));
  try {
    const covT = noGrad(() => tidy(() => div(matMul(centred, centred, true, false), n - 1)));
    const cov = Float64Array.from(await covT.data());
    covT.dispose();
    const first = powerIteration(cov, dim);
    // Deflate: remove the first component, and the second becomes the dominant one.
    const deflated = cov.map((x, k) => x - first.value * first.vector[Math.floor(k / dim)] * first.vector[k % dim]);
    const second = powerIteration(deflated, dim);
    const basis = new Float32Array(dim * 2);
    for (let i = 0; i < dim; i++) {
      basis[2 * i] = first.vector[i];
      basis[2 * i + 1] = second.vector[i];
    }
    const projT = noGrad(() => tidy(() => matMul(centred, fromArray(basis, [dim, 2]))));
    const points = (await projT.data()) as Float32Array;
    projT.dispose();
    let trace = 0;
    for (let i = 0; i < dim; i++) trace += cov[i * dim + i];
    return { points, axes: [first.vector, second.vector], variances: [first.value, second.value], totalVariance: trace };
  } finally {
    centred.dispose();
  }
}

/**
 * Indices of at most `max` images of `set`, spread evenly over its classes and drawn with a
 * fixed seed (so a report's projection plot is reproducible), in increasing order.
 */
export function projectionSample(set: ImageSet, max = 1000, seed = 1): number[] {
  if (set.count <= max) return Array.from({ length: set.count }, (_, i) => i);
  const byClass = indicesByClass(set).filter((idx) => idx.length > 0);
  const per = Math.max(1, Math.floor(max / byClass.length));
  const r = new Random(seed);
  const out: number[] = [];
  for (const idx of byClass) out.push(...r.shuffle(Array.from(idx)).slice(0, per));
  return out.slice(0, max).sort((a, b) => a - b);
}
