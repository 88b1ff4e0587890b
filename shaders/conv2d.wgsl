// conv2d.wgsl: 2-D convolution (NHWC input, HWIO filter) and its two gradients, written as
// plain direct loops: the simple, obviously-correct form that the tests pin down.
//
//   forward          y[n,oy,ox,co]  = act(bias[co] + sum_{ky,kx,ci} x[n, oy*sh-pt+ky, ox*sw-pl+kx, ci] * w[ky,kx,ci,co])
//   backprop_input   dx[n,iy,ix,ci] = sum_{ky,kx,co} dy[n,oy,ox,co] * w[ky,kx,ci,co]  where iy = oy*sh-pt+ky, ix = ox*sw-pl+kx
//   backprop_filter  dw[ky,kx,ci,co] = sum_{n,oy,ox} x[n, oy*sh-pt+ky, ox*sw-pl+kx, ci] * dy[n,oy,ox,co]
//
// Tiling: none; one invocation per output element, 64 per workgroup, grid folded to 2-D.
// Out-of-image taps (padding) are skipped. Each sum runs in a fixed order (deterministic).
//!include common/index.wgsl

override HAS_BIAS: bool = false;
override RELU: bool = false;
const WG: u32 = 64u;

struct Uniforms {
  n: u32, h: u32, w: u32, cin: u32,
  oh: u32, ow: u32, cout: u32, total: u32,
  kh: u32, kw: u32, sh: u32, sw: u32,
  pt: u32, pl: u32, _p0: u32, _p1: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> a: array<f32>;      // x (forward, filter grad) or dy (input grad)
@group(0) @binding(2) var<storage, read> b: array<f32>;      // w (forward, input grad) or dy (filter grad)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.total) { return; }
  let co = i % u.cout;
  let ox = (i / u.cout) % u.ow;
  let oy = (i / (u.cout * u.ow)) % u.oh;
  let n = i / (u.cout * u.ow * u.oh);
  var acc = 0.0;
  if (HAS_BIAS) { acc = bias[co]; }
  for (var ky = 0u; ky < u.kh; ky++) {
    let iy = i32(oy * u.sh + ky) - i32(u.pt);
    if (iy < 0 || iy >= i32(u.h)) { continue; }
    for (var kx = 0u; kx < u.kw; kx++) {
      let ix = i32(ox * u.sw + kx) - i32(u.pl);
      if (ix < 0 || ix >= i32(u.w)) { continue; }
      let xo = ((n * u.h + u32(iy)) * u.w + u32(ix)) * u.cin;
      let wo = (ky * u.kw + kx) * u.cin * u.cout + co;
      for (var ci = 0u; ci < u.cin; ci++) {
        acc += a[xo + ci] * b[wo + ci * u.cout];
      }
    }
  }
  if (RELU) { acc = max(acc, 0.0); }
  out[i] = acc;
}

@compute @workgroup_size(WG)
fn backprop_input(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.total) { return; }
  let ci = i % u.cin;
  let ix = (i / u.cin) % u.w;
  let iy = (i / (u.cin * u.w)) % u.h;
  let n = i / (u.cin * u.w * u.h);
  var acc = 0.0;
  for (var ky = 0u; ky < u.kh; ky++) {
    let ty = i32(iy + u.pt) - i32(ky);        // = oy * sh
    if (ty < 0 || ty % i32(u.sh) != 0) { continue; }
    let oy = u32(ty) / u.sh;
    if (oy >= u.oh) { continue; }
    for (var kx = 0u; kx < u.kw; kx++) {
      let tx = i32(ix + u.pl) - i32(kx);
      if (tx < 0 || tx % i32(u.sw) != 0) { continue; }
      let ox = u32(tx) / u.sw;
      if (ox >= u.ow) { continue; }
      let dyo = ((n * u.oh + oy) * u.ow + ox) * u.cout;
      let wo = ((ky * u.kw + kx) * u.cin + ci) * u.cout;
      for (var co = 0u; co < u.cout; co++) {
        acc += a[dyo + co] * b[wo + co];
      }
    }
  }
  out[i] = acc;
}

@compute @workgroup_size(WG)
fn backprop_filter(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.total) { return; }
  let co = i % u.cout;
  let ci = (i / u.cout) % u.cin;
  let kx = (i / (u.cout * u.cin)) % u.kw;
  let ky = i / (u.cout * u.cin * u.kw);
  var acc = 0.0;
  for (var n = 0u; n < u.n; n++) {
    for (var oy = 0u; oy < u.oh; oy++) {
      let iy = i32(oy * u.sh + ky) - i32(u.pt);
      if (iy < 0 || iy >= i32(u.h)) { continue; }
      for (var ox = 0u; ox < u.ow; ox++) {
        let ix = i32(ox * u.sw + kx) - i32(u.pl);
        if (ix < 0 || ix >= i32(u.w)) { continue; }
        acc += a[((n * u.h + u32(iy)) * u.w + u32(ix)) * u.cin + ci] * b[((n * u.oh + oy) * u.ow + ox) * u.cout + co];
      }
    }
  }
  out[i] = acc;
}
