// conv2d_filter_grad.wgsl: partial sums of dw, the gradient of conv2d with respect to its filter:
//   dw[ky, kx, ci, co] = sum over output pixels (n, oh, ow) of
//                        x[n, oh * stride_h - pad_top + ky, ow * stride_w - pad_left + kx, ci] * dy[n, oh, ow, co]
//
// Layout: x is NHWC [batch, in_h, in_w, cin], dy is NHWC [batch, out_h, out_w, cout]; the output
// `partial` is [splits, out_rows, cout], row-major float32, out_rows = k_h*k_w*cin filter rows
// and, with HAS_BIAS, one more: the bias gradient (the sum of dy over pixels), computed as a
// filter row whose x is 1 everywhere, so that dy is read once for both. As an implicit GEMM: M = k_h*k_w*cin
// filter rows (tap, ci), N = cout, K = batch*out_h*out_w output pixels: a long reduction (15,488
// for the seed network's second conv).
// On software adapters tuned for throughput, a stride-1 conv whose shapes allow it takes its
// filter gradient from conv2d_forward.wgsl instead, as a convolution over groups of 4 images
// (filterGradGrouped in src/kernels/conv2d-direct.ts; about 1.2x faster there); this kernel
// serves every other conv.
//
// Split-K: the output pixels are cut into `splits` chunks of `chunk`; each chunk's sums go to
// its own slice of `partial`, and the host then adds the slices in a fixed order (reduce.wgsl).
// No atomics, so a seeded run repeats bit for bit.
// Tiling: as conv2d_forward.wgsl (barrier-free, named registers written out by `//!unroll`,
// scalar reads): each invocation computes RB consecutive filter rows by CG groups of 4 output
// channels (overrides, at most RB_MAX = 16 and CG_MAX = 8) over its chunk, one output pixel per
// loop step, or two with PAIR. Per pixel it reads RB x values and CG dy-quads and does
// RB * CG * 4 multiply-adds. The host takes 8 rows x 16 channels with PAIR on every adapter, or
// all the rows when there are at most 16 (a first conv with one input channel: 9 taps and the
// bias row in one block rather than two 8-row blocks mostly empty). Unlike the forward pass,
// this kernel's time on SwiftShader goes to the multiply-adds (removing either read changed
// nothing), so bigger blocks did not pay, and they multiply the partial sums. Without padding
// (PADDED = false) every tap is inside the image and the bounds tests compile away.
// Invocation t: channel block t % co_blocks, then row block, then split (slowest), so that
// neighbouring invocations walk the same pixels.
// live_h x live_w: the corner of dy that can be non-zero (all of it, or less when max-pooling
// with floor rounding drops dy's last row and column, src/autograd/live-extent.ts): the sums run
// over the batch * live_h * live_w pixels inside it (q_total) and skip the rest.
//
// POOLED: the conv was followed by a 2x2 stride-2 max-pool fused into its forward kernel
// (conv2d_forward.wgsl, POOL), and dy is not the conv's gradient but the pool's: dy is then
// [batch, pool_h, pool_w, cout], and `argmax` holds, per pooled value, the flat index in the
// conv's output of the pixel it came from (-1: none). The conv's gradient at a pixel is read as
// the pool's backward would have written it: its window's dy where argmax names this pixel, else
// 0. For a first conv, whose input needs no gradient, this saves the pool's backward launch and
// the conv-sized dy it writes (11 MB for the seed's first conv at batch 128); the sums are the
// same, in the same order.
//!include common/index.wgsl

// Filter rows and groups of 4 output channels per invocation: the register block.
override RB: u32 = 8u;
override CG: u32 = 4u;
const RB_MAX: u32 = 16u;
const CG_MAX: u32 = 8u;
// Two output pixels per loop step.
override PAIR: bool = true;
override PADDED: bool = true;
// One extra output row: the bias gradient.
override HAS_BIAS: bool = false;
// dy is a 2x2 max-pool's gradient, scattered through argmax as it is read (see above).
override POOLED: bool = false;
const WG: u32 = 64u;

struct Uniforms {
  batch: u32, in_h: u32, in_w: u32, cin: u32,
  out_h: u32, out_w: u32, cout: u32, k_h: u32,
  k_w: u32, stride_h: u32, stride_w: u32, pad_top: u32,
  pad_left: u32, rows: u32, co_blocks: u32, row_blocks: u32,
  q_total: u32, chunk: u32, invocations: u32, out_rows: u32,
  live_h: u32, live_w: u32,
  // POOLED: dy's height and width (the pooled output's).
  pool_h: u32, pool_w: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
// POOLED: the pool's argmax, as dy's shape; otherwise a 1-element stand-in, never read.
@group(0) @binding(4) var<storage, read> argmax: array<i32>;

// Filter row (ky, kx, ci). Only the block's first row is found by dividing: the others step
// along (ky, kx, ci) with selects. Rows past the end (ky = k_h) are clamped when used and never
// written.
struct Tap { ky: u32, kx: u32, ci: u32 }

fn tap_of(r: u32) -> Tap {
  let k = r / u.cin;
  let ky = k / u.k_w;
  return Tap(ky, k - ky * u.k_w, r - k * u.cin);
}

fn next(t: Tap) -> Tap {
  let wrap_c = t.ci + 1u == u.cin;
  let kx = select(t.kx, t.kx + 1u, wrap_c);
  let wrap_x = kx == u.k_w;
  return Tap(select(t.ky, t.ky + 1u, wrap_x), select(kx, 0u, wrap_x), select(t.ci + 1u, 0u, wrap_c));
}

// A filter row seen from an output pixel's window origin: offsets of its tap in rows and columns
// (negative inside the padding) and in x (rows, columns and channel folded into one).
struct Row { dr: i32, dc: i32, off: i32 }

fn row_of(t: Tap) -> Row {
  let dr = i32(min(t.ky, u.k_h - 1u)) - i32(u.pad_top);
  let dc = i32(t.kx) - i32(u.pad_left);
  return Row(dr, dc, (dr * i32(u.in_w) + dc) * i32(u.cin) + i32(t.ci));
}

// An output pixel (n, oh, ow) of the live corner, stepped along the row-major order with selects
// (no divisions, no branches).
struct Pix { n: u32, oh: u32, ow: u32 }

fn pix_of(q: u32) -> Pix {
  let hw = u.live_h * u.live_w;
  let n = q / hw;
  let r = q - n * hw;
  let oh = r / u.live_w;
  return Pix(n, oh, r - oh * u.live_w);
}

fn next_pix(p: Pix) -> Pix {
  let wrap_w = p.ow + 1u == u.live_w;
  let oh = select(p.oh, p.oh + 1u, wrap_w);
  let wrap_h = oh == u.live_h;
  return Pix(select(p.n, p.n + 1u, wrap_h), select(oh, 0u, wrap_h), select(p.ow + 1u, 0u, wrap_w));
}

// Offset of pixel p's first channel in dy (a pixel past the last image reads the last one).
fn dy_offset(p: Pix) -> u32 {
  let n = min(p.n, u.batch - 1u);
  return ((n * u.out_h + p.oh) * u.out_w + p.ow) * u.cout;
}

// Output pixel p's window origin (top-left, padding included): input row r0, column c0 and flat
// offset in x. A pixel past the last image reads the last one (its dy is weighted 0).
struct Origin { off: i32, r0: i32, c0: i32 }

fn origin_of(p: Pix) -> Origin {
  let n = min(p.n, u.batch - 1u);
  let r0 = i32(p.oh * u.stride_h);
  let c0 = i32(p.ow * u.stride_w);
  return Origin((i32(n * u.in_h) + r0) * i32(u.in_w * u.cin) + c0 * i32(u.cin), r0, c0);
}

// x at filter row `row` of the window at `o`; zero in the padding.
fn x_at(row: Row, o: Origin) -> f32 {
  if (!PADDED) { return x[u32(o.off + row.off)]; }
  let inside = (u32(o.r0 + row.dr) < u.in_h) & (u32(o.c0 + row.dc) < u.in_w); // `&`: no branch
  return x[select(0u, u32(o.off + row.off), inside)] * select(0.0, 1.0, inside);
}

// POOLED: offset in dy (the pooled gradient) of the window holding output pixel p.
fn pooled_offset(p: Pix) -> u32 {
  let n = min(p.n, u.batch - 1u);
  return ((n * u.pool_h + p.oh / 2u) * u.pool_w + p.ow / 2u) * u.cout;
}

// dy at channels cc of the output pixel whose first channel is at i in the conv's output; with
// POOLED, the pool's gradient at po where the window's argmax is this pixel, else 0.
fn dy_quad(i: u32, po: u32, cc: vec4<u32>) -> vec4<f32> {
  if (!POOLED) { return vec4<f32>(dy[i + cc.x], dy[i + cc.y], dy[i + cc.z], dy[i + cc.w]); }
  let at = vec4<i32>(argmax[po + cc.x], argmax[po + cc.y], argmax[po + cc.z], argmax[po + cc.w]);
  let v = vec4<f32>(dy[po + cc.x], dy[po + cc.y], dy[po + cc.z], dy[po + cc.w]);
  return select(vec4<f32>(0.0), v, at == vec4<i32>(vec4<u32>(i) + cc));
}

fn channels(co: u32) -> vec4<u32> {
  return min(vec4<u32>(co) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(u.cout - 1u));
}

// Writes channels co..co+3 of filter row r of this split's slice, those that exist.
fn put(base: u32, r: u32, co: u32, a: vec4<f32>) {
  if (r >= u.out_rows) { return; }
  let o = base + r * u.cout + co;
  if (co + 3u < u.cout) {
    partial[o] = a.x; partial[o + 1u] = a.y; partial[o + 2u] = a.z; partial[o + 3u] = a.w;
    return;
  }
  if (co < u.cout) { partial[o] = a.x; }
  if (co + 1u < u.cout) { partial[o + 1u] = a.y; }
  if (co + 2u < u.cout) { partial[o + 2u] = a.z; }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear_index(gid, nwg, WG);
  if (t >= u.invocations) { return; }
  let co = (t % u.co_blocks) * CG * 4u;
  let rest = t / u.co_blocks;
  let split = rest / u.row_blocks;
  let r = (rest - split * u.row_blocks) * RB;
  let k0 = tap_of(r);
//!unroll i 1..RB_MAX
  let k{i} = next(k{i - 1});
//!end
//!unroll i RB_MAX
  let w{i} = row_of(k{i});
  let one{i} = HAS_BIAS && r + {i}u == u.rows; // the bias row: x = 1
//!end
//!unroll g CG_MAX
  let cc{g} = channels(co + {4 * g}u);
//!end

  // a<row>_<group>: filter row r + row, output channels co + 4 * group .. + 3.
//!unroll i RB_MAX
//!unroll g CG_MAX
  var a{i}_{g} = vec4<f32>(0.0);
//!end
//!end

  // Walk this split's output pixels in order: every loop iteration is a block boundary where
  // SwiftShader stores and reloads the accumulators (see conv2d_forward.wgsl), and with small
  // blocks one pixel is only RB * CG * 4 multiply-adds, so PAIR takes two per step.
  let q0 = split * u.chunk;
  let q1 = min(q0 + u.chunk, u.q_total);
  let per_step = select(1u, 2u, PAIR);
  var pa = pix_of(q0);
  for (var qa = q0; qa < q1; qa += per_step) {
//!unroll h 2
    // Pixel qa + h (h = 1 only with PAIR); past the chunk when the chunk is odd: weight 0.
    if ({h}u == 0u || PAIR) {
      let in_chunk = select(0.0, 1.0, qa + {h}u < q1);
      let o = origin_of(pa);
      let qo = dy_offset(pa);
      let po = select(0u, pooled_offset(pa), POOLED);
//!unroll i RB_MAX
      var v{i} = 0.0;
      if (RB > {i}u) { v{i} = select(x_at(w{i}, o), 1.0, one{i}); }
//!end
//!unroll g CG_MAX
      if (CG > {g}u) {
        let d{g} = dy_quad(qo, po, cc{g}) * select(in_chunk, 1.0, {h}u == 0u);
//!unroll i RB_MAX
        if (RB > {i}u) { a{i}_{g} += v{i} * d{g}; }
//!end
      }
//!end
      pa = next_pix(pa);
    }
//!end
  }

  let base = split * u.out_rows * u.cout;
//!unroll i RB_MAX
//!unroll g CG_MAX
  if (RB > {i}u && CG > {g}u) { put(base, r + {i}u, co + {4 * g}u, a{i}_{g}); }
//!end
//!end
}
