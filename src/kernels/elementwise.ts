/**
 * Dispatchers for shaders/binary.wgsl and shaders/unary.wgsl. No autograd here: see
 * src/autograd/elementwise.ts for the ops users call.
 */
import { backend } from '../engine/device.js';
import { Uniforms } from '../engine/uniforms.js';
import { empty, type Shape, type Tensor } from '../engine/tensor.js';
import { cover, stridesOf } from './grid.js';

export const BINARY_OPS = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5, greater: 6, equal: 7,
  reluGrad: 8, squaredDifference: 9, pow: 10, greaterEqual: 11,
} as const;
export type BinaryOp = keyof typeof BINARY_OPS;

export const UNARY_OPS = {
  neg: 0, square: 1, sqrt: 2, exp: 3, log: 4, relu: 5, abs: 6, step: 7,
  clipMin: 9, reciprocal: 10, sign: 11, copy: 12,
} as const;
export type UnaryOp = keyof typeof UNARY_OPS;

const MAX_RANK = 8;

/** NumPy broadcasting of two shapes; throws naming the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes [${a.join(', ')}] and [${b.join(', ')}] cannot be broadcast (dim ${i}: ${da} vs ${db})`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Strides of `shape` seen from an output of rank `rank`, 0 along broadcast dims. */
function broadcastStrides(shape: Shape, out: Shape): number[] {
  const s = stridesOf(shape);
  return out.map((d, i) => {
    const j = i - (out.length - shape.length);
    return j < 0 || shape[j] === 1 ? 0 : s[j];
  });
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function binaryKernel(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  if (shape.length > MAX_RANK) throw new Error(`${op}: rank ${shape.length} exceeds ${MAX_RANK}`);
  const out = empty(shape);
  const n = out.size;
  const plain = sameShape(a.shape, shape) && sameShape(b.shape, shape);
  const u = new Uniforms()
    .u32(n, shape.length, 0, 0)
    .u32Array(shape, MAX_RANK)
    .u32Array(broadcastStrides(a.shape, shape), MAX_RANK)
    .u32Array(broadcastStrides(b.shape, shape), MAX_RANK);
  backend().dispatch({
    shader: 'binary',
    entry: 'main',
    constants: { OP: BINARY_OPS[op], BROADCAST: plain ? 0 : 1 },
    uniforms: u.bytes(),
    buffers: [a.buffer, b.buffer, out.buffer],
    workgroups: cover(n),
    flops: n,
    bytes: 12 * n,
  });
  return out;
}

export function unaryKernel(op: UnaryOp, x: Tensor, alpha = 0, shape: Shape = x.shape): Tensor {
  const out = empty(shape);
  const n = out.size;
  backend().dispatch({
    shader: 'unary',
    entry: 'main',
    constants: { OP: UNARY_OPS[op] },
    uniforms: new Uniforms().u32(n).f32(alpha).u32(0, 0).bytes(),
    buffers: [x.buffer, out.buffer],
    workgroups: cover(n),
    flops: n,
    bytes: 8 * n,
  });
  return out;
}
