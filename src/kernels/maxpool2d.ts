/**
 * Dispatcher for shaders/maxpool2d.wgsl: 2-D max-pooling over NHWC tensors with the argmax of
 * each window (saved for backward), and the gradient that routes dy back through it.
 * Geometry follows TensorFlow.js (computePool2DInfo): 'valid' keeps whole windows only;
 * 'same' gives ceil(in / stride) outputs and splits the padding with the smaller half on top.
 */
import { backend } from '../engine/device.js';
import { Uniforms } from '../engine/uniforms.js';
import { empty, type Shape, type Tensor } from '../engine/tensor.js';
import { cover } from './grid.js';

export type PoolPadding = 'valid' | 'same';

/** Everything a pooling launch needs to know, in NHWC. */
export interface PoolGeometry {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  outH: number;
  outW: number;
  filterH: number;
  filterW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
}

function pairOf(op: string, what: string, v: number | readonly number[]): [number, number] {
  const p = typeof v === 'number' ? [v, v] : [...v];
  if (p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`${op}: ${what} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

/** Pool geometry for an input of shape [N, H, W, C]; throws naming `op` on bad arguments. */
export function poolGeometry(
  op: string,
  shape: Shape,
  filterSize: number | readonly number[],
  strides: number | readonly number[],
  pad: PoolPadding,
): PoolGeometry {
  if (shape.length !== 4) throw new Error(`${op}: expected x of rank 4 [N, H, W, C] (or 3), got shape [${shape.join(', ')}]`);
  const [batch, inH, inW, channels] = shape;
  const [filterH, filterW] = pairOf(op, 'filterSize', filterSize);
  const [strideH, strideW] = pairOf(op, 'strides', strides);
  let outH: number, outW: number, padTop: number, padLeft: number;
  if (pad === 'valid') {
    outH = Math.ceil((inH - filterH + 1) / strideH);
    outW = Math.ceil((inW - filterW + 1) / strideW);
    padTop = padLeft = 0;
    if (outH < 1 || outW < 1) {
      throw new Error(
        `${op}: a ${filterH}x${filterW} window does not fit in a ${inH}x${inW} input with 'valid' padding (use 'same' or a smaller filter)`,
      );
    }
  } else if (pad === 'same') {
    outH = Math.ceil(inH / strideH);
    outW = Math.ceil(inW / strideW);
    padTop = Math.floor(Math.max(0, (outH - 1) * strideH + filterH - inH) / 2);
    padLeft = Math.floor(Math.max(0, (outW - 1) * strideW + filterW - inW) / 2);
    // With pad < filter every window overlaps the input; an empty input has no windows at all.
  } else {
    throw new Error(`${op}: unknown padding ${JSON.stringify(pad)}; expected 'valid' or 'same'`);
  }
  return { batch, inH, inW, channels, outH, outW, filterH, filterW, strideH, strideW, padTop, padLeft };
}

/**
 * The corner of the input that some window reads: rows 0..h-1 and columns 0..w-1 (less than the
 * input when 'valid' windows do not divide it; the rest gets no gradient).
 */
export function poolReadExtent(g: PoolGeometry): { h: number; w: number } {
  return {
    h: Math.min(g.inH, (g.outH - 1) * g.strideH + g.filterH - g.padTop),
    w: Math.min(g.inW, (g.outW - 1) * g.strideW + g.filterW - g.padLeft),
  };
}

/** Channel quads: each invocation takes 4 consecutive channels (shaders/maxpool2d.wgsl). */
const quadsOf = (g: PoolGeometry): number => Math.ceil(g.channels / 4);

/** Cells of stride_h x stride_w positions that tile the (padded) input: backward_cells' grid. */
function cellsOf(g: PoolGeometry): { cellsH: number; cellsW: number } {
  return { cellsH: Math.ceil((g.inH + g.padTop) / g.strideH), cellsW: Math.ceil((g.inW + g.padLeft) / g.strideW) };
}

function uniforms(n: number, g: PoolGeometry): ArrayBuffer {
  const { cellsH, cellsW } = cellsOf(g);
  return new Uniforms()
    .u32(n, g.batch, g.inH, g.inW, g.channels, g.outH, g.outW, g.filterH, g.filterW)
    .u32(g.strideH, g.strideW, g.padTop, g.padLeft, quadsOf(g), cellsH, cellsW)
    .bytes();
}

const constants = (g: PoolGeometry) => ({ QUAD: g.channels % 4 === 0 ? 1 : 0 });

/** Max-pools x [N, H, W, C]: returns y [N, OH, OW, C] and the flat index in x of each maximum. */
export function maxPool2dKernel(x: Tensor, g: PoolGeometry): { y: Tensor; argmax: Tensor } {
  if (x.size >= 2 ** 31) throw new Error(`maxPool: input of ${x.size} elements is too large for int32 argmax indices`);
  const outShape = [g.batch, g.outH, g.outW, g.channels];
  const y = empty(outShape);
  const argmax = empty(outShape, 'int32');
  if (y.size === 0) return { y, argmax };
  const n = g.batch * g.outH * g.outW * quadsOf(g);
  backend().dispatch({
    shader: 'maxpool2d',
    entry: 'forward',
    constants: constants(g),
    uniforms: uniforms(n, g),
    buffers: [x.buffer, argmax.buffer, y.buffer],
    workgroups: cover(n),
    flops: y.size * g.filterH * g.filterW,
    bytes: 4 * (x.size + 2 * y.size),
  });
  return { y, argmax };
}

/**
 * dx [N, H, W, C]: each element gets the dy of the windows whose argmax it is. Windows that
 * cannot overlap (stride >= filter on both axes) take `backward_cells`, one invocation per
 * stride x stride cell writing all of it; overlapping ones the per-element `backward`.
 * With `reluMaskFrom` (the forward output y, when x was a relu's output), dx is also
 * multiplied by relu's mask x > 0, read as y > 0 at each window's maximum (maxpool2d.wgsl).
 */
export function maxPool2dBackwardKernel(dy: Tensor, argmax: Tensor, g: PoolGeometry, reluMaskFrom: Tensor | null = null): Tensor {
  const dx = empty([g.batch, g.inH, g.inW, g.channels]);
  if (dx.size === 0) return dx;
  const cells = g.strideH >= g.filterH && g.strideW >= g.filterW;
  const { cellsH, cellsW } = cellsOf(g);
  const n = g.batch * quadsOf(g) * (cells ? cellsH * cellsW : g.inH * g.inW);
  // Each input element visits about ceil(filter / stride) windows per axis.
  const visits = Math.ceil(g.filterH / g.strideH) * Math.ceil(g.filterW / g.strideW);
  backend().dispatch({
    shader: 'maxpool2d',
    entry: cells ? 'backward_cells' : 'backward',
    constants: { ...constants(g), RELU_MASK: reluMaskFrom ? 1 : 0 },
    uniforms: uniforms(n, g),
    // Without the mask, dy stands in at the pooled binding (RELU_MASK = false never reads it).
    buffers: [dy.buffer, argmax.buffer, dx.buffer, (reluMaskFrom ?? dy).buffer],
    workgroups: cover(n),
    flops: dx.size * visits,
    bytes: 4 * (dx.size + (reluMaskFrom ? 3 : 2) * dy.size),
  });
  return dx;
}
