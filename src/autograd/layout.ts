/**
 * Layout ops under TensorFlow.js's names: transpose, slice, concat, stack, pad and gather,
 * each with its gradient. All but gather run on one strided-copy kernel
 * (src/kernels/strided-copy.ts); their gradients are layout ops too (transpose by the inverse
 * permutation, slice <-> pad, concat -> slices). Arguments are checked here, on the host, so
 * that bad input throws a clear error before anything reaches the GPU.
 */
import { fromArray, Tensor } from '../engine/tensor.js';
import { concatKernel, sliceKernel, transposeKernel, writeRegion } from '../kernels/strided-copy.js';
import { gatherGradKernel, gatherKernel } from '../kernels/gather.js';
import { defineOp } from './tape.js';
import { fill, toTensor, type TensorLike } from './creation.js';
import { reshape } from './shape.js';

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/** Checks one axis (negative counts from the end) and returns it in [0, rank). */
function checkAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new Error(`${op}: axis ${axis} is out of range for rank ${rank} (expected an integer in [${-rank}, ${rank - 1}])`);
  }
  return axis < 0 ? axis + rank : axis;
}

// ---- transpose ----

const transposeOp = defineOp(
  'transpose',
  (x: Tensor, perm: number[]) => {
    const inverse = perm.map((_, k) => perm.indexOf(k));
    return { value: transposeKernel(x, perm), backward: (dy: Tensor) => [transpose(dy, inverse)] };
  },
  (x: Tensor) => [x],
);

/** Permutes the dims: output dim k is input dim perm[k] (default: reversed, a matrix transpose). */
export function transpose(x: TensorLike, perm?: number[]): Tensor {
  const t = toTensor(x);
  const p = perm ?? t.shape.map((_, i) => t.rank - 1 - i);
  const ok = p.length === t.rank && p.every((a) => Number.isInteger(a) && a >= 0 && a < t.rank) && new Set(p).size === p.length;
  if (!ok) {
    throw new Error(`transpose: perm ${fmt(p)} is not a permutation of the ${t.rank} dims of x ${fmt(t.shape)}`);
  }
  return transposeOp(t, p);
}

// ---- slice and pad ----

const sliceOp = defineOp(
  'slice',
  (x: Tensor, begin: number[], size: number[]) => ({
    value: sliceKernel(x, begin, size),
    backward: (dy: Tensor) => [pad(dy, x.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as [number, number]))],
  }),
  (x: Tensor) => [x],
);

/**
 * The box of x starting at `begin` with `size` elements per dim (-1: to the end). A number, or
 * a list shorter than the rank, applies to the leading dims; the rest are taken whole (tfjs).
 */
export function slice(x: TensorLike, begin: number | number[], size?: number | number[]): Tensor {
  const t = toTensor(x);
  const r = t.rank;
  const b = typeof begin === 'number' ? [begin] : [...begin];
  const s = size === undefined ? [] : typeof size === 'number' ? [size] : [...size];
  if (b.length > r || s.length > r) {
    throw new Error(`slice: begin ${fmt(b)} / size ${fmt(s)} have more entries than x ${fmt(t.shape)} has dims`);
  }
  while (b.length < r) b.push(0);
  while (s.length < r) s.push(-1);
  const sz = s.map((d, i) => (d === -1 ? t.shape[i] - b[i] : d));
  for (let i = 0; i < r; i++) {
    const bad = !Number.isInteger(b[i]) || !Number.isInteger(sz[i]) || b[i] < 0 || sz[i] < 0 || b[i] + sz[i] > t.shape[i];
    if (bad) {
      throw new Error(
        `slice: begin ${fmt(b)} with size ${fmt(s)} does not fit in x ${fmt(t.shape)} ` +
          `(dim ${i}: begin ${b[i]} + size ${sz[i]} must lie within 0..${t.shape[i]})`,
      );
    }
  }
  return sliceOp(t, b, sz);
}

const padOp = defineOp(
  'pad',
  (x: Tensor, paddings: [number, number][], value: number) => {
    const outShape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
    const y = fill(outShape, value, x.dtype);
    writeRegion(x, y, paddings.map((p) => p[0]));
    const begin = paddings.map((p) => p[0]);
    return { value: y, backward: (dy: Tensor) => [slice(dy, begin, [...x.shape])] };
  },
  (x: Tensor) => [x],
);

/** Pads dim i with paddings[i][0] values before and paddings[i][1] after, all `constantValue`. */
export function pad(x: TensorLike, paddings: [number, number][], constantValue = 0): Tensor {
  const t = toTensor(x);
  const ok =
    paddings.length === t.rank &&
    paddings.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0));
  if (!ok) {
    throw new Error(
      `pad: paddings ${JSON.stringify(paddings)} must hold one [before, after] pair of integers >= 0 for each of the ${t.rank} dims of x ${fmt(t.shape)}`,
    );
  }
  return padOp(t, paddings, constantValue);
}

// ---- concat and stack ----

const concatOp = defineOp(
  'concat',
  (xs: Tensor[], axis: number) => ({
    value: concatKernel(xs, axis),
    backward: (dy: Tensor) => {
      let at = 0;
      return xs.map((x) => {
        const begin = x.shape.map((_, i) => (i === axis ? at : 0));
        at += x.shape[axis];
        return slice(dy, begin, [...x.shape]);
      });
    },
  }),
  (xs: Tensor[]) => xs,
);

/** Joins tensors along `axis`; every other dim must agree, and so must the dtypes. */
export function concat(tensors: TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('concat: expected a non-empty list of tensors');
  const xs = tensors.map(toTensor);
  const first = xs[0];
  const a = checkAxis('concat', axis, Math.max(first.rank, 1));
  if (first.rank === 0) throw new Error('concat: cannot join scalars (rank 0); use stack');
  xs.forEach((x, k) => {
    const same = x.rank === first.rank && x.shape.every((d, i) => i === a || d === first.shape[i]);
    if (!same) {
      throw new Error(
        `concat: tensor ${k} has shape ${fmt(x.shape)} but tensor 0 has ${fmt(first.shape)}; ` +
          `along axis ${a} they must agree in every dim but ${a}`,
      );
    }
    if (x.dtype !== first.dtype) throw new Error(`concat: tensor ${k} is ${x.dtype} but tensor 0 is ${first.dtype}`);
  });
  return concatOp(xs, a);
}

/** Stacks same-shaped tensors along a new dim `axis` (rank + 1 in all). */
export function stack(tensors: TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('stack: expected a non-empty list of tensors');
  const xs = tensors.map(toTensor);
  const shape = xs[0].shape;
  xs.forEach((x, k) => {
    if (x.rank !== shape.length || x.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`stack: tensor ${k} has shape ${fmt(x.shape)} but tensor 0 has ${fmt(shape)}; all must be equal`);
    }
    if (x.dtype !== xs[0].dtype) throw new Error(`stack: tensor ${k} is ${x.dtype} but tensor 0 is ${xs[0].dtype}`);
  });
  const a = checkAxis('stack', axis, shape.length + 1);
  const expanded = [...shape.slice(0, a), 1, ...shape.slice(a)];
  return concat(
    xs.map((x) => reshape(x, expanded)),
    a,
  );
}

// ---- gather ----

const gatherOp = defineOp(
  'gather',
  (x: Tensor, indices: Tensor | number[], axis: number) => {
    // Host indices become a tensor that only this op uses: `saved` lets defineOp free it at
    // once when no gradient is recorded (otherwise tidy() frees it after backward).
    const idx = indices instanceof Tensor ? indices : fromArray(indices, [indices.length], 'int32');
    const made = idx === indices ? [] : [idx];
    return {
      value: gatherKernel(x, idx, axis),
      saved: made,
      backward: (dy: Tensor) => [gatherGradKernel(dy, idx, x.shape, axis), ...(made.length ? [] : [null])],
    };
  },
  (x: Tensor, indices: Tensor | number[]) => (indices instanceof Tensor ? [x, indices] : [x]),
);

/**
 * Takes the slices of x at `indices` along `axis`: the result has shape
 * x[:axis] + indices.shape + x[axis+1:]. Indices given as numbers are checked on the host and
 * an out-of-range one throws. Indices in an int32 tensor live on the GPU and are not read back
 * (that would stall the pipeline): an out-of-range one gives zeros in its output slice and
 * contributes nothing to the gradient. It never reads or writes outside x.
 */
export function gather(x: TensorLike, indices: Tensor | number[], axis = 0): Tensor {
  const t = toTensor(x);
  const a = checkAxis('gather', axis, t.rank);
  if (indices instanceof Tensor) {
    if (indices.dtype !== 'int32') throw new Error(`gather: indices must be an int32 tensor, got ${indices.dtype}`);
    return gatherOp(t, indices, a);
  }
  if (!Array.isArray(indices)) throw new Error(`gather: indices must be an int32 tensor or an array of integers`);
  const flat = indices as number[];
  const len = t.shape[a];
  flat.forEach((v, j) => {
    if (!Number.isInteger(v) || v < 0 || v >= len) {
      throw new Error(
        `gather: index ${v} (position ${j}) is out of range for axis ${a} of x ${fmt(t.shape)}: expected an integer in 0..${len - 1}`,
      );
    }
  });
  return gatherOp(t, flat, a);
}
