// reduce.wgsl: out[o] = reduce over r of x[base(o) + offset(r)] for sum, max and min.
//
// Layout: the host merges adjacent dims that are all kept or all reduced, then describes the
// kept dims (keep_shape / keep_str, at most 8) and reduced dims (red_shape / red_str, at most 8)
// by their strides into the row-major input. out is row-major over the kept dims.
// Tiling: one invocation per output element walks its reduction serially, in a fixed order,
// so results are deterministic run to run. The innermost reduced dim is the hot loop and needs
// no division; outer reduced dims are decoded once per inner run. `scale` multiplies the
// result (1/R turns sum into mean).
//!include common/index.wgsl

override OP: u32 = 0u;
const WG: u32 = 64u;
const SUM: u32 = 0u;
const MAX: u32 = 1u;
const MIN: u32 = 2u;

struct Uniforms {
  n_out: u32,
  keep_rank: u32,
  red_rank: u32,
  scale: f32,
  keep_shape: array<vec4<u32>, 2>,
  keep_str: array<vec4<u32>, 2>,
  red_shape: array<vec4<u32>, 2>,
  red_str: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn dim_at(a: array<vec4<u32>, 2>, k: u32) -> u32 { return a[k / 4u][k % 4u]; }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = linear_index(gid, nwg, WG);
  if (o >= u.n_out) { return; }
  var base = 0u;
  var rest = o;
  for (var d = i32(u.keep_rank) - 1; d >= 0; d--) {
    let k = u32(d);
    let dim = dim_at(u.keep_shape, k);
    base += (rest % dim) * dim_at(u.keep_str, k);
    rest /= dim;
  }
  let last = u.red_rank - 1u;
  let inner_n = dim_at(u.red_shape, last);
  let inner_s = dim_at(u.red_str, last);
  var outer_n = 1u;
  for (var k = 0u; k < last; k++) { outer_n *= dim_at(u.red_shape, k); }

  // max/min start from the first element (the host never reduces an empty set), which
  // avoids an infinity constant that WGSL's const-evaluation rejects.
  var acc = 0.0;
  if (OP != SUM) { acc = x[base]; }
  for (var q = 0u; q < outer_n; q++) {
    var off = base;
    var r = q;
    for (var d = i32(last) - 1; d >= 0; d--) {
      let k = u32(d);
      let dim = dim_at(u.red_shape, k);
      off += (r % dim) * dim_at(u.red_str, k);
      r /= dim;
    }
    for (var j = 0u; j < inner_n; j++) {
      let v = x[off + j * inner_s];
      if (OP == SUM) { acc += v; }
      if (OP == MAX) { acc = max(acc, v); }
      if (OP == MIN) { acc = min(acc, v); }
    }
  }
  out[o] = acc * u.scale;
}
