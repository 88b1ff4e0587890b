/**
 * Elementwise ops with NumPy broadcasting, under TensorFlow.js's names. A number or nested
 * array works wherever a tensor does (tfjs's scalar forms: `add(x, 1)`).
 */
import type { Tensor } from '../engine/tensor.js';
import { binaryKernel, broadcastShapes, unaryKernel, type BinaryOp, type UnaryOp } from '../kernels/elementwise.js';
import { reduceKernel } from '../kernels/reduce.js';
import { defineOp, type BackwardFn } from './tape.js';
import { toTensor, type TensorLike } from './creation.js';

/**
 * Sums a broadcast gradient back to the shape of the operand it came from: over the leading
 * dims the operand lacks and over dims where it had size 1 ("a shaped edge's gradient is
 * summed to its source's shape").
 */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.shape.length - shape.length;
  const axes: number[] = [];
  g.shape.forEach((d, i) => {
    if (i < lead || (shape[i - lead] === 1 && d !== 1)) axes.push(i);
  });
  const summed = axes.length ? reduceKernel('sum', g, axes) : g;
  return summed.viewAs(shape);
}

function binary(name: BinaryOp, grad: (a: Tensor, b: Tensor, y: Tensor) => BackwardFn | null) {
  const op = defineOp(
    name,
    (a: Tensor, b: Tensor) => {
      const y = binaryKernel(name, a, b);
      const g = grad(a, b, y);
      return { value: y, backward: g ?? (() => [null, null]) };
    },
    (a: Tensor, b: Tensor) => [a, b],
  );
  return (a: TensorLike, b: TensorLike): Tensor => op(toTensor(a), toTensor(b));
}

function unary(name: UnaryOp, grad: (x: Tensor, y: Tensor) => BackwardFn | null) {
  const op = defineOp(
    name,
    (x: Tensor) => {
      const y = unaryKernel(name, x);
      const g = grad(x, y);
      return { value: y, backward: g ?? (() => [null]) };
    },
    (x: Tensor) => [x],
  );
  return (x: TensorLike): Tensor => op(toTensor(x));
}

export const add = binary('add', (a, b) => (dy) => [unbroadcast(dy, a.shape), unbroadcast(dy, b.shape)]);
export const sub = binary('sub', (a, b) => (dy) => [unbroadcast(dy, a.shape), unbroadcast(neg(dy), b.shape)]);
export const mul = binary('mul', (a, b) => (dy) => [unbroadcast(mul(dy, b), a.shape), unbroadcast(mul(dy, a), b.shape)]);
export const div = binary('div', (a, b) => (dy) => [
  unbroadcast(div(dy, b), a.shape),
  // d(a/b)/db = -a / b^2
  unbroadcast(neg(div(mul(dy, a), square(b))), b.shape),
]);
/** Gradient goes to `a` where a >= b (ties to a), as in tfjs. */
export const maximum = binary('maximum', (a, b) => (dy) => {
  const m = greaterEqual(a, b);
  return [unbroadcast(mul(dy, m), a.shape), unbroadcast(mul(dy, sub(1, m)), b.shape)];
});
/** Gradient goes to `a` where a <= b (ties to a), as in tfjs. */
export const minimum = binary('minimum', (a, b) => (dy) => {
  const m = greaterEqual(b, a);
  return [unbroadcast(mul(dy, m), a.shape), unbroadcast(mul(dy, sub(1, m)), b.shape)];
});
export const squaredDifference = binary('squaredDifference', (a, b) => (dy) => {
  const d = mul(mul(dy, sub(a, b)), 2);
  return [unbroadcast(d, a.shape), unbroadcast(neg(d), b.shape)];
});
/** 1 where a > b, else 0 (float32; no gradient). */
export const greater = binary('greater', () => null);
/** 1 where a >= b, else 0 (float32; no gradient). */
export const greaterEqual = binary('greaterEqual', () => null);
/** 1 where a == b, else 0 (float32; no gradient). */
export const equal = binary('equal', () => null);

export const neg = unary('neg', () => (dy) => [neg(dy)]);
export const square = unary('square', (x) => (dy) => [mul(dy, mul(x, 2))]);
export const sqrt = unary('sqrt', (_x, y) => (dy) => [div(dy, mul(y, 2))]);
export const exp = unary('exp', (_x, y) => (dy) => [mul(dy, y)]);
export const log = unary('log', (x) => (dy) => [div(dy, x)]);
/** Gradient 0 at x = 0, as in tfjs. */
export const relu = unary('relu', (x) => (dy) => [reluGrad(dy, x)]);
export const abs = unary('abs', (x) => (dy) => [mul(dy, unaryKernel('sign', x))]);
export const reciprocal = unary('reciprocal', (x) => (dy) => [neg(div(dy, square(x)))]);

/** dy where x > 0, else 0: relu's gradient as one kernel. */
export const reluGrad = binary('reluGrad', () => null);

// A broadcast check that names the op without launching anything (used by callers that
// validate early).
export { broadcastShapes };
