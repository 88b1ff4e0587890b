// conv2d_forward.wgsl: y = act(conv2d(x, w) + bias), a 2-D convolution's forward pass with the
// bias add and ReLU fused into the output write (tfjs's fused.conv2d).
//
// Layout: x is NHWC [batch, in_h, in_w, cin], w is HWIO [k_h, k_w, cin, cout], bias is [cout],
// y is NHWC [batch, out_h, out_w, cout]; all row-major float32. Padding (pad_top, pad_left) is
// implicit: taps outside the image read as zero.
// As a GEMM it is implicit (x is never unfolded in memory): M = batch*out_h*out_w output pixels,
// N = cout, K = k_h*k_w*cin; row m of the virtual A matrix is output pixel m's input window.
//
// Tiling: no workgroup memory and no barriers (a barrier on SwiftShader turns every 4-lane group
// into a coroutine). Each invocation computes a register block of PX output pixels by CG groups
// of 4 output channels (overrides, at most PX_MAX = 16 and CG_MAX = 8), held in named vec4
// accumulators a<pixel>_<group> written out by `//!unroll` (scripts/gen-shaders.mjs):
// SwiftShader keeps named values in registers, but not private arrays indexed by loop variables
// (10x slower, KERNELS.md). Blocks past PX and CG are constant-folded away. One flat loop walks
// K as (ky, kx, c): with cin % 4 == 0 (QUAD) a step takes input channels four at a time, reading
// PX x-quads and a 4x4 filter block per group for PX * CG * 16 multiply-adds, and with
// cin % 8 == 0 (PAIR) two such quads; otherwise one channel per step. The CPU cache plays the
// role of shared memory.
// Block size: on SwiftShader every storage read is a gather of four scalar loads behind
// branches (tens of cycles), so a block's cost is about (reads) * 60 + (multiply-adds) * 10
// cycles per 4 lanes; per input channel a block reads PX + 4 * CG values for 4 * PX * CG
// multiply-adds, so the host takes big blocks there (16 pixels x 32 channels: measured 1.3x
// the 8 x 16 block). A hardware GPU keeps 8 x 16 (registers are scarce there).
// Reads are scalar: on SwiftShader a vec4 read at a per-invocation address is four gathers
// anyway, and scalar reads let one entry point serve any cin and cout (channels past cout are
// read clamped and never written).
// Invocation t takes channel block t % co_blocks (neighbours share pixels) and pixel block
// t / co_blocks; the grid is folded to 2-D for large M (common/index.wgsl).
//
// POOL: a 2x2 max-pool with stride 2 ('valid') fused into the output write, for a relu conv
// followed by such a pool (src/autograd/conv-pool.ts). The block's PX pixels are then PX / 4
// pooling windows of 4 pixels each (in window order: top-left, top-right, bottom-left,
// bottom-right), and each invocation writes, per window and channel, the maximum of the 4
// activated values to y ([batch, pool_h, pool_w, cout]) and its flat index in the conv's output
// to argmax, as maxpool2d.wgsl's forward does (the first in window order wins ties). The conv's
// output itself is never written, and the last row and column that the windows skip (odd
// sizes) are never computed. With RELU, a window whose maximum is 0 gets argmax -1 (no
// position): relu passes it no gradient, so the pool's backward applies relu's mask for free.
//
// Strided operands: x and w are read through element steps held in the uniforms, so that the
// filter gradient can run as this kernel without moving any data (conv2d-direct.ts,
// `filterGradGrouped`). Image b of x is image i = b % group_imgs of group b / group_imgs, at
// x offset group * x_group + i * x_img; its row, column and channel steps are x_row, x_col and
// x_ch, and a block's filter starts at group * w_group, with steps w_ky, w_kx and w_ci per tap
// row, tap column and input channel (output channels are contiguous). A plain conv has one
// group, x NHWC and w HWIO. The host keeps a block's pixels within one group.
//!include common/index.wgsl

// Output pixels and groups of 4 output channels per invocation: the register block.
override PX: u32 = 8u;
override CG: u32 = 4u;
const PX_MAX: u32 = 16u;
const CG_MAX: u32 = 8u;
// cin % 4 == 0: the K loop takes input channels four at a time (else one at a time).
override QUAD: bool = true;
// cin % 8 == 0: eight at a time (two quads per loop step).
override PAIR: bool = false;
override HAS_BIAS: bool = false;
override RELU: bool = false;
// 2x2 stride-2 max-pooling fused into the output write (see above).
override POOL: bool = false;
const WG: u32 = 64u;

struct Uniforms {
  batch: u32, in_h: u32, in_w: u32, cin: u32,
  out_h: u32, out_w: u32, cout: u32, k_h: u32,
  k_w: u32, stride_h: u32, stride_w: u32, pad_top: u32,
  pad_left: u32, m: u32, co_blocks: u32, invocations: u32,
  // POOL: the pooled output's height and width, and its number of windows (batch * pool_h * pool_w).
  pool_h: u32, pool_w: u32, windows: u32, _pad0: u32,
  // Where x and w are, in elements (see "Strided operands" above).
  x_img: u32, x_row: u32, x_col: u32, x_ch: u32,
  w_ky: u32, w_kx: u32, w_ci: u32, group_imgs: u32,
  x_group: u32, w_group: u32, _pad1: u32, _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
// Bound to w when there is no bias (HAS_BIAS = false never reads it).
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
// POOL: the winners' flat indices in the conv's output (-1: none); else a 1-element dummy.
@group(0) @binding(5) var<storage, read_write> argmax: array<i32>;

// An output pixel (n, oh, ow). Only the block's first pixel is found by dividing: the others
// step along the row-major order with selects (SIMD integer division is slow on a CPU).
struct Pos { n: u32, oh: u32, ow: u32 }

fn pos_of(m: u32) -> Pos {
  let hw = u.out_h * u.out_w;
  let n = m / hw;
  let r = m - n * hw;
  let oh = r / u.out_w;
  return Pos(n, oh, r - oh * u.out_w);
}

fn next(p: Pos) -> Pos {
  let wrap_w = p.ow + 1u == u.out_w;
  let oh = select(p.oh, p.oh + 1u, wrap_w);
  let wrap_h = oh == u.out_h;
  return Pos(select(p.n, p.n + 1u, wrap_h), select(oh, 0u, wrap_h), select(p.ow + 1u, 0u, wrap_w));
}

// Output pixel p's input window: the image's offset in x, and the window's top-left input
// coordinates (negative inside the padding). Pixels past the last image (the end of the final
// block) read the last image; put() never writes them.
struct Window { img: u32, row0: i32, col0: i32 }

fn window_of(p: Pos) -> Window {
  let n = min(p.n, u.batch - 1u);
  let grp = n / u.group_imgs;
  let img = grp * u.x_group + (n - grp * u.group_imgs) * u.x_img;
  return Window(img, i32(p.oh * u.stride_h) - i32(u.pad_top), i32(p.ow * u.stride_w) - i32(u.pad_left));
}

// Tap (ky, kx) of a window: offset of its first channel in x, and keep = 1 inside the image,
// 0 in the padding (the offset is then 0, so that the read stays in bounds).
struct Tap { off: u32, keep: f32 }

fn tap(win: Window, ky: u32, kx: u32) -> Tap {
  let r = win.row0 + i32(ky);
  let c = win.col0 + i32(kx);
  // A negative coordinate wraps to a huge u32, so one comparison per axis checks both ends.
  // `&` rather than `&&`: a short-circuit is a branch, and a branch costs SwiftShader far more
  // than a second comparison.
  let inside = (u32(r) < u.in_h) & (u32(c) < u.in_w);
  let off = win.img + u32(r) * u.x_row + u32(c) * u.x_col;
  return Tap(select(0u, off, inside), select(0.0, 1.0, inside));
}

fn x_quad(t: Tap, c: u32) -> vec4<f32> {
  let s = u.x_ch;
  let i = t.off + c * s;
  return vec4<f32>(x[i], x[i + s], x[i + 2u * s], x[i + 3u * s]) * t.keep;
}

fn x_one(t: Tap, c: u32) -> f32 {
  return x[t.off + c * u.x_ch] * t.keep;
}

// Four output channels (clamped indices cc) of filter row `base` (= its first element).
fn w_row(base: u32, cc: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(w[base + cc.x], w[base + cc.y], w[base + cc.z], w[base + cc.w]);
}

// Filter rows for four consecutive input channels, one channel group.
struct Quad { r0: vec4<f32>, r1: vec4<f32>, r2: vec4<f32>, r3: vec4<f32> }

fn w_quad(base: u32, cc: vec4<u32>) -> Quad {
  let s = u.w_ci;
  return Quad(w_row(base, cc), w_row(base + s, cc), w_row(base + 2u * s, cc), w_row(base + 3u * s, cc));
}

// a + v (4 input channels) times q (4 filter rows): 16 multiply-adds.
fn mac(a: vec4<f32>, v: vec4<f32>, q: Quad) -> vec4<f32> {
  return a + v.x * q.r0 + v.y * q.r1 + v.z * q.r2 + v.w * q.r3;
}

// Channel indices co..co+3, clamped to the last channel so that reads past cout stay in bounds.
fn channels(co: u32) -> vec4<u32> {
  return min(vec4<u32>(co) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(u.cout - 1u));
}

// The output values of channels co..co+3 from their sums: bias added, activation applied.
fn activate(co: u32, a: vec4<f32>) -> vec4<f32> {
  var v = a;
  if (HAS_BIAS) {
    let cc = channels(co);
    v += vec4<f32>(bias[cc.x], bias[cc.y], bias[cc.z], bias[cc.w]);
  }
  if (RELU) { v = max(v, vec4<f32>(0.0)); }
  return v;
}

// Writes channels co..co+3 of pixel m that exist.
fn put(m: u32, co: u32, a: vec4<f32>) {
  if (m >= u.m) { return; }
  let v = activate(co, a);
  let o = m * u.cout + co;
  if (co + 3u < u.cout) {
    y[o] = v.x; y[o + 1u] = v.y; y[o + 2u] = v.z; y[o + 3u] = v.w;
    return;
  }
  if (co < u.cout) { y[o] = v.x; }
  if (co + 1u < u.cout) { y[o + 1u] = v.y; }
  if (co + 2u < u.cout) { y[o + 2u] = v.z; }
}

// POOL: the top-left output pixel of pooling window `wi` (row-major over batch, pool_h, pool_w).
fn window_origin(wi: u32) -> Pos {
  let per_image = u.pool_h * u.pool_w;
  let n = wi / per_image;
  let r = wi - n * per_image;
  let ph = r / u.pool_w;
  return Pos(n, 2u * ph, 2u * (r - ph * u.pool_w));
}

// POOL: window wi (top-left pixel o), channels co..co+3, from the sums of its 4 pixels in window
// order: writes the maximum of the activated values and where it was (see the header).
fn put_pool(wi: u32, o: Pos, co: u32, a0: vec4<f32>, a1: vec4<f32>, a2: vec4<f32>, a3: vec4<f32>) {
  if (wi >= u.windows) { return; }
  let lanes = vec4<i32>(0, 1, 2, 3);
  let i0 = i32(((o.n * u.out_h + o.oh) * u.out_w + o.ow) * u.cout + co);
  let right = i32(u.cout);
  let down = i32(u.out_w * u.cout);
  var best = activate(co, a0);
  var at = vec4<i32>(i0) + lanes;
  let v1 = activate(co, a1);
  at = select(at, vec4<i32>(i0 + right) + lanes, v1 > best);
  best = select(best, v1, v1 > best);
  let v2 = activate(co, a2);
  at = select(at, vec4<i32>(i0 + down) + lanes, v2 > best);
  best = select(best, v2, v2 > best);
  let v3 = activate(co, a3);
  at = select(at, vec4<i32>(i0 + down + right) + lanes, v3 > best);
  best = select(best, v3, v3 > best);
  if (RELU) { at = select(vec4<i32>(-1), at, best > vec4<f32>(0.0)); }
  let oy = wi * u.cout + co;
  if (co + 3u < u.cout) {
    y[oy] = best.x; y[oy + 1u] = best.y; y[oy + 2u] = best.z; y[oy + 3u] = best.w;
    argmax[oy] = at.x; argmax[oy + 1u] = at.y; argmax[oy + 2u] = at.z; argmax[oy + 3u] = at.w;
    return;
  }
  if (co < u.cout) { y[oy] = best.x; argmax[oy] = at.x; }
  if (co + 1u < u.cout) { y[oy + 1u] = best.y; argmax[oy + 1u] = at.y; }
  if (co + 2u < u.cout) { y[oy + 2u] = best.z; argmax[oy + 2u] = at.z; }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear_index(gid, nwg, WG);
  if (t >= u.invocations) { return; }
  let co = (t % u.co_blocks) * CG * 4u;
  let m = (t / u.co_blocks) * PX;
  var p0 = pos_of(m);
//!unroll p 1..PX_MAX
  var p{p} = next(p{p - 1});
//!end
  // POOL: the block is PX / 4 windows (their first is wi0), 4 pixels each, in window order. A
  // window past the last reads a clamped image (window_of) and is never written.
  let wi0 = (t / u.co_blocks) * (PX / 4u);
//!unroll j 4
  let wo{j} = window_origin(wi0 + {j}u);
//!end
  if (POOL) {
//!unroll j 4
//!unroll k 4
    p{4 * j + k} = Pos(wo{j}.n, wo{j}.oh + {k}u / 2u, wo{j}.ow + {k}u % 2u);
//!end
//!end
  }
//!unroll p PX_MAX
  let win{p} = window_of(p{p});
//!end
//!unroll g CG_MAX
  let cc{g} = channels(co + {4 * g}u);
//!end

  // a<pixel>_<group>: output pixel m + pixel, channels co + 4 * group .. + 3.
//!unroll p PX_MAX
//!unroll g CG_MAX
  var a{p}_{g} = vec4<f32>(0.0);
//!end
//!end

  // One flat loop over K, stepping (ky, kx, c) with selects rather than nested tap and channel
  // loops: every loop iteration is a block boundary, where SwiftShader stores and reloads the
  // live accumulators. Measured at batch 128 (CPU time): with cin = 1 the nested loops ran 4.7x
  // slower than this flat loop, and with cin = 32 two quads per step ran 1.3x faster than one
  // (8 x 16 blocks). Recomputing the taps every step costs less than the boundaries it saves.
  // Likewise no `if` may hide a step's work: skipping empty taps behind a branch ran 1.5x slower.
  // The block's filter: its pixels' group's (all in one group, see the header).
  let w0 = (min(p0.n, u.batch - 1u) / u.group_imgs) * u.w_group;
  let step = select(1u, select(4u, 8u, PAIR), QUAD);
  let steps = u.k_h * u.k_w * (u.cin / step);
  var ky = 0u;
  var kx = 0u;
  var c = 0u;
  for (var k = 0u; k < steps; k++) {
//!unroll p PX_MAX
    let t{p} = tap(win{p}, ky, kx);
//!end
    let base = w0 + ky * u.w_ky + kx * u.w_kx + c * u.w_ci; // filter row (ky, kx, c)
    if (QUAD) {
//!unroll h 2
      // Input channels c + 4 * h .. + 3 (h = 1 only with PAIR).
      if ({h}u == 0u || PAIR) {
//!unroll p PX_MAX
        var v{p} = vec4<f32>(0.0);
        if (PX > {p}u) { v{p} = x_quad(t{p}, c + {4 * h}u); }
//!end
//!unroll g CG_MAX
        if (CG > {g}u) {
          let q{g} = w_quad(base + {4 * h}u * u.w_ci, cc{g});
//!unroll p PX_MAX
          if (PX > {p}u) { a{p}_{g} = mac(a{p}_{g}, v{p}, q{g}); }
//!end
        }
//!end
      }
//!end
    } else {
//!unroll p PX_MAX
      var s{p} = 0.0;
      if (PX > {p}u) { s{p} = x_one(t{p}, c); }
//!end
//!unroll g CG_MAX
      if (CG > {g}u) {
        let r{g} = w_row(base, cc{g});
//!unroll p PX_MAX
        if (PX > {p}u) { a{p}_{g} += s{p} * r{g}; }
//!end
      }
//!end
    }
    c += step;
    let wrap_c = c == u.cin;
    c = select(c, 0u, wrap_c);
    kx = select(kx, kx + 1u, wrap_c);
    let wrap_x = kx == u.k_w;
    kx = select(kx, 0u, wrap_x);
    ky = select(ky, ky + 1u, wrap_x);
  }

  if (POOL) {
//!unroll j 4
//!unroll g CG_MAX
    if (PX > {4 * j}u && CG > {g}u) {
      put_pool(wi0 + {j}u, wo{j}, co + {4 * g}u, a{4 * j}_{g}, a{4 * j + 1}_{g}, a{4 * j + 2}_{g}, a{4 * j + 3}_{g});
    }
//!end
//!end
    return;
  }
//!unroll p PX_MAX
//!unroll g CG_MAX
  if (PX > {p}u && CG > {g}u) { put(m + {p}u, co + {4 * g}u, a{p}_{g}); }
//!end
//!end
}
