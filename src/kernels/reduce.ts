/** Dispatcher for shaders/reduce.wgsl: sum / max / min over a set of axes. */
import { backend } from '../engine/device.js';
import { Uniforms } from '../engine/uniforms.js';
import { empty, type Tensor } from '../engine/tensor.js';
import { cover, stridesOf } from './grid.js';

export type ReduceOp = 'sum' | 'max' | 'min';
const OPS: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2 };
const MAX_RANK = 8;

/** Normalises axes (negative allowed, undefined = all) and checks them against `rank`. */
export function normalizeAxes(op: string, axis: number | number[] | undefined | null, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) throw new Error(`${op}: axis ${a} is out of range for rank ${rank}`);
    return a < 0 ? a + rank : a;
  });
  return [...new Set(out)].sort((x, y) => x - y);
}

/** Below this many invocations a launch leaves cores idle: split long reductions into chunks. */
const MIN_PARALLEL = 2048;
/** Chunks shorter than this cost more in the second pass than they save. */
const MIN_CHUNK = 256;

/**
 * Reduces `x` over `axes` (sorted, unique). The result has the kept dims only; callers reshape
 * for keepDims. `scale` multiplies each result (1/count gives a mean).
 */
export function reduceKernel(op: ReduceOp, x: Tensor, axes: number[], scale = 1): Tensor {
  const shape = x.shape;
  const strides = stridesOf(shape);
  const reduced = new Set(axes);
  const outShape = shape.filter((_, i) => !reduced.has(i));
  const out = empty(outShape);
  if (out.size === 0) return out;
  // Merge neighbouring dims of the same kind (both kept or both reduced, contiguous in memory),
  // so that e.g. a bias gradient over [N, H, W, C] becomes one reduced dim of N*H*W.
  const keep: [number, number][] = [];
  const red: [number, number][] = [];
  let prevKind: boolean | null = null;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const isRed = reduced.has(i);
    const list = isRed ? red : keep;
    const last = list[list.length - 1];
    if (prevKind === isRed && last && last[1] === strides[i] * shape[i]) {
      last[0] *= shape[i];
      last[1] = strides[i];
    } else {
      list.push([shape[i], strides[i]]);
    }
    prevKind = isRed;
  }
  if (red.length === 0) red.push([1, 0]);
  if (keep.length > MAX_RANK || red.length > MAX_RANK) throw new Error(`${op}: too many dims after merging`);
  const n = out.size;
  const count = red.reduce((p, [d]) => p * d, 1);
  if (count === 0) throw new Error(`${op}: cannot reduce over an empty axis of shape [${shape.join(', ')}]`);

  let chunks = 1;
  if (n < MIN_PARALLEL && count >= 2 * MIN_CHUNK) {
    chunks = Math.min(Math.ceil(MIN_PARALLEL / n), Math.floor(count / MIN_CHUNK));
  }
  const chunkLen = Math.ceil(count / chunks);
  chunks = Math.ceil(count / chunkLen);
  if (chunks === 1) {
    launch(op, x, out, n, keep, red, count, count, 1, scale);
    return out;
  }
  // Pass 1: [chunks, n] partial results; pass 2: reduce the chunks in order.
  const partial = empty([chunks, n]);
  launch(op, x, partial, n, keep, red, count, chunkLen, chunks, 1);
  launch(op, partial, out, n, [[n, 1]], [[chunks, n]], chunks, chunks, 1, scale);
  partial.dispose();
  return out;
}

function launch(
  op: ReduceOp,
  x: Tensor,
  out: Tensor,
  n: number,
  keep: [number, number][],
  red: [number, number][],
  count: number,
  chunkLen: number,
  chunks: number,
  scale: number,
): void {
  const u = new Uniforms()
    .u32(n, keep.length, red.length)
    .f32(scale)
    .u32(count, chunkLen, chunks, 0)
    .u32Array(keep.map((k) => k[0]), MAX_RANK)
    .u32Array(keep.map((k) => k[1]), MAX_RANK)
    .u32Array(red.map((k) => k[0]), MAX_RANK)
    .u32Array(red.map((k) => k[1]), MAX_RANK);
  backend().dispatch({
    shader: 'reduce',
    entry: 'main',
    constants: { OP: OPS[op] },
    uniforms: u.bytes(),
    buffers: [x.buffer, out.buffer],
    workgroups: cover(n * chunks),
    flops: x.size,
    bytes: 4 * (x.size + n * chunks),
  });
}
