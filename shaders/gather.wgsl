// gather.wgsl: gather along one axis, and its gradient (a deterministic scatter-add).
//
// Layout: the host views x as [outer, axis_len, inner] and the output as [outer, count, inner]
// (count = number of indices), all row-major:
//   gather:      out[o, j, k] = x[o, indices[j], k]   (0 where indices[j] is outside [0, axis_len))
//   gather_grad: dx[o, r, k]  = sum over j with indices[j] == r of dy[o, j, k]
// An index outside the axis reads nothing: gather writes 0 and gather_grad ignores it, so a bad
// index held in a GPU tensor can never read or write out of bounds. (Indices given as numbers
// are checked on the host, which throws instead.)
// gather moves raw u32 bits, so float32 and int32 tensors share it; gather_grad sums float32.
// gather_grad has no atomics: one invocation per dx element scans all `count` indices in order,
// so its sums repeat exactly run to run. That costs dx.size * count index reads, fine for the
// embedding-sized lookups this engine does.
// Bindings are shared by both entry points: src = x or dy, dst = out or dx.
// Tiling: none; one invocation per output element, 64 per workgroup, grid folded to 2-D.
//!include common/index.wgsl

const WG: u32 = 64u;

struct Uniforms {
  n: u32, // invocations: out elements (gather) or dx elements (gather_grad)
  axis_len: u32,
  count: u32,
  inner: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read> indices: array<i32>;
@group(0) @binding(3) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(WG)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let k = i % u.inner;
  let t = i / u.inner;
  let j = t % u.count;
  let o = t / u.count;
  let r = indices[j];
  if (r < 0 || u32(r) >= u.axis_len) {
    dst[i] = 0u; // the bit pattern of 0.0 and of int 0
    return;
  }
  dst[i] = src[(o * u.axis_len + u32(r)) * u.inner + k];
}

@compute @workgroup_size(WG)
fn gather_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let k = i % u.inner;
  let t = i / u.inner;
  let r = i32(t % u.axis_len);
  let o = t / u.axis_len;
  let row = o * u.count;
  var acc = 0.0;
  for (var j = 0u; j < u.count; j++) {
    if (indices[j] == r) { acc += bitcast<f32>(src[(row + j) * u.inner + k]); }
  }
  dst[i] = bitcast<u32>(acc);
}
