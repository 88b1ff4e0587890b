// conv2d.wgsl: the data movement that turns a 2-D convolution into matrix products
// (im2col), so that conv2d and both of its gradients run on the tuned matmul kernel.
//
// Layout: x is NHWC [n, h, w, cin]; the filter is HWIO, which read row-major is already the
// [kh*kw*cin, cout] matrix W. The patch matrix P is [n*oh*ow, kh*kw*cin], row m = (b, oy, ox),
// column k = (ky, kx, ci), so that
//   forward          y  = act(P · W + bias)           (matmul with the fused epilogue)
//   gradient of W    dW = Pᵀ · dy                      (matmul, A transposed)
//   gradient of x    dP = dy · Wᵀ, then dx = col2im(dP) (matmul, B transposed; then this file)
//
//   im2col  P[m, k] = x[b, oy*sh - pt + ky, ox*sw - pl + kx, ci], or 0 in the padding.
//   col2im  dx[b, iy, ix, ci] = sum over taps (ky, kx) whose window covers (iy, ix) of
//           dP[(b, oy, ox), (ky, kx, ci)]: a gather in a fixed order (deterministic, no atomics).
// Tiling: none; one invocation per element written, 64 per workgroup, grid folded to 2-D.
//!include common/index.wgsl

const WG: u32 = 64u;

struct Uniforms {
  n: u32, h: u32, w: u32, cin: u32,
  oh: u32, ow: u32, kh: u32, kw: u32,
  sh: u32, sw: u32, pt: u32, pl: u32,
  total: u32, _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG)
fn im2col(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.total) { return; }
  let kdim = u.kh * u.kw * u.cin;
  let m = i / kdim;
  let k = i % kdim;
  let ci = k % u.cin;
  let kx = (k / u.cin) % u.kw;
  let ky = k / (u.cin * u.kw);
  let ox = m % u.ow;
  let oy = (m / u.ow) % u.oh;
  let b = m / (u.ow * u.oh);
  let iy = i32(oy * u.sh + ky) - i32(u.pt);
  let ix = i32(ox * u.sw + kx) - i32(u.pl);
  var v = 0.0;
  if (iy >= 0 && iy < i32(u.h) && ix >= 0 && ix < i32(u.w)) {
    v = src[((b * u.h + u32(iy)) * u.w + u32(ix)) * u.cin + ci];
  }
  dst[i] = v;
}

@compute @workgroup_size(WG)
fn col2im(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.total) { return; }
  let ci = i % u.cin;
  let ix = (i / u.cin) % u.w;
  let iy = (i / (u.cin * u.w)) % u.h;
  let b = i / (u.cin * u.w * u.h);
  let kdim = u.kh * u.kw * u.cin;
  var acc = 0.0;
  for (var ky = 0u; ky < u.kh; ky++) {
    let ty = i32(iy + u.pt) - i32(ky);   // = oy * sh for the window that puts tap ky here
    if (ty < 0 || ty % i32(u.sh) != 0) { continue; }
    let oy = u32(ty) / u.sh;
    if (oy >= u.oh) { continue; }
    for (var kx = 0u; kx < u.kw; kx++) {
      let tx = i32(ix + u.pl) - i32(kx);
      if (tx < 0 || tx % i32(u.sw) != 0) { continue; }
      let ox = u32(tx) / u.sw;
      if (ox >= u.ow) { continue; }
      let m = (b * u.oh + oy) * u.ow + ox;
      acc += src[m * kdim + (ky * u.kw + kx) * u.cin + ci];
    }
  }
  dst[i] = acc;
}
