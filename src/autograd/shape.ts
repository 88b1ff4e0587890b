/** Shape ops: reshape (a view, no copy) and clone. Transpose, concat, slice and gather live in
 * src/autograd/layout.ts. */
import { empty, sizeOf, type Tensor } from '../engine/tensor.js';
import { backend } from '../engine/device.js';
import { defineOp } from './tape.js';
import { toTensor, type TensorLike } from './creation.js';

/** Resolves one -1 in `shape` and checks the element count. */
export function inferReshape(from: readonly number[], shape: readonly number[]): number[] {
  const n = sizeOf(from);
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) throw new Error(`reshape: at most one -1 in [${shape.join(', ')}]`);
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const out = shape.map((d) => (d === -1 ? (known === 0 ? 0 : n / known) : d));
  if (sizeOf(out) !== n || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`reshape: cannot view [${from.join(', ')}] (${n} values) as [${shape.join(', ')}]`);
  }
  return out;
}

const reshapeOp = defineOp(
  'reshape',
  (x: Tensor, shape: readonly number[]) => {
    const to = inferReshape(x.shape, shape);
    return { value: x.viewAs(to), backward: (dy: Tensor) => [dy.viewAs(x.shape)] };
  },
  (x: Tensor) => [x],
);

export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  return reshapeOp(toTensor(x), shape);
}

/** Flattens all but the first dim: [N, ...] -> [N, prod(...)]. */
export function flatten2d(x: Tensor): Tensor {
  return reshape(x, [x.shape[0], -1]);
}

const cloneOp = defineOp(
  'clone',
  (x: Tensor) => {
    const y = empty(x.shape, x.dtype);
    if (x.size) backend().copy(x.buffer, y.buffer, x.size * 4);
    return { value: y, backward: (dy: Tensor) => [dy] };
  },
  (x: Tensor) => [x],
);

/** A copy with its own storage. */
export function clone(x: TensorLike): Tensor {
  return cloneOp(toTensor(x));
}
