// peak_fma.wgsl: measures the adapter's float32 multiply-add throughput (bench/ only).
//
// Each invocation runs 8 independent vec4 multiply-add chains for `iters` rounds (8 chains
// hide one chain's latency; vec4 fills SIMD lanes), then writes one float so the compiler
// cannot drop the work. FLOPs = invocations * iters * 8 chains * 4 lanes * 2.
//!include common/index.wgsl

override WG: u32 = 64u;

struct Uniforms {
  n: u32,
  iters: u32,
  seed: f32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> sink: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  let s = u.seed + f32(i) * 1e-7;
  let m = vec4<f32>(0.9999, 1.0001, 0.9998, 1.0002);
  let c = vec4<f32>(1e-4, -1e-4, 2e-4, -2e-4);
  var a0 = vec4<f32>(s); var a1 = a0 + 0.1; var a2 = a0 + 0.2; var a3 = a0 + 0.3;
  var a4 = a0 + 0.4; var a5 = a0 + 0.5; var a6 = a0 + 0.6; var a7 = a0 + 0.7;
  for (var k = 0u; k < u.iters; k++) {
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
  }
  let r = (a0 + a1) + (a2 + a3) + (a4 + a5) + (a6 + a7);
  if (i < u.n) { sink[i] = r.x + r.y + r.z + r.w; }
}
