// conv2d_filter_grad.wgsl: partial sums of dw, the gradient of conv2d with respect to its filter:
//   dw[ky, kx, ci, co] = sum over output pixels (n, oh, ow) of
//                        x[n, oh * stride_h - pad_top + ky, ow * stride_w - pad_left + kx, ci] * dy[n, oh, ow, co]
//
// Layout: x is NHWC [batch, in_h, in_w, cin], dy is NHWC [batch, out_h, out_w, cout]; the output
// `partial` is [splits, k_h*k_w*cin, cout], row-major float32. As an implicit GEMM: M = k_h*k_w*cin
// filter rows (tap, ci), N = cout, K = batch*out_h*out_w output pixels: a long reduction (15,488
// for the seed network's second conv).
//
// Split-K: the output pixels are cut into `splits` chunks of `chunk`; each chunk's sums go to
// its own slice of `partial`, and the host then adds the slices in a fixed order (reduce.wgsl).
// No atomics, so a seeded run repeats bit for bit.
// Tiling: as conv2d_forward.wgsl (barrier-free, named registers, scalar reads): each invocation
// computes RB = 8 consecutive filter rows by CG groups of 4 output channels over its chunk, two
// output pixels per loop step. Per pixel it reads 8 x values and CG dy-quads and does 8 * CG * 4
// multiply-adds. Without padding (PADDED = false) every tap is inside the image and the bounds
// tests compile away.
// Invocation t: channel block t % co_blocks, then row block, then split (slowest), so that
// neighbouring invocations walk the same pixels.
//!include common/index.wgsl

override CG: u32 = 4u;
override PADDED: bool = true;
const WG: u32 = 64u;
const RB: u32 = 8u;

struct Uniforms {
  batch: u32, in_h: u32, in_w: u32, cin: u32,
  out_h: u32, out_w: u32, cout: u32, k_h: u32,
  k_w: u32, stride_h: u32, stride_w: u32, pad_top: u32,
  pad_left: u32, rows: u32, co_blocks: u32, row_blocks: u32,
  q_total: u32, chunk: u32, invocations: u32, _pad: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;

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

// An output pixel (n, oh, ow), stepped along the row-major order with selects (no divisions, no
// branches).
struct Pix { n: u32, oh: u32, ow: u32 }

fn pix_of(q: u32) -> Pix {
  let hw = u.out_h * u.out_w;
  let n = q / hw;
  let r = q - n * hw;
  let oh = r / u.out_w;
  return Pix(n, oh, r - oh * u.out_w);
}

fn next_pix(p: Pix) -> Pix {
  let wrap_w = p.ow + 1u == u.out_w;
  let oh = select(p.oh, p.oh + 1u, wrap_w);
  let wrap_h = oh == u.out_h;
  return Pix(select(p.n, p.n + 1u, wrap_h), select(oh, 0u, wrap_h), select(p.ow + 1u, 0u, wrap_w));
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

fn dy_quad(i: u32, cc: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(dy[i + cc.x], dy[i + cc.y], dy[i + cc.z], dy[i + cc.w]);
}

fn channels(co: u32) -> vec4<u32> {
  return min(vec4<u32>(co) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(u.cout - 1u));
}

// Writes channels co..co+3 of filter row r of this split's slice, those that exist.
fn put(base: u32, r: u32, co: u32, a: vec4<f32>) {
  if (r >= u.rows) { return; }
  let o = base + r * u.cout + co;
  if (co + 3u < u.cout) {
    partial[o] = a.x; partial[o + 1u] = a.y; partial[o + 2u] = a.z; partial[o + 3u] = a.w;
    return;
  }
  if (co < u.cout) { partial[o] = a.x; }
  if (co + 1u < u.cout) { partial[o + 1u] = a.y; }
  if (co + 2u < u.cout) { partial[o + 2u] = a.z; }
}

fn put_row(base: u32, r: u32, co: u32, a0: vec4<f32>, a1: vec4<f32>, a2: vec4<f32>, a3: vec4<f32>) {
  put(base, r, co, a0);
  if (CG >= 2u) { put(base, r, co + 4u, a1); }
  if (CG >= 4u) { put(base, r, co + 8u, a2); put(base, r, co + 12u, a3); }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear_index(gid, nwg, WG);
  if (t >= u.invocations) { return; }
  let co = (t % u.co_blocks) * CG * 4u;
  let rest = t / u.co_blocks;
  let split = rest / u.row_blocks;
  let r = (rest - split * u.row_blocks) * RB;
  let k0 = tap_of(r); let k1 = next(k0); let k2 = next(k1); let k3 = next(k2);
  let k4 = next(k3); let k5 = next(k4); let k6 = next(k5); let k7 = next(k6);
  let w0 = row_of(k0); let w1 = row_of(k1); let w2 = row_of(k2); let w3 = row_of(k3);
  let w4 = row_of(k4); let w5 = row_of(k5); let w6 = row_of(k6); let w7 = row_of(k7);
  let cc0 = channels(co);
  let cc1 = channels(co + 4u);
  let cc2 = channels(co + 8u);
  let cc3 = channels(co + 12u);

  // a<row><group>: filter row r + row, output channels co + 4 * group .. + 3.
  var a00 = vec4<f32>(0.0); var a01 = vec4<f32>(0.0); var a02 = vec4<f32>(0.0); var a03 = vec4<f32>(0.0);
  var a10 = vec4<f32>(0.0); var a11 = vec4<f32>(0.0); var a12 = vec4<f32>(0.0); var a13 = vec4<f32>(0.0);
  var a20 = vec4<f32>(0.0); var a21 = vec4<f32>(0.0); var a22 = vec4<f32>(0.0); var a23 = vec4<f32>(0.0);
  var a30 = vec4<f32>(0.0); var a31 = vec4<f32>(0.0); var a32 = vec4<f32>(0.0); var a33 = vec4<f32>(0.0);
  var a40 = vec4<f32>(0.0); var a41 = vec4<f32>(0.0); var a42 = vec4<f32>(0.0); var a43 = vec4<f32>(0.0);
  var a50 = vec4<f32>(0.0); var a51 = vec4<f32>(0.0); var a52 = vec4<f32>(0.0); var a53 = vec4<f32>(0.0);
  var a60 = vec4<f32>(0.0); var a61 = vec4<f32>(0.0); var a62 = vec4<f32>(0.0); var a63 = vec4<f32>(0.0);
  var a70 = vec4<f32>(0.0); var a71 = vec4<f32>(0.0); var a72 = vec4<f32>(0.0); var a73 = vec4<f32>(0.0);

  // Walk this split's output pixels in order, two per loop step: every loop iteration is a
  // block boundary where SwiftShader stores and reloads the accumulators (see
  // conv2d_forward.wgsl), and one pixel is only 8 * CG * 4 multiply-adds.
  let q0 = split * u.chunk;
  let q1 = min(q0 + u.chunk, u.q_total);
  var pa = pix_of(q0);
  for (var qa = q0; qa < q1; qa += 2u) {
    let pb = next_pix(pa);
    {
      let o = origin_of(pa);
      let qo = qa * u.cout;
      let v0 = x_at(w0, o); let v1 = x_at(w1, o);
      let v2 = x_at(w2, o); let v3 = x_at(w3, o);
      let v4 = x_at(w4, o); let v5 = x_at(w5, o);
      let v6 = x_at(w6, o); let v7 = x_at(w7, o);
      let d0 = dy_quad(qo, cc0);
      a00 += v0 * d0; a10 += v1 * d0; a20 += v2 * d0; a30 += v3 * d0;
      a40 += v4 * d0; a50 += v5 * d0; a60 += v6 * d0; a70 += v7 * d0;
      if (CG >= 2u) {
        let d1 = dy_quad(qo, cc1);
        a01 += v0 * d1; a11 += v1 * d1; a21 += v2 * d1; a31 += v3 * d1;
        a41 += v4 * d1; a51 += v5 * d1; a61 += v6 * d1; a71 += v7 * d1;
      }
      if (CG >= 4u) {
        let d2 = dy_quad(qo, cc2);
        a02 += v0 * d2; a12 += v1 * d2; a22 += v2 * d2; a32 += v3 * d2;
        a42 += v4 * d2; a52 += v5 * d2; a62 += v6 * d2; a72 += v7 * d2;
        let d3 = dy_quad(qo, cc3);
        a03 += v0 * d3; a13 += v1 * d3; a23 += v2 * d3; a33 += v3 * d3;
        a43 += v4 * d3; a53 += v5 * d3; a63 += v6 * d3; a73 += v7 * d3;
      }
    }
    {
      // The pair's second pixel lies past the chunk when the chunk is odd: weight 0.
      let live = select(0.0, 1.0, qa + 1u < q1);
      let o = origin_of(pb);
      let qo = min(qa + 1u, q1 - 1u) * u.cout;
      let v0 = x_at(w0, o); let v1 = x_at(w1, o);
      let v2 = x_at(w2, o); let v3 = x_at(w3, o);
      let v4 = x_at(w4, o); let v5 = x_at(w5, o);
      let v6 = x_at(w6, o); let v7 = x_at(w7, o);
      let d0 = dy_quad(qo, cc0) * live;
      a00 += v0 * d0; a10 += v1 * d0; a20 += v2 * d0; a30 += v3 * d0;
      a40 += v4 * d0; a50 += v5 * d0; a60 += v6 * d0; a70 += v7 * d0;
      if (CG >= 2u) {
        let d1 = dy_quad(qo, cc1) * live;
        a01 += v0 * d1; a11 += v1 * d1; a21 += v2 * d1; a31 += v3 * d1;
        a41 += v4 * d1; a51 += v5 * d1; a61 += v6 * d1; a71 += v7 * d1;
      }
      if (CG >= 4u) {
        let d2 = dy_quad(qo, cc2) * live;
        a02 += v0 * d2; a12 += v1 * d2; a22 += v2 * d2; a32 += v3 * d2;
        a42 += v4 * d2; a52 += v5 * d2; a62 += v6 * d2; a72 += v7 * d2;
        let d3 = dy_quad(qo, cc3) * live;
        a03 += v0 * d3; a13 += v1 * d3; a23 += v2 * d3; a33 += v3 * d3;
        a43 += v4 * d3; a53 += v5 * d3; a63 += v6 * d3; a73 += v7 * d3;
      }
    }
    pa = next_pix(pb);
  }

  let base = split * u.rows * u.cout;
  put_row(base, r, co, a00, a01, a02, a03);
  put_row(base, r + 1u, co, a10, a11, a12, a13);
  put_row(base, r + 2u, co, a20, a21, a22, a23);
  put_row(base, r + 3u, co, a30, a31, a32, a33);
  put_row(base, r + 4u, co, a40, a41, a42, a43);
  put_row(base, r + 5u, co, a50, a51, a52, a53);
  put_row(base, r + 6u, co, a60, a61, a62, a63);
  put_row(base, r + 7u, co, a70, a71, a72, a73);
}
