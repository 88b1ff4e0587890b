/** Reductions under tfjs's names: sum, mean, max, min over axes, with keepDims. */
import type { Tensor } from '../engine/tensor.js';
import { normalizeAxes, reduceKernel, type ReduceOp } from '../kernels/reduce.js';
import { binaryKernel } from '../kernels/elementwise.js';
import { defineOp } from './tape.js';
import { fill, toTensor, type TensorLike } from './creation.js';
import { mul, div } from './elementwise.js';

function keptShape(shape: readonly number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reduction(name: 'sum' | 'mean' | 'max' | 'min') {
  const kernelOp: ReduceOp = name === 'mean' ? 'sum' : name;
  const op = defineOp(
    name,
    (x: Tensor, axis: number | number[] | null | undefined, keepDims: boolean) => {
      const axes = normalizeAxes(name, axis, x.rank);
      const count = axes.reduce((p, a) => p * x.shape[a], 1);
      const r = reduceKernel(kernelOp, x, axes, name === 'mean' ? 1 / count : 1);
      const kept = keptShape(x.shape, axes);
      const value = keepDims ? r.viewAs(kept) : r;
      return {
        value,
        backward: (dy: Tensor) => {
          // Broadcast dy back over the reduced axes (via a keepDims view and the binary kernel).
          const g = dy.viewAs(kept);
          if (name === 'sum') return [binaryKernel('add', g, zerosOf(x))];
          if (name === 'mean') return [binaryKernel('add', div(g, count), zerosOf(x))];
          // max/min: the gradient goes to every element equal to the extreme (tfjs's rule).
          const mask = binaryKernel('equal', x, r.viewAs(kept));
          return [mul(mask, g)];
        },
      };
    },
    (x: Tensor) => [x],
  );
  return (x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor => op(toTensor(x), axis, keepDims);
}

function zerosOf(x: Tensor): Tensor {
  return fill(x.shape, 0);
}

export const sum = reduction('sum');
export const mean = reduction('mean');
export const max = reduction('max');
export const min = reduction('min');
