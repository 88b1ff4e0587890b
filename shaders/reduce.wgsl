// reduce.wgsl: sum / max / min of x over a set of axes, optionally split into chunks.
//
// Layout: the host merges adjacent dims that are all kept or all reduced, then describes the
// kept dims (keep_shape / keep_str, at most 8) and the reduced dims (red_shape / red_str, at
// most 8) by their strides into the row-major input. out[chunk * n_out + o] holds the result
// for output o over reduced positions [chunk * chunk_len, (chunk + 1) * chunk_len).
// Tiling: one invocation per (output, chunk) walks its positions serially in a fixed order, so
// results are deterministic run to run. A long reduction into few outputs (a bias gradient:
// 15,488 positions into 64 outputs) is split into chunks by the host so that enough
// invocations run; a second launch of this kernel then reduces the chunks. The innermost
// reduced dim is the hot loop and needs no division. `scale` multiplies each result (1/count
// turns a sum into a mean).
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
  count: u32,      // reduced positions in all
  chunk_len: u32,  // positions per chunk
  n_chunks: u32,
  _pad: u32,
  keep_shape: array<vec4<u32>, 2>,
  keep_str: array<vec4<u32>, 2>,
  red_shape: array<vec4<u32>, 2>,
  red_str: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn dim_at(a: array<vec4<u32>, 2>, k: u32) -> u32 { return a[k / 4u][k % 4u]; }

// Offset of the outer reduced position q (all reduced dims but the innermost).
fn outer_offset(q: u32) -> u32 {
  var off = 0u;
  var r = q;
  for (var d = i32(u.red_rank) - 2; d >= 0; d--) {
    let k = u32(d);
    let dim = dim_at(u.red_shape, k);
    off += (r % dim) * dim_at(u.red_str, k);
    r /= dim;
  }
  return off;
}

fn combine(acc: f32, v: f32) -> f32 {
  if (OP == MAX) { return max(acc, v); }
  if (OP == MIN) { return min(acc, v); }
  return acc + v;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear_index(gid, nwg, WG);
  if (t >= u.n_out * u.n_chunks) { return; }
  let o = t % u.n_out;
  let chunk = t / u.n_out;
  var base = 0u;
  var rest = o;
  for (var d = i32(u.keep_rank) - 1; d >= 0; d--) {
    let k = u32(d);
    let dim = dim_at(u.keep_shape, k);
    base += (rest % dim) * dim_at(u.keep_str, k);
    rest /= dim;
  }
  let inner_n = dim_at(u.red_shape, u.red_rank - 1u);
  let inner_s = dim_at(u.red_str, u.red_rank - 1u);
  let r0 = chunk * u.chunk_len;
  let r1 = min(r0 + u.chunk_len, u.count);

  // max/min start from the chunk's first element (chunks are never empty), which avoids an
  // infinity constant that WGSL's const-evaluation rejects.
  var q = r0 / inner_n;
  var j = r0 % inner_n;
  var off = base + outer_offset(q);
  var acc = 0.0;
  if (OP != SUM) { acc = x[off + j * inner_s]; }
  var r = r0;
  while (r < r1) {
    let stop = min(inner_n, j + (r1 - r));
    // Four positions per loop step (each loop step costs SwiftShader its bookkeeping), taken in
    // the same order as one at a time: the same result, bit for bit.
    var jj = j;
    for (; jj + 4u <= stop; jj += 4u) {
      let p = off + jj * inner_s;
      acc = combine(combine(combine(combine(acc, x[p]), x[p + inner_s]), x[p + 2u * inner_s]), x[p + 3u * inner_s]);
    }
    for (; jj < stop; jj++) {
      acc = combine(acc, x[off + jj * inner_s]);
    }
    r += stop - j;
    j = 0u;
    q += 1u;
    off = base + outer_offset(q);
  }
  out[chunk * u.n_out + o] = acc * u.scale;
}
