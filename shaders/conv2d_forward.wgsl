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
// into a coroutine). Each invocation computes a register block of PX = 8 output pixels by CG
// groups of 4 output channels (CG = 1, 2 or 4, an override), held in named vec4 accumulators
// a<pixel><group>: SwiftShader keeps named values in registers, but not private arrays indexed by
// loop variables (10x slower, KERNELS.md). One flat loop walks K as (ky, kx, c): with
// cin % 4 == 0 (QUAD) a step takes input channels four at a time, reading 8 x-quads and a 4x4
// filter block per group for 8 * CG * 16 multiply-adds, and with cin % 8 == 0 (PAIR) two such
// quads; otherwise one channel per step. The CPU cache plays the role of shared memory.
// Reads are scalar: on SwiftShader a vec4 read at a per-invocation address is four gathers
// anyway, and scalar reads let one entry point serve any cin and cout (channels past cout are
// read clamped and never written).
// Invocation t takes channel block t % co_blocks (neighbours share pixels) and pixel block
// t / co_blocks; the grid is folded to 2-D for large M (common/index.wgsl).
//!include common/index.wgsl

override CG: u32 = 4u;
// cin % 4 == 0: the K loop takes input channels four at a time (else one at a time).
override QUAD: bool = true;
// cin % 8 == 0: eight at a time (two quads per loop step).
override PAIR: bool = false;
override HAS_BIAS: bool = false;
override RELU: bool = false;
const WG: u32 = 64u;
const PX: u32 = 8u;

struct Uniforms {
  batch: u32, in_h: u32, in_w: u32, cin: u32,
  out_h: u32, out_w: u32, cout: u32, k_h: u32,
  k_w: u32, stride_h: u32, stride_w: u32, pad_top: u32,
  pad_left: u32, m: u32, co_blocks: u32, invocations: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
// Bound to w when there is no bias (HAS_BIAS = false never reads it).
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

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

// Output pixel p's input window: the image's first row in x, and the window's top-left input
// coordinates (negative inside the padding). Pixels past the last image (the end of the final
// block) read the last image; put() never writes them.
struct Window { img: u32, row0: i32, col0: i32 }

fn window_of(p: Pos) -> Window {
  let n = min(p.n, u.batch - 1u);
  return Window(n * u.in_h, i32(p.oh * u.stride_h) - i32(u.pad_top), i32(p.ow * u.stride_w) - i32(u.pad_left));
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
  let off = ((win.img + u32(r)) * u.in_w + u32(c)) * u.cin;
  return Tap(select(0u, off, inside), select(0.0, 1.0, inside));
}

fn x_quad(t: Tap, c: u32) -> vec4<f32> {
  let i = t.off + c;
  return vec4<f32>(x[i], x[i + 1u], x[i + 2u], x[i + 3u]) * t.keep;
}

fn x_one(t: Tap, c: u32) -> f32 {
  return x[t.off + c] * t.keep;
}

// Four output channels (clamped indices cc) of filter row `base` (= its first element).
fn w_row(base: u32, cc: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(w[base + cc.x], w[base + cc.y], w[base + cc.z], w[base + cc.w]);
}

// Filter rows for four consecutive input channels, one channel group.
struct Quad { r0: vec4<f32>, r1: vec4<f32>, r2: vec4<f32>, r3: vec4<f32> }

fn w_quad(base: u32, cc: vec4<u32>) -> Quad {
  let s = u.cout;
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

// Adds the bias, applies the activation and writes channels co..co+3 of pixel m that exist.
fn put(m: u32, co: u32, a: vec4<f32>) {
  if (m >= u.m) { return; }
  var v = a;
  if (HAS_BIAS) {
    let cc = channels(co);
    v += vec4<f32>(bias[cc.x], bias[cc.y], bias[cc.z], bias[cc.w]);
  }
  if (RELU) { v = max(v, vec4<f32>(0.0)); }
  let o = m * u.cout + co;
  if (co + 3u < u.cout) {
    y[o] = v.x; y[o + 1u] = v.y; y[o + 2u] = v.z; y[o + 3u] = v.w;
    return;
  }
  if (co < u.cout) { y[o] = v.x; }
  if (co + 1u < u.cout) { y[o + 1u] = v.y; }
  if (co + 2u < u.cout) { y[o + 2u] = v.z; }
}

fn put_pixel(m: u32, co: u32, a0: vec4<f32>, a1: vec4<f32>, a2: vec4<f32>, a3: vec4<f32>) {
  put(m, co, a0);
  if (CG >= 2u) { put(m, co + 4u, a1); }
  if (CG >= 4u) { put(m, co + 8u, a2); put(m, co + 12u, a3); }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear_index(gid, nwg, WG);
  if (t >= u.invocations) { return; }
  let co = (t % u.co_blocks) * CG * 4u;
  let m = (t / u.co_blocks) * PX;
  let p0 = pos_of(m); let p1 = next(p0); let p2 = next(p1); let p3 = next(p2);
  let p4 = next(p3); let p5 = next(p4); let p6 = next(p5); let p7 = next(p6);
  let win0 = window_of(p0); let win1 = window_of(p1); let win2 = window_of(p2); let win3 = window_of(p3);
  let win4 = window_of(p4); let win5 = window_of(p5); let win6 = window_of(p6); let win7 = window_of(p7);
  let cc0 = channels(co);
  let cc1 = channels(co + 4u);
  let cc2 = channels(co + 8u);
  let cc3 = channels(co + 12u);

  // a<pixel><group>: output pixel m + pixel, channels co + 4 * group .. + 3.
  var a00 = vec4<f32>(0.0); var a01 = vec4<f32>(0.0); var a02 = vec4<f32>(0.0); var a03 = vec4<f32>(0.0);
  var a10 = vec4<f32>(0.0); var a11 = vec4<f32>(0.0); var a12 = vec4<f32>(0.0); var a13 = vec4<f32>(0.0);
  var a20 = vec4<f32>(0.0); var a21 = vec4<f32>(0.0); var a22 = vec4<f32>(0.0); var a23 = vec4<f32>(0.0);
  var a30 = vec4<f32>(0.0); var a31 = vec4<f32>(0.0); var a32 = vec4<f32>(0.0); var a33 = vec4<f32>(0.0);
  var a40 = vec4<f32>(0.0); var a41 = vec4<f32>(0.0); var a42 = vec4<f32>(0.0); var a43 = vec4<f32>(0.0);
  var a50 = vec4<f32>(0.0); var a51 = vec4<f32>(0.0); var a52 = vec4<f32>(0.0); var a53 = vec4<f32>(0.0);
  var a60 = vec4<f32>(0.0); var a61 = vec4<f32>(0.0); var a62 = vec4<f32>(0.0); var a63 = vec4<f32>(0.0);
  var a70 = vec4<f32>(0.0); var a71 = vec4<f32>(0.0); var a72 = vec4<f32>(0.0); var a73 = vec4<f32>(0.0);

  // One flat loop over K, stepping (ky, kx, c) with selects rather than nested tap and channel
  // loops: every loop iteration is a block boundary, where SwiftShader stores and reloads the
  // live accumulators. Measured at batch 128 (CPU time): with cin = 1 the nested loops ran 4.7x
  // slower than this flat loop, and with cin = 32 two quads per step ran 1.3x faster than one.
  // Recomputing the 8 taps every step costs less than the boundaries it saves.
  let step = select(1u, select(4u, 8u, PAIR), QUAD);
  let steps = u.k_h * u.k_w * (u.cin / step);
  var ky = 0u;
  var kx = 0u;
  var c = 0u;
  for (var k = 0u; k < steps; k++) {
    let t0 = tap(win0, ky, kx); let t1 = tap(win1, ky, kx); let t2 = tap(win2, ky, kx); let t3 = tap(win3, ky, kx);
    let t4 = tap(win4, ky, kx); let t5 = tap(win5, ky, kx); let t6 = tap(win6, ky, kx); let t7 = tap(win7, ky, kx);
    let base = ((ky * u.k_w + kx) * u.cin + c) * u.cout; // filter row (ky, kx, c)
    if (QUAD) {
      let v0 = x_quad(t0, c); let v1 = x_quad(t1, c); let v2 = x_quad(t2, c); let v3 = x_quad(t3, c);
      let v4 = x_quad(t4, c); let v5 = x_quad(t5, c); let v6 = x_quad(t6, c); let v7 = x_quad(t7, c);
      let q0 = w_quad(base, cc0);
      a00 = mac(a00, v0, q0); a10 = mac(a10, v1, q0); a20 = mac(a20, v2, q0); a30 = mac(a30, v3, q0);
      a40 = mac(a40, v4, q0); a50 = mac(a50, v5, q0); a60 = mac(a60, v6, q0); a70 = mac(a70, v7, q0);
      if (CG >= 2u) {
        let q1 = w_quad(base, cc1);
        a01 = mac(a01, v0, q1); a11 = mac(a11, v1, q1); a21 = mac(a21, v2, q1); a31 = mac(a31, v3, q1);
        a41 = mac(a41, v4, q1); a51 = mac(a51, v5, q1); a61 = mac(a61, v6, q1); a71 = mac(a71, v7, q1);
      }
      if (CG >= 4u) {
        let q2 = w_quad(base, cc2);
        a02 = mac(a02, v0, q2); a12 = mac(a12, v1, q2); a22 = mac(a22, v2, q2); a32 = mac(a32, v3, q2);
        a42 = mac(a42, v4, q2); a52 = mac(a52, v5, q2); a62 = mac(a62, v6, q2); a72 = mac(a72, v7, q2);
        let q3 = w_quad(base, cc3);
        a03 = mac(a03, v0, q3); a13 = mac(a13, v1, q3); a23 = mac(a23, v2, q3); a33 = mac(a33, v3, q3);
        a43 = mac(a43, v4, q3); a53 = mac(a53, v5, q3); a63 = mac(a63, v6, q3); a73 = mac(a73, v7, q3);
      }
      if (PAIR) {
        let v0 = x_quad(t0, c + 4u); let v1 = x_quad(t1, c + 4u); let v2 = x_quad(t2, c + 4u); let v3 = x_quad(t3, c + 4u);
        let v4 = x_quad(t4, c + 4u); let v5 = x_quad(t5, c + 4u); let v6 = x_quad(t6, c + 4u); let v7 = x_quad(t7, c + 4u);
        let q0 = w_quad(base + 4u * u.cout, cc0);
        a00 = mac(a00, v0, q0); a10 = mac(a10, v1, q0); a20 = mac(a20, v2, q0); a30 = mac(a30, v3, q0);
        a40 = mac(a40, v4, q0); a50 = mac(a50, v5, q0); a60 = mac(a60, v6, q0); a70 = mac(a70, v7, q0);
        if (CG >= 2u) {
          let q1 = w_quad(base + 4u * u.cout, cc1);
          a01 = mac(a01, v0, q1); a11 = mac(a11, v1, q1); a21 = mac(a21, v2, q1); a31 = mac(a31, v3, q1);
          a41 = mac(a41, v4, q1); a51 = mac(a51, v5, q1); a61 = mac(a61, v6, q1); a71 = mac(a71, v7, q1);
        }
        if (CG >= 4u) {
          let q2 = w_quad(base + 4u * u.cout, cc2);
          a02 = mac(a02, v0, q2); a12 = mac(a12, v1, q2); a22 = mac(a22, v2, q2); a32 = mac(a32, v3, q2);
          a42 = mac(a42, v4, q2); a52 = mac(a52, v5, q2); a62 = mac(a62, v6, q2); a72 = mac(a72, v7, q2);
          let q3 = w_quad(base + 4u * u.cout, cc3);
          a03 = mac(a03, v0, q3); a13 = mac(a13, v1, q3); a23 = mac(a23, v2, q3); a33 = mac(a33, v3, q3);
          a43 = mac(a43, v4, q3); a53 = mac(a53, v5, q3); a63 = mac(a63, v6, q3); a73 = mac(a73, v7, q3);
        }
      }
    } else {
      let s0 = x_one(t0, c); let s1 = x_one(t1, c); let s2 = x_one(t2, c); let s3 = x_one(t3, c);
      let s4 = x_one(t4, c); let s5 = x_one(t5, c); let s6 = x_one(t6, c); let s7 = x_one(t7, c);
      let r0 = w_row(base, cc0);
      a00 += s0 * r0; a10 += s1 * r0; a20 += s2 * r0; a30 += s3 * r0;
      a40 += s4 * r0; a50 += s5 * r0; a60 += s6 * r0; a70 += s7 * r0;
      if (CG >= 2u) {
        let r1 = w_row(base, cc1);
        a01 += s0 * r1; a11 += s1 * r1; a21 += s2 * r1; a31 += s3 * r1;
        a41 += s4 * r1; a51 += s5 * r1; a61 += s6 * r1; a71 += s7 * r1;
      }
      if (CG >= 4u) {
        let r2 = w_row(base, cc2);
        a02 += s0 * r2; a12 += s1 * r2; a22 += s2 * r2; a32 += s3 * r2;
        a42 += s4 * r2; a52 += s5 * r2; a62 += s6 * r2; a72 += s7 * r2;
        let r3 = w_row(base, cc3);
        a03 += s0 * r3; a13 += s1 * r3; a23 += s2 * r3; a33 += s3 * r3;
        a43 += s4 * r3; a53 += s5 * r3; a63 += s6 * r3; a73 += s7 * r3;
      }
    }
    c += step;
    let wrap_c = c == u.cin;
    c = select(c, 0u, wrap_c);
    kx = select(kx, kx + 1u, wrap_c);
    let wrap_x = kx == u.k_w;
    kx = select(kx, 0u, wrap_x);
    ky = select(ky, ky + 1u, wrap_x);
  }

  put_pixel(m, co, a00, a01, a02, a03);
  put_pixel(m + 1u, co, a10, a11, a12, a13);
  put_pixel(m + 2u, co, a20, a21, a22, a23);
  put_pixel(m + 3u, co, a30, a31, a32, a33);
  put_pixel(m + 4u, co, a40, a41, a42, a43);
  put_pixel(m + 5u, co, a50, a51, a52, a53);
  put_pixel(m + 6u, co, a60, a61, a62, a63);
  put_pixel(m + 7u, co, a70, a71, a72, a73);
}
