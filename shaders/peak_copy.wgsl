// peak_copy.wgsl: measures the adapter's memory bandwidth (bench/ only).
// dst[i] = src[i] over vec4s, one per invocation: bytes moved = 2 * 16 * n.
//!include common/index.wgsl

override WG: u32 = 64u;

struct Uniforms {
  n: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i < u.n) { dst[i] = src[i]; }
}
