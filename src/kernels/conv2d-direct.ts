/**
 * Dispatchers for the implicit-GEMM conv kernels (shaders/conv2d_forward.wgsl,
 * conv2d_input_grad.wgsl, conv2d_filter_grad.wgsl): barrier-free register blocks that read x,
 * dy and the filter straight from storage, never materialising a patch matrix. This is the
 * variant for software adapters (SwiftShader), where barriers are expensive and the CPU cache
 * does the tiling; see src/kernels/conv2d.ts for how a variant is picked.
 */
import { backend } from '../engine/device.js';
import { Uniforms } from '../engine/uniforms.js';
import { empty, type Tensor } from '../engine/tensor.js';
import { reduceKernel } from './reduce.js';
import { grid1d } from './grid.js';
import type { ConvGeometry } from './conv2d-geometry.js';

const WG = 64;
/** Output pixels (forward, input gradient) or filter rows (filter gradient) per invocation. */
const BLOCK = 8;

/**
 * Groups of 4 channels per invocation (the shaders' CG override): 4 when the channel count
 * allows it, so that each invocation does 8 x 16 multiply-adds per pair of reads; fewer for
 * narrow layers, whose blocks would otherwise be mostly padding.
 */
export function channelGroups(channels: number): 1 | 2 | 4 {
  const quads = Math.ceil(channels / 4);
  if (quads % 4 === 0 || quads > 4) return 4;
  return quads % 2 === 0 || quads > 2 ? 2 : 1;
}

/** The fields every conv shader's Uniforms struct starts with, in order. */
function common(g: ConvGeometry): Uniforms {
  return new Uniforms().u32(g.n, g.h, g.w, g.cin, g.oh, g.ow, g.cout, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl);
}

const macs = (g: ConvGeometry): number => g.n * g.oh * g.ow * g.cout * g.kh * g.kw * g.cin;

/** y = act(conv2d(x, filter) + bias): one launch, bias and relu applied in the output write. */
export function conv2dForwardDirect(x: Tensor, filter: Tensor, g: ConvGeometry, bias: Tensor | null, relu: boolean): Tensor {
  const y = empty([g.n, g.oh, g.ow, g.cout]);
  const m = g.n * g.oh * g.ow;
  if (y.size === 0) return y;
  const cg = channelGroups(g.cout);
  const coBlocks = Math.ceil(g.cout / (4 * cg));
  const invocations = coBlocks * Math.ceil(m / BLOCK);
  backend().dispatch({
    shader: 'conv2d_forward',
    entry: 'main',
    constants: { CG: cg, QUAD: g.cin % 4 === 0 ? 1 : 0, PAIR: g.cin % 8 === 0 ? 1 : 0, HAS_BIAS: bias ? 1 : 0, RELU: relu ? 1 : 0 },
    uniforms: common(g).u32(m, coBlocks, invocations).bytes(),
    // Without a bias the filter stands in at binding 3: layout 'auto' keeps every binding the
    // shader names, and HAS_BIAS = false never reads it.
    buffers: [x.buffer, filter.buffer, (bias ?? filter).buffer, y.buffer],
    workgroups: grid1d(Math.ceil(invocations / WG)),
    flops: 2 * macs(g),
    bytes: 4 * (x.size + filter.size + y.size),
  });
  return y;
}

/** dx: the transposed convolution of dy with the filter, one launch over all stride phases. */
export function conv2dInputGradDirect(dy: Tensor, filter: Tensor, g: ConvGeometry): Tensor {
  const dx = empty([g.n, g.h, g.w, g.cin]);
  if (dx.size === 0) return dx;
  const cg = channelGroups(g.cin);
  const ciBlocks = Math.ceil(g.cin / (4 * cg));
  const phaseH = Math.ceil(g.h / g.sh);
  const phaseW = Math.ceil(g.w / g.sw);
  const blocksPerPhase = Math.ceil((g.n * phaseH * phaseW) / BLOCK);
  const invocations = ciBlocks * blocksPerPhase * g.sh * g.sw;
  backend().dispatch({
    shader: 'conv2d_input_grad',
    entry: 'main',
    constants: { CG: cg, QUAD: g.cout % 4 === 0 ? 1 : 0, PAIR: g.cout % 8 === 0 ? 1 : 0 },
    uniforms: common(g).u32(ciBlocks, invocations, blocksPerPhase, phaseH, phaseW, 0, 0).bytes(),
    buffers: [dy.buffer, filter.buffer, dx.buffer],
    workgroups: grid1d(Math.ceil(invocations / WG)),
    flops: 2 * macs(g),
    bytes: 4 * (dy.size + filter.size + dx.size),
  });
  return dx;
}

/**
 * How many chunks the filter gradient's reduction over output pixels is cut into: enough
 * invocations to fill every core (about 4096, 64 workgroups), but chunks of at least 64 pixels
 * so that the partial sums stay small. A function of the shapes only, so that results repeat.
 */
export function filterGradSplits(g: ConvGeometry): number {
  const pixels = g.n * g.oh * g.ow;
  const rows = g.kh * g.kw * g.cin;
  const blocks = Math.ceil(rows / BLOCK) * Math.ceil(g.cout / (4 * channelGroups(g.cout)));
  return Math.max(1, Math.min(Math.ceil(4096 / blocks), Math.floor(pixels / 64)));
}

/** dw: split-K partial sums over output pixels, then a fixed-order sum of the slices. */
export function conv2dFilterGradDirect(x: Tensor, dy: Tensor, g: ConvGeometry): Tensor {
  const rows = g.kh * g.kw * g.cin;
  const pixels = g.n * g.oh * g.ow;
  const splits = filterGradSplits(g);
  const chunk = Math.ceil(pixels / splits);
  const cg = channelGroups(g.cout);
  const coBlocks = Math.ceil(g.cout / (4 * cg));
  const rowBlocks = Math.ceil(rows / BLOCK);
  const invocations = coBlocks * rowBlocks * splits;
  const padBottom = Math.max(0, (g.oh - 1) * g.sh + g.kh - g.h - g.pt);
  const padRight = Math.max(0, (g.ow - 1) * g.sw + g.kw - g.w - g.pl);
  const padded = g.pt > 0 || g.pl > 0 || padBottom > 0 || padRight > 0;
  const partial = empty(splits === 1 ? [g.kh, g.kw, g.cin, g.cout] : [splits, rows * g.cout]);
  if (partial.size === 0) return partial;
  backend().dispatch({
    shader: 'conv2d_filter_grad',
    entry: 'main',
    constants: { CG: cg, PADDED: padded ? 1 : 0 },
    uniforms: common(g).u32(rows, coBlocks, rowBlocks, pixels, chunk, invocations, 0).bytes(),
    buffers: [x.buffer, dy.buffer, partial.buffer],
    workgroups: grid1d(Math.ceil(invocations / WG)),
    flops: 2 * macs(g),
    bytes: 4 * (x.size + dy.size + partial.size),
  });
  if (splits === 1) return partial;
  const summed = reduceKernel('sum', partial, [0]);
  partial.dispose();
  const dw = summed.viewAs([g.kh, g.kw, g.cin, g.cout]);
  summed.dispose();
  return dw;
}
