// fill.wgsl: out[i] = value for every i < n. One invocation per element, grid folded to 2-D.
//!include common/index.wgsl

const WG: u32 = 64u;

struct Uniforms {
  n: u32,
  value: f32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i < u.n) { out[i] = u.value; }
}
