/**
 * Dispatcher for shaders/strided_copy.wgsl, and the layout kernels built on it: transpose,
 * slice, and writing a tensor into a region of a bigger one (concat, pad). No autograd and no
 * argument checking beyond internal consistency: src/autograd/layout.ts validates user input.
 */
import { backend } from '../engine/device.js';
import { Uniforms } from '../engine/uniforms.js';
import { empty, type Shape, type Tensor } from '../engine/tensor.js';
import { cover, stridesOf } from './grid.js';

const MAX_RANK = 8;

/** A box of `shape` elements read at src offset/strides and written at dst offset/strides (in elements). */
export interface CopyRegion {
  shape: readonly number[];
  srcOffset: number;
  srcStrides: readonly number[];
  dstOffset: number;
  dstStrides: readonly number[];
}

/**
 * Drops dims of size 1 and merges neighbours that are contiguous in both views, so that, e.g.,
 * copying whole rows becomes one long run. Returns the merged dims as [size, srcStride, dstStride].
 */
function mergeDims(r: CopyRegion): [number, number, number][] {
  const dims: [number, number, number][] = [];
  r.shape.forEach((d, i) => {
    if (d === 1) return;
    const last = dims[dims.length - 1];
    const s = r.srcStrides[i];
    const t = r.dstStrides[i];
    if (last && last[1] === s * d && last[2] === t * d) {
      last[0] *= d;
      last[1] = s;
      last[2] = t;
    } else {
      dims.push([d, s, t]);
    }
  });
  return dims;
}

/** Copies a region of `src` into `dst` (same dtype, 4-byte elements). */
export function stridedCopy(src: Tensor, dst: Tensor, r: CopyRegion): void {
  const n = r.shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const dims = mergeDims(r);
  if (dims.length === 0) dims.push([1, 1, 1]);
  // One contiguous run in both: a plain buffer copy needs no shader at all.
  if (dims.length === 1 && dims[0][1] === 1 && dims[0][2] === 1) {
    backend().copy(src.buffer, dst.buffer, 4 * n, 4 * r.srcOffset, 4 * r.dstOffset);
    return;
  }
  if (dims.length > MAX_RANK) throw new Error(`strided copy: ${dims.length} dims after merging exceeds ${MAX_RANK}`);
  const u = new Uniforms()
    .u32(n, dims.length, r.srcOffset, r.dstOffset)
    .u32Array(dims.map((d) => d[0]), MAX_RANK)
    .u32Array(dims.map((d) => d[1]), MAX_RANK)
    .u32Array(dims.map((d) => d[2]), MAX_RANK);
  backend().dispatch({
    shader: 'strided_copy',
    entry: 'main',
    uniforms: u.bytes(),
    buffers: [src.buffer, dst.buffer],
    workgroups: cover(n),
    bytes: 8 * n,
  });
}

/** y[..., i_k, ...] = x[..., i_perm[k], ...]: output dim k is input dim perm[k]. */
export function transposeKernel(x: Tensor, perm: readonly number[]): Tensor {
  const y = empty(perm.map((p) => x.shape[p]), x.dtype);
  const xs = stridesOf(x.shape);
  stridedCopy(x, y, {
    shape: y.shape,
    srcOffset: 0,
    srcStrides: perm.map((p) => xs[p]),
    dstOffset: 0,
    dstStrides: stridesOf(y.shape),
  });
  return y;
}

/** The box [begin, begin + size) of x, as a new contiguous tensor. */
export function sliceKernel(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  const y = empty(size, x.dtype);
  const xs = stridesOf(x.shape);
  stridedCopy(x, y, {
    shape: size,
    srcOffset: begin.reduce((acc, b, i) => acc + b * xs[i], 0),
    srcStrides: xs,
    dstOffset: 0,
    dstStrides: stridesOf(size),
  });
  return y;
}

/** Writes all of `x` into `dst` at offset `at` (per dim); dst must be big enough. */
export function writeRegion(x: Tensor, dst: Tensor, at: readonly number[]): void {
  const ds = stridesOf(dst.shape);
  stridedCopy(x, dst, {
    shape: x.shape,
    srcOffset: 0,
    srcStrides: stridesOf(x.shape),
    dstOffset: at.reduce((acc, a, i) => acc + a * ds[i], 0),
    dstStrides: ds,
  });
}

/** Joins tensors along `axis` (shapes already checked to agree elsewhere). */
export function concatKernel(xs: readonly Tensor[], axis: number): Tensor {
  const shape: number[] = [...xs[0].shape];
  shape[axis] = xs.reduce((acc, t) => acc + t.shape[axis], 0);
  const y = empty(shape as Shape, xs[0].dtype);
  let at = 0;
  for (const x of xs) {
    const offset = shape.map((_, i) => (i === axis ? at : 0));
    writeRegion(x, y, offset);
    at += x.shape[axis];
  }
  return y;
}
