/**
 * Dispatchers for the implicit-GEMM conv kernels (shaders/conv2d_forward.wgsl,
 * conv2d_input_grad.wgsl, conv2d_filter_grad.wgsl): barrier-free register blocks that read x,
 * dy and the filter straight from storage, never materialising a patch matrix. This is the
 * variant for software adapters (SwiftShader), where barriers are expensive and the CPU cache
 * does the tiling; see src/kernels/conv2d.ts for how a variant is picked.
 */
import { backend } from '../engine/device.js';
import { kernelTuning } from '../engine/tuning.js';
import { Uniforms } from '../engine/uniforms.js';
import { empty, type Tensor } from '../engine/tensor.js';
import { reduceKernel } from './reduce.js';
import { sliceKernel, transposeKernel } from './strided-copy.js';
import { grid1d } from './grid.js';
import type { ConvGeometry, LiveExtent } from './conv2d-geometry.js';

const WG = 64;

/**
 * The register block of one invocation: `px` output pixels (forward, input gradient) or filter
 * rows (filter gradient) by up to `cgMax` groups of 4 channels. On SwiftShader every storage
 * read is a gather of four scalar loads behind branches, tens of cycles, so big blocks (fewer
 * reads per multiply-add) pay: 16 x 32 ran the seed's second conv 1.3x (forward) and 1.4x (input
 * gradient) faster than 8 x 16. A hardware GPU keeps 8 x 16, whose 32 vec4 accumulators stay in
 * its registers.
 */
export type DirectBlock = { px: 8 | 16; cgMax: 4 | 8 };
const SMALL: DirectBlock = { px: 8, cgMax: 4 };
const LARGE: DirectBlock = { px: 16, cgMax: 8 };
let blockChoice: 'auto' | 'small' | 'large' = 'auto';

/** Forces the block size (tests cover both on any adapter); returns the previous setting. */
export function setConv2dDirectBlock(b: 'auto' | 'small' | 'large'): 'auto' | 'small' | 'large' {
  if (b !== 'auto' && b !== 'small' && b !== 'large') {
    throw new Error(`setConv2dDirectBlock: expected 'auto', 'small' or 'large', got '${String(b)}'`);
  }
  const prev = blockChoice;
  blockChoice = b;
  return prev;
}

/**
 * The block the next launch will use: large on software adapters when the engine is tuned for
 * throughput (src/engine/tuning.ts: the large block's pipelines take ~9x longer to compile),
 * small otherwise and on hardware adapters.
 */
export function directBlock(): DirectBlock {
  if (blockChoice !== 'auto') return blockChoice === 'large' ? LARGE : SMALL;
  return backend().software && kernelTuning() === 'throughput' ? LARGE : SMALL;
}

/**
 * Groups of 4 channels per invocation (the shaders' CG override): as many as the block allows
 * when the channel count fills them, fewer for narrow layers, whose blocks would otherwise be
 * mostly padding.
 */
export function channelGroups(channels: number, cgMax: 4 | 8 = 4): 1 | 2 | 4 | 8 {
  const quads = Math.ceil(channels / 4);
  if (cgMax === 8 && (quads % 8 === 0 || quads > 8)) return 8;
  if (quads % 4 === 0 || quads > 4) return 4;
  return quads % 2 === 0 || quads > 2 ? 2 : 1;
}

/** The fields every conv shader's Uniforms struct starts with, in order. */
function common(g: ConvGeometry): Uniforms {
  return new Uniforms().u32(g.n, g.h, g.w, g.cin, g.oh, g.ow, g.cout, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl);
}

const macs = (g: ConvGeometry): number => g.n * g.oh * g.ow * g.cout * g.kh * g.kw * g.cin;
/** The multiply-adds of a backward pass whose dy is zero outside its live corner. */
const liveMacs = (g: ConvGeometry, liveH: number, liveW: number): number =>
  g.oh * g.ow === 0 ? 0 : macs(g) * ((liveH * liveW) / (g.oh * g.ow));

/** y = act(conv2d(x, filter) + bias): one launch, bias and relu applied in the output write. */
export function conv2dForwardDirect(x: Tensor, filter: Tensor, g: ConvGeometry, bias: Tensor | null, relu: boolean): Tensor {
  const y = empty([g.n, g.oh, g.ow, g.cout]);
  if (y.size === 0) return y;
  launchForward(x, filter, g, bias, relu, y, null, null);
  return y;
}

/**
 * maxPool(relu(conv2d(x, filter) + bias), 2, 2, 'valid') in one launch (POOL in
 * shaders/conv2d_forward.wgsl): the pooled maxima, and argmax, the flat index of each maximum in
 * the conv's output ([n, oh, ow, cout]), or -1 where the maximum is 0 (relu passes no gradient
 * there). The conv's output is never written.
 */
export function conv2dReluMaxPoolDirect(x: Tensor, filter: Tensor, g: ConvGeometry, bias: Tensor | null): { y: Tensor; argmax: Tensor } {
  const pool = { h: Math.floor(g.oh / 2), w: Math.floor(g.ow / 2) };
  const y = empty([g.n, pool.h, pool.w, g.cout]);
  const argmax = empty([g.n, pool.h, pool.w, g.cout], 'int32');
  if (y.size > 0) launchForward(x, filter, g, bias, true, y, argmax, pool);
  return { y, argmax };
}

/**
 * Where the forward kernel finds x and the filter, in element steps ("Strided operands" in
 * shaders/conv2d_forward.wgsl). A plain conv's: x NHWC and the filter HWIO, one group.
 */
interface OperandLayout {
  xImg: number;
  xRow: number;
  xCol: number;
  xCh: number;
  wKy: number;
  wKx: number;
  wCi: number;
  groupImgs: number;
  xGroup: number;
  wGroup: number;
}

function plainLayout(g: ConvGeometry): OperandLayout {
  return {
    xImg: g.h * g.w * g.cin,
    xRow: g.w * g.cin,
    xCol: g.cin,
    xCh: 1,
    wKy: g.kw * g.cin * g.cout,
    wKx: g.cin * g.cout,
    wCi: g.cout,
    groupImgs: g.n,
    xGroup: 0,
    wGroup: 0,
  };
}

function launchForward(
  x: Tensor,
  filter: Tensor,
  g: ConvGeometry,
  bias: Tensor | null,
  relu: boolean,
  y: Tensor,
  argmax: Tensor | null,
  pool: { h: number; w: number } | null,
  layout: OperandLayout = plainLayout(g),
): void {
  // The shader names an argmax binding that only the pooled launch writes: others bind a dummy.
  const argmaxOrDummy = argmax ?? empty([1], 'int32');
  const m = g.n * g.oh * g.ow;
  const windows = pool ? g.n * pool.h * pool.w : 0;
  const quad = g.cin % 4 === 0;
  // The scalar K loop (cin % 4 != 0) gained nothing from the large block (measured on conv1).
  const { px, cgMax } = quad ? directBlock() : SMALL;
  const cg = channelGroups(g.cout, cgMax);
  // Two input quads per step doubles the loop body: it paid with 8 x 16 blocks (1.3x) but cost
  // 1.35x with 16 x 32 ones, whose body then outgrows the CPU's instruction cache.
  const pair = g.cin % 8 === 0 && px * cg <= 32;
  const coBlocks = Math.ceil(g.cout / (4 * cg));
  // A block is px pixels, or px / 4 pooling windows of 4 pixels.
  const blocks = pool ? Math.ceil(windows / (px / 4)) : Math.ceil(m / px);
  const invocations = coBlocks * blocks;
  const computed = pool ? 4 * windows : m;
  backend().dispatch({
    shader: 'conv2d_forward',
    entry: 'main',
    constants: { PX: px, CG: cg, QUAD: quad ? 1 : 0, PAIR: pair ? 1 : 0, HAS_BIAS: bias ? 1 : 0, RELU: relu ? 1 : 0, POOL: pool ? 1 : 0 },
    uniforms: common(g)
      .u32(m, coBlocks, invocations, pool?.h ?? 0, pool?.w ?? 0, windows, 0)
      .u32(layout.xImg, layout.xRow, layout.xCol, layout.xCh, layout.wKy, layout.wKx, layout.wCi, layout.groupImgs)
      .u32(layout.xGroup, layout.wGroup, 0, 0)
      .bytes(),
    // Without a bias the filter stands in at binding 3: layout 'auto' keeps every binding the
    // shader names, and HAS_BIAS = false never reads it.
    buffers: [x.buffer, filter.buffer, (bias ?? filter).buffer, y.buffer, argmaxOrDummy.buffer],
    workgroups: grid1d(Math.ceil(invocations / WG)),
    flops: 2 * computed * g.cout * g.kh * g.kw * g.cin,
    bytes: 4 * (x.size + filter.size + y.size + (argmax?.size ?? 0)),
  });
  if (!argmax) argmaxOrDummy.dispose();
}

/**
 * Whether the input gradient's blocks take PX images at one pixel (BATCH_MAJOR in
 * shaders/conv2d_input_grad.wgsl: exact tap bounds at the borders) rather than PX pixels of a
 * row: when the batch fills the blocks, at most a quarter of them padding.
 */
export function inputGradBatchMajor(batch: number, px: number): boolean {
  return (Math.ceil(batch / px) * px - batch) * 4 <= batch;
}

/**
 * dx: the transposed convolution of dy with the filter, one launch over all stride phases.
 * `live`: rows and columns of dy past it are known to be zero (their taps are skipped).
 */
export function conv2dInputGradDirect(dy: Tensor, filter: Tensor, g: ConvGeometry, live: LiveExtent = { h: g.oh, w: g.ow }): Tensor {
  const dx = empty([g.n, g.h, g.w, g.cin]);
  if (dx.size === 0) return dx;
  const quad = g.cout % 4 === 0;
  const { px, cgMax } = quad ? directBlock() : SMALL;
  const cg = channelGroups(g.cin, cgMax);
  const pair = g.cout % 8 === 0 && px * cg <= 32; // as in the forward pass
  const ciBlocks = Math.ceil(g.cin / (4 * cg));
  const phaseH = Math.ceil(g.h / g.sh);
  const phaseW = Math.ceil(g.w / g.sw);
  const batchMajor = inputGradBatchMajor(g.n, px);
  const nBlocks = Math.ceil(g.n / px);
  const blocksPerPhase = batchMajor ? nBlocks * phaseH * phaseW : Math.ceil((g.n * phaseH * phaseW) / px);
  const invocations = ciBlocks * blocksPerPhase * g.sh * g.sw;
  const liveH = Math.min(g.oh, live.h);
  const liveW = Math.min(g.ow, live.w);
  backend().dispatch({
    shader: 'conv2d_input_grad',
    entry: 'main',
    constants: { PX: px, CG: cg, QUAD: quad ? 1 : 0, PAIR: pair ? 1 : 0, BATCH_MAJOR: batchMajor ? 1 : 0 },
    uniforms: common(g).u32(ciBlocks, invocations, blocksPerPhase, phaseH, phaseW, liveH, liveW, nBlocks, 0, 0, 0).bytes(),
    buffers: [dy.buffer, filter.buffer, dx.buffer],
    workgroups: grid1d(Math.ceil(invocations / WG)),
    flops: 2 * liveMacs(g, liveH, liveW),
    bytes: 4 * (dy.size + filter.size + dx.size),
  });
  return dx;
}

/**
 * The filter gradient's block: 8 filter rows by up to 16 channels on every adapter, or all the
 * rows when there are at most 16 (a first conv's: 3x3 taps of one channel and the bias row, 10;
 * 8-row blocks computed 16 of them, and the filter gradient of the seed's first conv went from
 * 64 to 23-35 ms on SwiftShader). The large block measured no faster on SwiftShader (its time
 * there goes to the multiply-adds, not to the reads: removing either read changed nothing), and
 * it would multiply the split-K partial sums.
 */
function filterGradBlock(g: ConvGeometry, outRows: number): { rb: number; cg: number } {
  return { rb: outRows <= 16 ? outRows : SMALL.px, cg: channelGroups(g.cout, SMALL.cgMax) };
}

/**
 * How many chunks the filter gradient's reduction over output pixels is cut into: enough
 * invocations to fill every core (about 4096, 64 workgroups), but chunks of at least 64 pixels
 * so that the partial sums stay small. A function of the shapes only, so that results repeat.
 */
export function filterGradSplits(g: ConvGeometry, live: LiveExtent = { h: g.oh, w: g.ow }, withBias = false): number {
  const pixels = g.n * Math.min(g.oh, live.h) * Math.min(g.ow, live.w);
  const rows = g.kh * g.kw * g.cin;
  const { rb, cg } = filterGradBlock(g, rows + (withBias ? 1 : 0));
  const blocks = Math.ceil(rows / rb) * Math.ceil(g.cout / (4 * cg));
  return Math.max(1, Math.min(Math.ceil(4096 / blocks), Math.floor(pixels / 64)));
}

/**
 * dw (and, given `withBias`, db = the sum of dy over pixels, as one more filter row whose x is
 * 1: dy is read once for both): split-K partial sums over output pixels, then a fixed-order sum
 * of the slices. `live`: rows and columns of dy past it are known to be zero (not summed).
 */
export function conv2dFilterGradDirect(x: Tensor, dy: Tensor, g: ConvGeometry, withBias?: false, live?: LiveExtent): Tensor;
export function conv2dFilterGradDirect(x: Tensor, dy: Tensor, g: ConvGeometry, withBias: true, live?: LiveExtent): { dw: Tensor; db: Tensor };
export function conv2dFilterGradDirect(
  x: Tensor,
  dy: Tensor,
  g: ConvGeometry,
  withBias = false,
  live: LiveExtent = { h: g.oh, w: g.ow },
): Tensor | { dw: Tensor; db: Tensor } {
  if (groupedFilterGrad(g) && Math.min(g.oh, live.h) > 0 && Math.min(g.ow, live.w) > 0) {
    return filterGradGrouped(x, dy, g, withBias, live);
  }
  return filterGradSplit(x, dy, g, withBias, live, null);
}

/**
 * A 2x2 stride-2 max-pool's gradient and argmax (conv2dReluMaxPoolDirect's), standing for the
 * conv's gradient they scatter to (POOLED in shaders/conv2d_filter_grad.wgsl).
 */
export interface PooledGradient {
  dy: Tensor;
  argmax: Tensor;
}

/**
 * Whether conv2dFilterGradPooled serves this conv: the split-K kernel's (the grouped form needs
 * the conv's gradient in memory) and an output at least one pooling window wide.
 */
export function filterGradPoolable(g: ConvGeometry): boolean {
  return !groupedFilterGrad(g) && g.oh >= 2 && g.ow >= 2;
}

/**
 * dw and db of a relu conv followed by a fused 2x2 max-pool, from the pool's gradient and argmax,
 * without writing the conv's gradient (a first layer's, whose input needs no gradient: the
 * conv's gradient would be written only to be read once here). The same sums as
 * conv2dFilterGradDirect of the pool's backward, in the same order.
 */
export function conv2dFilterGradPooled(x: Tensor, pooled: PooledGradient, g: ConvGeometry): { dw: Tensor; db: Tensor } {
  if (!filterGradPoolable(g)) {
    throw new Error(
      `conv2dFilterGradPooled: not for this conv (output ${g.oh}x${g.ow}, ${g.cin} input channels): it takes the grouped filter gradient, or is under one 2x2 window (see filterGradPoolable)`,
    );
  }
  const [n, ph, pw, c] = pooled.dy.shape;
  if (n !== g.n || ph !== Math.floor(g.oh / 2) || pw !== Math.floor(g.ow / 2) || c !== g.cout || pooled.argmax.size !== pooled.dy.size) {
    throw new Error(`conv2dFilterGradPooled: pooled gradient [${pooled.dy.shape.join(', ')}] does not match a 2x2 pool of the conv's [${g.n}, ${g.oh}, ${g.ow}, ${g.cout}] output`);
  }
  return filterGradSplit(x, pooled.dy, g, true, { h: 2 * ph, w: 2 * pw }, pooled) as { dw: Tensor; db: Tensor };
}

/** The split-K filter gradient (conv2d_filter_grad.wgsl); `pooled`: dy is a pool's gradient. */
function filterGradSplit(
  x: Tensor,
  dy: Tensor,
  g: ConvGeometry,
  withBias: boolean,
  live: LiveExtent,
  pooled: PooledGradient | null,
): Tensor | { dw: Tensor; db: Tensor } {
  const rows = g.kh * g.kw * g.cin;
  const outRows = rows + (withBias ? 1 : 0);
  const liveH = Math.min(g.oh, live.h);
  const liveW = Math.min(g.ow, live.w);
  const pixels = g.n * liveH * liveW;
  const splits = filterGradSplits(g, live, withBias);
  const chunk = Math.ceil(pixels / splits);
  const { rb, cg } = filterGradBlock(g, outRows);
  const coBlocks = Math.ceil(g.cout / (4 * cg));
  const rowBlocks = Math.ceil(outRows / rb);
  const invocations = coBlocks * rowBlocks * splits;
  const padBottom = Math.max(0, (g.oh - 1) * g.sh + g.kh - g.h - g.pt);
  const padRight = Math.max(0, (g.ow - 1) * g.sw + g.kw - g.w - g.pl);
  const padded = g.pt > 0 || g.pl > 0 || padBottom > 0 || padRight > 0;
  const partial = empty(splits === 1 ? [outRows, g.cout] : [splits, outRows * g.cout]);
  if (partial.size > 0) {
    // The shader names an argmax binding that only the POOLED launch reads: others bind a dummy.
    const argmax = pooled ? pooled.argmax : empty([1], 'int32');
    backend().dispatch({
      shader: 'conv2d_filter_grad',
      entry: 'main',
      // Two pixels per step (not for blocks over 16 rows x 16 channels, which no launch takes).
      constants: { RB: rb, CG: cg, PAIR: rb * cg <= 64 ? 1 : 0, PADDED: padded ? 1 : 0, HAS_BIAS: withBias ? 1 : 0, POOLED: pooled ? 1 : 0 },
      uniforms: common(g)
        .u32(rows, coBlocks, rowBlocks, pixels, chunk, invocations, outRows, liveH, liveW)
        .u32(pooled ? pooled.dy.shape[1] : 0, pooled ? pooled.dy.shape[2] : 0)
        .bytes(),
      buffers: [x.buffer, dy.buffer, partial.buffer, argmax.buffer],
      workgroups: grid1d(Math.ceil(invocations / WG)),
      flops: 2 * liveMacs(g, liveH, liveW) + (withBias ? pixels * g.cout : 0),
      bytes: 4 * (x.size + dy.size + (pooled ? argmax.size : 0) + partial.size),
    });
    if (!pooled) argmax.dispose();
  }
  let summed = partial;
  if (splits > 1 && partial.size > 0) {
    summed = reduceKernel('sum', partial, [0]).viewAs([outRows, g.cout]);
    partial.dispose();
  }
  if (!withBias) {
    const dw = summed.viewAs([g.kh, g.kw, g.cin, g.cout]);
    summed.dispose();
    return dw;
  }
  const dw2 = sliceKernel(summed, [0, 0], [rows, g.cout]);
  const db2 = sliceKernel(summed, [rows, 0], [1, g.cout]);
  summed.dispose();
  const dw = dw2.viewAs([g.kh, g.kw, g.cin, g.cout]);
  const db = db2.viewAs([g.cout]);
  dw2.dispose();
  db2.dispose();
  return { dw, db };
}

/** Images per group in filterGradGrouped: the forward kernel's "input channels" there, one quad. */
const GROUP_IMAGES = 4;
let filterGradChoice: 'auto' | 'grouped' | 'split' = 'auto';

/**
 * Forces the filter gradient's form (tests cover both on any adapter): 'grouped'
 * (filterGradGrouped, where the shapes allow it) or 'split' (conv2d_filter_grad.wgsl's split-K
 * sums). Returns the previous setting.
 */
export function setConv2dFilterGradVariant(v: 'auto' | 'grouped' | 'split'): 'auto' | 'grouped' | 'split' {
  if (v !== 'auto' && v !== 'grouped' && v !== 'split') {
    throw new Error(`setConv2dFilterGradVariant: expected 'auto', 'grouped' or 'split', got '${String(v)}'`);
  }
  const prev = filterGradChoice;
  filterGradChoice = v;
  return prev;
}

/**
 * Whether the filter gradient runs as filterGradGrouped: stride 1 (a stride there would be a
 * dilation, which the forward kernel has not), a batch of whole groups, and register blocks that
 * never straddle two groups. 'auto' takes it with the large block (software adapters tuned for
 * throughput): on SwiftShader, with the forward kernel's 16 x 32 blocks of 4-channel
 * multiply-adds, the seed's second conv's filter gradient and bias gradient took 223 ms (median
 * of 10, all launches; 130 the fastest) where the split-K kernel took 261 (165), the two
 * interleaved in one process.
 */
export function groupedFilterGrad(g: ConvGeometry): boolean {
  if (filterGradChoice === 'split') return false;
  const block = directBlock();
  const fits =
    g.sh === 1 && g.sw === 1 && g.n % GROUP_IMAGES === 0 && g.cout > 0 && g.cin * g.kh * g.kw > 0 && (g.cin * g.kh * g.kw) % block.px === 0;
  return fits && (filterGradChoice === 'grouped' || block === LARGE);
}

/**
 * dw (and db) with the forward kernel, reading x and dy where they are (no copies):
 *   dw[ky, kx, ci, co] = sum over images n and live pixels (oh, ow) of x[n, oh + ky - pt, ow + kx - pl, ci] * dy[n, oh, ow, co]
 * is, for each group s of GROUP_IMAGES images, a stride-1 convolution whose images are x's
 * channels ci, whose input channels are the group's images, whose filter is the group's dy
 * (taps = dy's live pixels) and whose output pixels are the filter taps (ky, kx). One launch
 * computes every group (shaders/conv2d_forward.wgsl, "Strided operands"); the groups' results
 * are then summed in a fixed order (reduce.wgsl) and laid out as HWIO. db is dy summed over its
 * pixels (zero outside the live corner).
 */
function filterGradGrouped(x: Tensor, dy: Tensor, g: ConvGeometry, withBias: boolean, live: LiveExtent): Tensor | { dw: Tensor; db: Tensor } {
  const liveH = Math.min(g.oh, live.h);
  const liveW = Math.min(g.ow, live.w);
  const groups = g.n / GROUP_IMAGES;
  const asConv: ConvGeometry = {
    n: groups * g.cin,
    h: g.h,
    w: g.w,
    cin: GROUP_IMAGES,
    kh: liveH,
    kw: liveW,
    cout: g.cout,
    sh: 1,
    sw: 1,
    oh: g.kh,
    ow: g.kw,
    pt: g.pt,
    pl: g.pl,
  };
  const layout: OperandLayout = {
    xImg: 1, // image (s, ci) of the conv is channel ci of x's images s * GROUP_IMAGES ...
    xRow: g.w * g.cin,
    xCol: g.cin,
    xCh: g.h * g.w * g.cin, // ... and its input channel j is image s * GROUP_IMAGES + j
    wKy: g.ow * g.cout,
    wKx: g.cout,
    wCi: g.oh * g.ow * g.cout,
    groupImgs: g.cin,
    xGroup: GROUP_IMAGES * g.h * g.w * g.cin,
    wGroup: GROUP_IMAGES * g.oh * g.ow * g.cout,
  };
  const perGroup = empty([groups, g.cin * g.kh * g.kw * g.cout]); // [s][ci][ky][kx][co]
  launchForward(x, dy, asConv, null, false, perGroup, null, null, layout);
  const summed = reduceKernel('sum', perGroup, [0]);
  perGroup.dispose();
  const cikk = summed.viewAs([g.cin, g.kh, g.kw, g.cout]);
  summed.dispose();
  const dw = transposeKernel(cikk, [1, 2, 0, 3]);
  cikk.dispose();
  if (!withBias) return dw;
  const pixels = dy.viewAs([g.n * g.oh * g.ow, g.cout]);
  const db = reduceKernel('sum', pixels, [0]);
  pixels.dispose();
  return { dw, db };
}
