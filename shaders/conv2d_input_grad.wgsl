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
// Tiling: as conv2d_forward.wgsl (barrier-free, named registers, scalar reads, one flat K loop):
// each invocation computes PX = 8 input pixels of one phase by CG groups of 4 input channels.
// The K loop walks the phase's taps and output channels: with cout % 4 == 0 (QUAD) four at a
// time (8 dy-quads times CG 4x4 filter blocks read along cin), with cout % 8 == 0 (PAIR) eight,
// else one.
// Invocation t: channel block t % ci_blocks, then pixel block, then phase (slowest).
//!include common/index.wgsl

override CG: u32 = 4u;
// cout % 4 == 0: the K loop takes output channels four at a time (else one at a time).
override QUAD: bool = true;
// cout % 8 == 0: eight at a time (two quads per loop step).
override PAIR: bool = false;
const WG: u32 = 64u;
const PX: u32 = 8u;

struct Uniforms {
  batch: u32, in_h: u32, in_w: u32, cin: u32,
  out_h: u32, out_w: u32, cout: u32, k_h: u32,
  k_w: u32, stride_h: u32, stride_w: u32, pad_top: u32,
  pad_left: u32, ci_blocks: u32, invocations: u32, blocks_per_phase: u32,
  phase_h: u32, phase_w: u32, _pad0: u32, _pad1: u32,
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

fn next(p: Pos) -> Pos {
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

fn put_pixel(p: Pixel, ci: u32, a0: vec4<f32>, a1: vec4<f32>, a2: vec4<f32>, a3: vec4<f32>) {
  put(p, ci, a0);
  if (CG >= 2u) { put(p, ci + 4u, a1); }
  if (CG >= 4u) { put(p, ci + 8u, a2); put(p, ci + 12u, a3); }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear_index(gid, nwg, WG);
  if (t >= u.invocations) { return; }
  let ci = (t % u.ci_blocks) * CG * 4u;
  let rest = t / u.ci_blocks;
  let phase = rest / u.blocks_per_phase;
  let q = (rest - phase * u.blocks_per_phase) * PX;
  let ph = phase / u.stride_w;
  let pw = phase - ph * u.stride_w;
  let o0 = pos_of(q); let o1 = next(o0); let o2 = next(o1); let o3 = next(o2);
  let o4 = next(o3); let o5 = next(o4); let o6 = next(o5); let o7 = next(o6);
  // The phase's first tap: (ih + pad_top - ky) must be a multiple of the stride.
  let ky0 = (ph + u.pad_top) % u.stride_h;
  let kx0 = (pw + u.pad_left) % u.stride_w;
  let p0 = pixel_of(o0, ph, pw, ky0, kx0); let p1 = pixel_of(o1, ph, pw, ky0, kx0);
  let p2 = pixel_of(o2, ph, pw, ky0, kx0); let p3 = pixel_of(o3, ph, pw, ky0, kx0);
  let p4 = pixel_of(o4, ph, pw, ky0, kx0); let p5 = pixel_of(o5, ph, pw, ky0, kx0);
  let p6 = pixel_of(o6, ph, pw, ky0, kx0); let p7 = pixel_of(o7, ph, pw, ky0, kx0);

  var a00 = vec4<f32>(0.0); var a01 = vec4<f32>(0.0); var a02 = vec4<f32>(0.0); var a03 = vec4<f32>(0.0);
  var a10 = vec4<f32>(0.0); var a11 = vec4<f32>(0.0); var a12 = vec4<f32>(0.0); var a13 = vec4<f32>(0.0);
  var a20 = vec4<f32>(0.0); var a21 = vec4<f32>(0.0); var a22 = vec4<f32>(0.0); var a23 = vec4<f32>(0.0);
  var a30 = vec4<f32>(0.0); var a31 = vec4<f32>(0.0); var a32 = vec4<f32>(0.0); var a33 = vec4<f32>(0.0);
  var a40 = vec4<f32>(0.0); var a41 = vec4<f32>(0.0); var a42 = vec4<f32>(0.0); var a43 = vec4<f32>(0.0);
  var a50 = vec4<f32>(0.0); var a51 = vec4<f32>(0.0); var a52 = vec4<f32>(0.0); var a53 = vec4<f32>(0.0);
  var a60 = vec4<f32>(0.0); var a61 = vec4<f32>(0.0); var a62 = vec4<f32>(0.0); var a63 = vec4<f32>(0.0);
  var a70 = vec4<f32>(0.0); var a71 = vec4<f32>(0.0); var a72 = vec4<f32>(0.0); var a73 = vec4<f32>(0.0);

  // One flat loop over K as (ky, kx, co), only the taps of this phase, stepping with selects:
  // every loop iteration is a block boundary where SwiftShader stores and reloads the
  // accumulators, so nested tap and channel loops cost more (see conv2d_forward.wgsl).
  let taps_y = select(0u, (u.k_h - ky0 + u.stride_h - 1u) / u.stride_h, ky0 < u.k_h);
  let taps_x = select(0u, (u.k_w - kx0 + u.stride_w - 1u) / u.stride_w, kx0 < u.k_w);
  let step = select(1u, select(4u, 8u, PAIR), QUAD);
  let steps = taps_y * taps_x * (u.cout / step);
  var ty = 0u;
  var tx = 0u;
  var co = 0u;
  for (var k = 0u; k < steps; k++) {
    let t0 = tap(p0, ty, tx); let t1 = tap(p1, ty, tx); let t2 = tap(p2, ty, tx); let t3 = tap(p3, ty, tx);
    let t4 = tap(p4, ty, tx); let t5 = tap(p5, ty, tx); let t6 = tap(p6, ty, tx); let t7 = tap(p7, ty, tx);
    let kk = (ky0 + ty * u.stride_h) * u.k_w + kx0 + tx * u.stride_w; // filter tap (ky, kx)
    let rows0 = filter_rows(kk, ci);
    let rows1 = filter_rows(kk, ci + 4u);
    let rows2 = filter_rows(kk, ci + 8u);
    let rows3 = filter_rows(kk, ci + 12u);
    if (QUAD) {
      let d0 = dy_quad(t0, co); let d1 = dy_quad(t1, co); let d2 = dy_quad(t2, co); let d3 = dy_quad(t3, co);
      let d4 = dy_quad(t4, co); let d5 = dy_quad(t5, co); let d6 = dy_quad(t6, co); let d7 = dy_quad(t7, co);
      let q0 = w_quad(rows0, co);
      a00 = mac(a00, d0, q0); a10 = mac(a10, d1, q0); a20 = mac(a20, d2, q0); a30 = mac(a30, d3, q0);
      a40 = mac(a40, d4, q0); a50 = mac(a50, d5, q0); a60 = mac(a60, d6, q0); a70 = mac(a70, d7, q0);
      if (CG >= 2u) {
        let q1 = w_quad(rows1, co);
        a01 = mac(a01, d0, q1); a11 = mac(a11, d1, q1); a21 = mac(a21, d2, q1); a31 = mac(a31, d3, q1);
        a41 = mac(a41, d4, q1); a51 = mac(a51, d5, q1); a61 = mac(a61, d6, q1); a71 = mac(a71, d7, q1);
      }
      if (CG >= 4u) {
        let q2 = w_quad(rows2, co);
        a02 = mac(a02, d0, q2); a12 = mac(a12, d1, q2); a22 = mac(a22, d2, q2); a32 = mac(a32, d3, q2);
        a42 = mac(a42, d4, q2); a52 = mac(a52, d5, q2); a62 = mac(a62, d6, q2); a72 = mac(a72, d7, q2);
        let q3 = w_quad(rows3, co);
        a03 = mac(a03, d0, q3); a13 = mac(a13, d1, q3); a23 = mac(a23, d2, q3); a33 = mac(a33, d3, q3);
        a43 = mac(a43, d4, q3); a53 = mac(a53, d5, q3); a63 = mac(a63, d6, q3); a73 = mac(a73, d7, q3);
      }
      if (PAIR) {
        let d0 = dy_quad(t0, co + 4u); let d1 = dy_quad(t1, co + 4u); let d2 = dy_quad(t2, co + 4u); let d3 = dy_quad(t3, co + 4u);
        let d4 = dy_quad(t4, co + 4u); let d5 = dy_quad(t5, co + 4u); let d6 = dy_quad(t6, co + 4u); let d7 = dy_quad(t7, co + 4u);
        let q0 = w_quad(rows0, co + 4u);
        a00 = mac(a00, d0, q0); a10 = mac(a10, d1, q0); a20 = mac(a20, d2, q0); a30 = mac(a30, d3, q0);
        a40 = mac(a40, d4, q0); a50 = mac(a50, d5, q0); a60 = mac(a60, d6, q0); a70 = mac(a70, d7, q0);
        if (CG >= 2u) {
          let q1 = w_quad(rows1, co + 4u);
          a01 = mac(a01, d0, q1); a11 = mac(a11, d1, q1); a21 = mac(a21, d2, q1); a31 = mac(a31, d3, q1);
          a41 = mac(a41, d4, q1); a51 = mac(a51, d5, q1); a61 = mac(a61, d6, q1); a71 = mac(a71, d7, q1);
        }
        if (CG >= 4u) {
          let q2 = w_quad(rows2, co + 4u);
          a02 = mac(a02, d0, q2); a12 = mac(a12, d1, q2); a22 = mac(a22, d2, q2); a32 = mac(a32, d3, q2);
          a42 = mac(a42, d4, q2); a52 = mac(a52, d5, q2); a62 = mac(a62, d6, q2); a72 = mac(a72, d7, q2);
          let q3 = w_quad(rows3, co + 4u);
          a03 = mac(a03, d0, q3); a13 = mac(a13, d1, q3); a23 = mac(a23, d2, q3); a33 = mac(a33, d3, q3);
          a43 = mac(a43, d4, q3); a53 = mac(a53, d5, q3); a63 = mac(a63, d6, q3); a73 = mac(a73, d7, q3);
        }
      }
    } else {
      let s0 = dy_one(t0, co); let s1 = dy_one(t1, co); let s2 = dy_one(t2, co); let s3 = dy_one(t3, co);
      let s4 = dy_one(t4, co); let s5 = dy_one(t5, co); let s6 = dy_one(t6, co); let s7 = dy_one(t7, co);
      let c0 = w_col(rows0, co);
      a00 += s0 * c0; a10 += s1 * c0; a20 += s2 * c0; a30 += s3 * c0;
      a40 += s4 * c0; a50 += s5 * c0; a60 += s6 * c0; a70 += s7 * c0;
      if (CG >= 2u) {
        let c1 = w_col(rows1, co);
        a01 += s0 * c1; a11 += s1 * c1; a21 += s2 * c1; a31 += s3 * c1;
        a41 += s4 * c1; a51 += s5 * c1; a61 += s6 * c1; a71 += s7 * c1;
      }
      if (CG >= 4u) {
        let c2 = w_col(rows2, co);
        a02 += s0 * c2; a12 += s1 * c2; a22 += s2 * c2; a32 += s3 * c2;
        a42 += s4 * c2; a52 += s5 * c2; a62 += s6 * c2; a72 += s7 * c2;
        let c3 = w_col(rows3, co);
        a03 += s0 * c3; a13 += s1 * c3; a23 += s2 * c3; a33 += s3 * c3;
        a43 += s4 * c3; a53 += s5 * c3; a63 += s6 * c3; a73 += s7 * c3;
      }
    }
    co += step;
    let wrap_c = co == u.cout;
    co = select(co, 0u, wrap_c);
    tx = select(tx, tx + 1u, wrap_c);
    let wrap_x = tx == taps_x;
    tx = select(tx, 0u, wrap_x);
    ty = select(ty, ty + 1u, wrap_x);
  }

  put_pixel(p0, ci, a00, a01, a02, a03);
  put_pixel(p1, ci, a10, a11, a12, a13);
  put_pixel(p2, ci, a20, a21, a22, a23);
  put_pixel(p3, ci, a30, a31, a32, a33);
  put_pixel(p4, ci, a40, a41, a42, a43);
  put_pixel(p5, ci, a50, a51, a52, a53);
  put_pixel(p6, ci, a60, a61, a62, a63);
  put_pixel(p7, ci, a70, a71, a72, a73);
}
