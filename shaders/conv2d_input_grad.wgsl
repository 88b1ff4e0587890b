// conv2d_input_grad.wgsl: dx = the gradient of conv2d with respect to its input, a transposed
// convolution of dy with the filter:
//   dx[n, ih, iw, ci] = sum over taps (ky, kx) and co of dy[n, oh, ow, co] * w[ky, kx, ci, co]
//   where ih = oh * stride_h - pad_top + ky and iw = ow * stride_w - pad_left + kx.
//
// Layout: dy is NHWC [batch, out_h, out_w, cout], w is HWIO [k_h, k_w, cin, cout], dx is NHWC
// [batch, in_h, in_w, cin]; row-major float32. As an implicit GEMM: M = batch*in_h*in_w input
// pixels, N = cin, K = k_h*k_w*cout (only the taps that hit an output pixel count).
//
// Strides: with stride s, input row ih receives from tap ky only when (ih + pad_top - ky) is a
// multiple of s. Input pixels are therefore split into s_h*s_w phases by (ih mod s_h, iw mod
// s_w); every pixel of a phase uses the same taps, ky = (phase_h + pad_top) mod s_h, + s_h, ...
// Each invocation takes pixels of one phase only, so it loops over exactly the taps that
// contribute, with no holes to test and no work wasted on them. A phase covers
// ceil(in_h/s_h) x ceil(in_w/s_w) positions; those past the image edge are computed and not
// written.
//
// Tiling: as conv2d_forward.wgsl (barrier-free, named registers written out by `//!unroll`,
// scalar reads, one flat K loop): each invocation computes PX input pixels of one phase by CG
// groups of 4 input channels (overrides, at most PX_MAX = 16 and CG_MAX = 8; the host takes
// 16 x 32 on SwiftShader, 8 x 16 on hardware GPUs, see conv2d_forward.wgsl). The K loop walks
// the phase's taps and output channels: with cout % 4 == 0 (QUAD) four at a time (PX dy-quads
// times CG 4x4 filter blocks read along cin), with cout % 8 == 0 (PAIR) eight, else one.
// Invocation t: channel block t % ci_blocks, then pixel block, then phase (slowest).
//
// Borders: a pixel near the image's edge meets dy with only some of its taps. In row-major
// blocks (consecutive pixels of a row), each pixel has its own set, so every tap is computed and
// the missing ones multiplied by zero (for the seed's second conv, 28% of the work). With
// BATCH_MAJOR, a block is instead the same pixel (i, j) in PX consecutive images: every pixel of
// the block then meets the same taps, and the loop runs over exactly those (its bounds are
// computed once), with no branch inside. Four neighbouring invocations (one SIMD group on
// SwiftShader) share the pixel when ci_blocks * n_blocks is a multiple of 4. The host takes it
// when the batch fills the blocks (little padding). live_h x live_w: the corner of dy that can
// be non-zero (the whole of it, or less when max-pooling with floor rounding drops its last row
// and column, src/autograd/live-extent.ts); taps outside it are skipped the same way.
//!include common/index.wgsl

// Input pixels and groups of 4 input channels per invocation: the register block.
override PX: u32 = 8u;
override CG: u32 = 4u;
const PX_MAX: u32 = 16u;
const CG_MAX: u32 = 8u;
// cout % 4 == 0: the K loop takes output channels four at a time (else one at a time).
override QUAD: bool = true;
// cout % 8 == 0: eight at a time (two quads per loop step).
override PAIR: bool = false;
// Blocks of PX images at one pixel, with exact tap bounds (see above); else row-major blocks.
override BATCH_MAJOR: bool = false;
const WG: u32 = 64u;

struct Uniforms {
  batch: u32, in_h: u32, in_w: u32, cin: u32,
  out_h: u32, out_w: u32, cout: u32, k_h: u32,
  k_w: u32, stride_h: u32, stride_w: u32, pad_top: u32,
  pad_left: u32, ci_blocks: u32, invocations: u32, blocks_per_phase: u32,
  phase_h: u32, phase_w: u32, live_h: u32, live_w: u32,
  n_blocks: u32, _pad0: u32, _pad1: u32, _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

// Input pixel (n, i, j) of a phase, i.e. (n, ph + i * stride_h, pw + j * stride_w). Only the
// block's first pixel is found by dividing: the others step along (n, i, j) with selects.
struct Pos { n: u32, i: u32, j: u32 }

fn pos_of(q: u32) -> Pos {
  let per_image = u.phase_h * u.phase_w;
  let n = q / per_image;
  let r = q - n * per_image;
  let i = r / u.phase_w;
  return Pos(n, i, r - i * u.phase_w);
}

// BATCH_MAJOR: block b of a phase is images n_block * PX.. at phase position (i, j).
fn batch_pos_of(b: u32) -> Pos {
  let cell = b / u.n_blocks;
  let i = cell / u.phase_w;
  return Pos((b - cell * u.n_blocks) * PX, i, cell - i * u.phase_w);
}

fn next(p: Pos) -> Pos {
  if (BATCH_MAJOR) { return Pos(p.n + 1u, p.i, p.j); }
  let wrap_j = p.j + 1u == u.phase_w;
  let i = select(p.i, p.i + 1u, wrap_j);
  let wrap_i = i == u.phase_h;
  return Pos(select(p.n, p.n + 1u, wrap_i), select(i, 0u, wrap_i), select(p.j + 1u, 0u, wrap_j));
}

// An input pixel: dy's first row of its image, the output row and column that the phase's first
// tap (ky0, kx0) connects it to (each further tap in the phase moves one row or column back),
// and where its gradient goes in dx (valid = false past the image edge or the last image).
struct Pixel { img: u32, r0: i32, c0: i32, out: u32, valid: bool }

fn pixel_of(p: Pos, ph: u32, pw: u32, ky0: u32, kx0: u32) -> Pixel {
  let n = min(p.n, u.batch - 1u);
  let ih = ph + p.i * u.stride_h;
  let iw = pw + p.j * u.stride_w;
  let valid = (p.n < u.batch) & (ih < u.in_h) & (iw < u.in_w);
  let out = ((n * u.in_h + ih) * u.in_w + iw) * u.cin;
  // ih + pad_top - ky0 is a non-negative multiple of stride_h (ky0 is in the phase): exact.
  let r0 = (ih + u.pad_top - ky0) / u.stride_h;
  let c0 = (iw + u.pad_left - kx0) / u.stride_w;
  return Pixel(n * u.out_h, i32(r0), i32(c0), out, valid);
}

// The output pixel that the phase's tap (ty, tx) (= ky0 + ty * stride_h, kx0 + tx * stride_w)
// connects to pixel p: offset of its first channel in dy, keep = 0 where it falls outside dy
// (then the offset is 0 so that reads stay in bounds). No divisions: SIMD integer division is
// slow on a CPU, and this runs for 8 pixels at every step.
struct Tap { off: u32, keep: f32 }

fn tap(p: Pixel, ty: u32, tx: u32) -> Tap {
  let r = p.r0 - i32(ty);
  let c = p.c0 - i32(tx);
  let inside = (u32(r) < u.out_h) & (u32(c) < u.out_w); // `&`: no branch (see conv2d_forward.wgsl)
  let off = ((p.img + u32(r)) * u.out_w + u32(c)) * u.cout;
  return Tap(select(0u, off, inside), select(0.0, 1.0, inside));
}

fn dy_quad(t: Tap, co: u32) -> vec4<f32> {
  let i = t.off + co;
  return vec4<f32>(dy[i], dy[i + 1u], dy[i + 2u], dy[i + 3u]) * t.keep;
}

fn dy_one(t: Tap, co: u32) -> f32 {
  return dy[t.off + co] * t.keep;
}

// Filter values w[tap, ci, co] for four input channels whose rows start at `rows`.
fn w_col(rows: vec4<u32>, co: u32) -> vec4<f32> {
  return vec4<f32>(w[rows.x + co], w[rows.y + co], w[rows.z + co], w[rows.w + co]);
}

// A 4x4 block of the filter: four output channels (r0..r3) by four input channels (lanes).
struct Quad { r0: vec4<f32>, r1: vec4<f32>, r2: vec4<f32>, r3: vec4<f32> }

fn w_quad(rows: vec4<u32>, co: u32) -> Quad {
  return Quad(w_col(rows, co), w_col(rows, co + 1u), w_col(rows, co + 2u), w_col(rows, co + 3u));
}

// a + d (4 output channels of dy) times q: 16 multiply-adds.
fn mac(a: vec4<f32>, d: vec4<f32>, q: Quad) -> vec4<f32> {
  return a + d.x * q.r0 + d.y * q.r1 + d.z * q.r2 + d.w * q.r3;
}

// Offsets in w of the filter rows (tap, ci..ci+3), ci clamped to the last input channel.
fn filter_rows(tap_index: u32, ci: u32) -> vec4<u32> {
  let c = min(vec4<u32>(ci) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(u.cin - 1u));
  return (vec4<u32>(tap_index * u.cin) + c) * u.cout;
}

// Writes input channels ci..ci+3 of pixel p that exist.
fn put(p: Pixel, ci: u32, a: vec4<f32>) {
  if (!p.valid) { return; }
  let o = p.out + ci;
  if (ci + 3u < u.cin) {
    dx[o] = a.x; dx[o + 1u] = a.y; dx[o + 2u] = a.z; dx[o + 3u] = a.w;
    return;
  }
  if (ci < u.cin) { dx[o] = a.x; }
  if (ci + 1u < u.cin) { dx[o + 1u] = a.y; }
  if (ci + 2u < u.cin) { dx[o + 2u] = a.z; }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear_index(gid, nwg, WG);
  if (t >= u.invocations) { return; }
  let ci = (t % u.ci_blocks) * CG * 4u;
  let rest = t / u.ci_blocks;
  let phase = rest / u.blocks_per_phase;
  let block = rest - phase * u.blocks_per_phase;
  let ph = phase / u.stride_w;
  let pw = phase - ph * u.stride_w;
  var o0 = pos_of(block * PX);
  if (BATCH_MAJOR) { o0 = batch_pos_of(block); }
//!unroll p 1..PX_MAX
  let o{p} = next(o{p - 1});
//!end
  // The phase's first tap: (ih + pad_top - ky) must be a multiple of the stride.
  let ky0 = (ph + u.pad_top) % u.stride_h;
  let kx0 = (pw + u.pad_left) % u.stride_w;
//!unroll p PX_MAX
  let p{p} = pixel_of(o{p}, ph, pw, ky0, kx0);
//!end

  // a<pixel>_<group>: pixel p<pixel>, input channels ci + 4 * group .. + 3.
//!unroll p PX_MAX
//!unroll g CG_MAX
  var a{p}_{g} = vec4<f32>(0.0);
//!end
//!end

  // One flat loop over K as (ky, kx, co), only the taps of this phase, stepping with selects:
  // every loop iteration is a block boundary where SwiftShader stores and reloads the
  // accumulators, so nested tap and channel loops cost more (see conv2d_forward.wgsl). In
  // row-major blocks, taps that miss dy for some pixels are computed with zeros (skipping them
  // behind a branch ran 1.5x slower); BATCH_MAJOR blocks loop over the live taps only: tap ty
  // reaches dy row r0 - ty, live when r0 - ty < live_h.
  let taps_y = select(0u, (u.k_h - ky0 + u.stride_h - 1u) / u.stride_h, ky0 < u.k_h);
  let taps_x = select(0u, (u.k_w - kx0 + u.stride_w - 1u) / u.stride_w, kx0 < u.k_w);
  var ty_lo = 0u;
  var ty_hi = taps_y;
  var tx_lo = 0u;
  var tx_hi = taps_x;
  if (BATCH_MAJOR) {
    let r0 = u32(p0.r0);
    let c0 = u32(p0.c0);
    ty_lo = select(0u, r0 + 1u - u.live_h, r0 >= u.live_h);
    ty_hi = min(taps_y, r0 + 1u);
    tx_lo = select(0u, c0 + 1u - u.live_w, c0 >= u.live_w);
    tx_hi = min(taps_x, c0 + 1u);
  }
  let step = select(1u, select(4u, 8u, PAIR), QUAD);
  let steps = select(0u, (ty_hi - ty_lo) * (tx_hi - tx_lo) * (u.cout / step), (ty_lo < ty_hi) & (tx_lo < tx_hi));
  var ty = ty_lo;
  var tx = tx_lo;
  var co = 0u;
  for (var k = 0u; k < steps; k++) {
//!unroll p PX_MAX
    let t{p} = tap(p{p}, ty, tx);
//!end
    let kk = (ky0 + ty * u.stride_h) * u.k_w + kx0 + tx * u.stride_w; // filter tap (ky, kx)
//!unroll g CG_MAX
    let rows{g} = filter_rows(kk, ci + {4 * g}u);
//!end
    if (QUAD) {
//!unroll h 2
      // Output channels co + 4 * h .. + 3 (h = 1 only with PAIR).
      if ({h}u == 0u || PAIR) {
//!unroll p PX_MAX
        var d{p} = vec4<f32>(0.0);
        if (PX > {p}u) { d{p} = dy_quad(t{p}, co + {4 * h}u); }
//!end
//!unroll g CG_MAX
        if (CG > {g}u) {
          let q{g} = w_quad(rows{g}, co + {4 * h}u);
//!unroll p PX_MAX
          if (PX > {p}u) { a{p}_{g} = mac(a{p}_{g}, d{p}, q{g}); }
//!end
        }
//!end
      }
//!end
    } else {
//!unroll p PX_MAX
      var s{p} = 0.0;
      if (PX > {p}u) { s{p} = dy_one(t{p}, co); }
//!end
//!unroll g CG_MAX
      if (CG > {g}u) {
        let c{g} = w_col(rows{g}, co);
//!unroll p PX_MAX
        if (PX > {p}u) { a{p}_{g} += s{p} * c{g}; }
//!end
      }
//!end
    }
    co += step;
    let wrap_c = co == u.cout;
    co = select(co, 0u, wrap_c);
    tx = select(tx, tx + 1u, wrap_c);
    let wrap_x = tx == tx_hi;
    tx = select(tx, tx_lo, wrap_x);
    ty = select(ty, ty + 1u, wrap_x);
  }

//!unroll p PX_MAX
//!unroll g CG_MAX
  if (PX > {p}u && CG > {g}u) { put(p{p}, ci + {4 * g}u, a{p}_{g}); }
//!end
//!end
}
