// topk.wgsl: the k smallest values of each row, sorted ascending, with their column indices;
// and the gradient of those values.
//
// Layout: x is [rows, cols] row-major; values and indices are [rows, k]; dx is [rows, cols].
//  * k_smallest: one invocation per row scans the row once, left to right, keeping the k best
//    seen so far in a small sorted list (insertion: shift the larger ones down a slot). A value
//    enters only if it is strictly smaller than the current k-th, and shifts past only strictly
//    larger ones, so among equal values the lower column index comes first: the result is
//    deterministic, the same as a stable sort by value. k ≤ MAX_K (32): the list is a private
//    array, which a software GPU may keep in memory rather than registers; for the small k of
//    a search that costs little next to reading the row.
//    NaN compares false both ways: a row holding NaN gets an unspecified order (checked on the
//    host, not here; WGSL lets compilers assume no NaN).
//  * k_smallest_grad: dx[r, c] = Σ_t dy[r, t] where indices[r, t] == c, one invocation per dx
//    element scanning its row's k indices (no atomics, so the sums repeat exactly).
// Tiling: none; 64 invocations per workgroup, grid folded to 2-D for long launches.
//!include common/index.wgsl

const WG: u32 = 64u;
const MAX_K: u32 = 32u;

struct Uniforms {
  rows: u32,
  cols: u32,
  k: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> values: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<i32>;

@compute @workgroup_size(WG)
fn k_smallest(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = linear_index(gid, nwg, WG);
  if (r >= u.rows) { return; }
  var best_v: array<f32, MAX_K>;
  var best_i: array<i32, MAX_K>;
  var filled = 0u;
  let base = r * u.cols;
  for (var j = 0u; j < u.cols; j++) {
    let v = x[base + j];
    var p = filled;
    if (filled == u.k) {
      if (!(v < best_v[u.k - 1u])) { continue; }
      p = u.k - 1u; // the current k-th drops out
    } else {
      filled++;
    }
    while (p > 0u && best_v[p - 1u] > v) {
      best_v[p] = best_v[p - 1u];
      best_i[p] = best_i[p - 1u];
      p--;
    }
    best_v[p] = v;
    best_i[p] = i32(j);
  }
  let o = r * u.k;
  for (var t = 0u; t < u.k; t++) {
    values[o + t] = best_v[t];
    indices[o + t] = best_i[t];
  }
}

@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> chosen: array<i32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(WG)
fn k_smallest_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.rows * u.cols) { return; }
  let r = i / u.cols;
  let c = i32(i % u.cols);
  var acc = 0.0;
  for (var t = 0u; t < u.k; t++) {
    if (chosen[r * u.k + t] == c) { acc += dy[r * u.k + t]; }
  }
  dx[i] = acc;
}
