/**
 * kSmallest (nearest neighbours from a distance matrix) and tfjs's topk (largest), per row, with
 * the gradient of the values. Ties go to the lower index, as a stable sort would order them.
 */
import type { Tensor } from '../engine/tensor.js';
import { kSmallestGradKernel, kSmallestKernel, TOPK_MAX_K } from '../kernels/topk.js';
import { defineOp } from './tape.js';
import { toTensor, type TensorLike } from './creation.js';
import { neg } from './elementwise.js';

function check(op: string, x: Tensor, k: number): void {
  if (x.rank !== 2) throw new Error(`${op}: x must be [rows, cols] (e.g. queries × gallery distances), got shape [${x.shape.join(', ')}]`);
  if (x.dtype !== 'float32') throw new Error(`${op}: x must be float32, got ${x.dtype}`);
  const cols = x.shape[1];
  if (!Number.isInteger(k) || k < 1) throw new Error(`${op}: k must be a positive integer, got ${k}`);
  if (cols === 0) throw new Error(`${op}: rows are empty (x is [${x.shape.join(', ')}]): nothing to choose from`);
  if (k > cols) throw new Error(`${op}: k = ${k} is larger than the ${cols} entries of each row`);
  if (k > TOPK_MAX_K) throw new Error(`${op}: k = ${k} is above this kernel's limit of ${TOPK_MAX_K} (it keeps the k best in a small per-row list)`);
}

const kSmallestOp = defineOp(
  'kSmallest',
  (x: Tensor, k: number, out: { indices?: Tensor }) => {
    const { values, indices } = kSmallestKernel(x, k);
    out.indices = indices;
    // backward reads `indices`: keep it alive (do not dispose it) until the gradient is taken.
    return { value: values, backward: (dy: Tensor) => [kSmallestGradKernel(dy, indices, x.shape[1])] };
  },
  (x: Tensor) => [x],
);

/**
 * The k smallest values of each row of x [rows, cols], ascending: values [rows, k] (with a
 * gradient) and their column indices [rows, k] (int32). k ≤ 32.
 */
export function kSmallest(x: TensorLike, k: number): { values: Tensor; indices: Tensor } {
  const t = toTensor(x);
  check('kSmallest', t, k);
  const out: { indices?: Tensor } = {};
  const values = kSmallestOp(t, k, out);
  return { values, indices: out.indices! };
}

/** TensorFlow.js's topk on rows: the k largest, descending; ties to the lower index. */
export function topk(x: TensorLike, k: number): { values: Tensor; indices: Tensor } {
  const t = toTensor(x);
  check('topk', t, k);
  const r = kSmallest(neg(t), k);
  return { values: neg(r.values), indices: r.indices };
}
