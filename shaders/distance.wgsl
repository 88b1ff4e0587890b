// distance.wgsl: distances between embedding rows, row by row and all pairs, and the row-wise
// gradients.
//
// Conventions (EPS = 1e-7 in both, TensorFlow.js's float32 epsilon):
//   euclidean(a, b) = sqrt(max(Σ (a − b)², EPS))   Keras mnist_siamese's `euclidean_distance`
//                     with K.epsilon(): the floor keeps the gradient finite at zero distance
//                     (it is 0 where the floor is active).
//   cosine(a, b)    = Σ a·b / (|a|' · |b|'),  |x|' = sqrt(max(Σ x², EPS))   the convention of
//                     tfjs-layers' l2Normalize / cosineProximity (Keras's uses 1e-12).
//   pairwise cosine distance = 1 − cosine; squaredEuclidean = Σ (a − b)² with no floor.
//
// Layout: a is [n, dim] and b is [n, dim] (row-wise) or [m, dim] (pairwise), row-major.
// Entry points and tiling:
//  * row_distance: out[i] for i < n, one invocation per row looping over dim.
//  * row_distance_grad: ga[i, :], gb[i, :] for upstream dy[i]; one invocation per row, which
//    first recomputes the row's sums (so nothing but the inputs is kept from the forward pass),
//    then writes both gradient rows.
//  * pairwise: out[i, j] for all i < n, j < m as ONE kernel with no [n, m, dim] intermediate:
//    each invocation owns a 4 x 4 block of (i, j) and, per d, loads 4 values of a and 4 of b
//    and updates 4 NAMED vec4 accumulators (see matmul.wgsl for why named). Rows past the edge
//    are clamped for loading and skipped when storing. Workgroups of 8 x 8 cover 32 x 32.
//  * euclid_grad_scale: g'[i, j] = g[i, j] / (2 d[i, j]) where the floor is inactive, else 0,
//    from the squared distance s: the chain rule through sqrt(max(s, EPS)).
// METRIC is an override constant: 0 euclidean, 1 squaredEuclidean, 2 cosine.
//!include common/index.wgsl

override METRIC: u32 = 0u;
const EUCLIDEAN: u32 = 0u;
const SQUARED: u32 = 1u;
const COSINE: u32 = 2u;
const EPS: f32 = 1e-7;
const WG: u32 = 64u;

struct Uniforms {
  n: u32,
  m: u32,
  dim: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// ---- row-wise ----------------------------------------------------------------------------

// x: Σ (a − b)² for euclidean, Σ a·b for cosine; y, z: Σ a², Σ b² (cosine only).
fn row_sums(i: u32) -> vec3<f32> {
  var s = vec3<f32>(0.0);
  let base = i * u.dim;
  for (var d = 0u; d < u.dim; d++) {
    let x = a[base + d];
    let y = b[base + d];
    if (METRIC == COSINE) {
      s += vec3<f32>(x * y, x * x, y * y);
    } else {
      s.x += (x - y) * (x - y);
    }
  }
  return s;
}

fn norm_floor(sq: f32) -> f32 { return sqrt(max(sq, EPS)); }

@compute @workgroup_size(WG)
fn row_distance(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let s = row_sums(i);
  if (METRIC == COSINE) {
    out[i] = s.x / (norm_floor(s.y) * norm_floor(s.z));
  } else {
    out[i] = norm_floor(s.x);
  }
}

@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> ga: array<f32>;
@group(0) @binding(5) var<storage, read_write> gb: array<f32>;

@compute @workgroup_size(WG)
fn row_distance_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let s = row_sums(i);
  let base = i * u.dim;
  if (METRIC == COSINE) {
    // c = p / (na nb); dc/da = b / (na nb) − c · a / na² (the last term only where na's floor
    // is inactive, since the floored norm is then a constant); symmetrically for b.
    let na = norm_floor(s.y);
    let nb = norm_floor(s.z);
    let c = s.x / (na * nb);
    let g = dy[i];
    let cross = g / (na * nb);
    let self_a = select(0.0, g * c / (na * na), s.y > EPS);
    let self_b = select(0.0, g * c / (nb * nb), s.z > EPS);
    for (var d = 0u; d < u.dim; d++) {
      let x = a[base + d];
      let y = b[base + d];
      ga[base + d] = cross * y - self_a * x;
      gb[base + d] = cross * x - self_b * y;
    }
  } else {
    // d = sqrt(max(s, EPS)); dd/da = (a − b) / d where s > EPS, else 0.
    let coef = select(0.0, dy[i] / norm_floor(s.x), s.x > EPS);
    for (var d = 0u; d < u.dim; d++) {
      let g = coef * (a[base + d] - b[base + d]);
      ga[base + d] = g;
      gb[base + d] = -g;
    }
  }
}

// ---- all pairs ---------------------------------------------------------------------------

// Finishes one output from its accumulated sum and (cosine) the two squared norms.
fn pair_value(acc: f32, sa: f32, sb: f32) -> f32 {
  if (METRIC == COSINE) { return 1.0 - acc / (norm_floor(sa) * norm_floor(sb)); }
  if (METRIC == EUCLIDEAN) { return norm_floor(acc); }
  return acc;
}

fn store_pairs(i: u32, j0: u32, acc: vec4<f32>, sa: f32, sb: vec4<f32>) {
  if (i >= u.n) { return; }
  let o = i * u.m + j0;
  if (j0 < u.m) { out[o] = pair_value(acc.x, sa, sb.x); }
  if (j0 + 1u < u.m) { out[o + 1u] = pair_value(acc.y, sa, sb.y); }
  if (j0 + 2u < u.m) { out[o + 2u] = pair_value(acc.z, sa, sb.z); }
  if (j0 + 3u < u.m) { out[o + 3u] = pair_value(acc.w, sa, sb.w); }
}

// The term one coordinate adds to a pair's sum: a squared difference, or a product (cosine).
fn pair_term(x: f32, y: vec4<f32>) -> vec4<f32> {
  if (METRIC == COSINE) { return x * y; }
  let diff = y - x;
  return diff * diff;
}

@compute @workgroup_size(8, 8)
fn pairwise(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j0 = gid.x * 4u;
  let i0 = gid.y * 4u;
  if (i0 >= u.n || j0 >= u.m) { return; }
  let dim = u.dim;
  let ai0 = i0 * dim;
  let ai1 = min(i0 + 1u, u.n - 1u) * dim;
  let ai2 = min(i0 + 2u, u.n - 1u) * dim;
  let ai3 = min(i0 + 3u, u.n - 1u) * dim;
  let bj0 = j0 * dim;
  let bj1 = min(j0 + 1u, u.m - 1u) * dim;
  let bj2 = min(j0 + 2u, u.m - 1u) * dim;
  let bj3 = min(j0 + 3u, u.m - 1u) * dim;
  // acc<r>: pairs (i0 + r, j0 .. j0 + 3). sa: Σ a² of the 4 rows; sb: Σ b² of the 4 columns.
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var sa = vec4<f32>(0.0);
  var sb = vec4<f32>(0.0);
  for (var d = 0u; d < dim; d++) {
    let bv = vec4<f32>(b[bj0 + d], b[bj1 + d], b[bj2 + d], b[bj3 + d]);
    let av = vec4<f32>(a[ai0 + d], a[ai1 + d], a[ai2 + d], a[ai3 + d]);
    acc0 += pair_term(av.x, bv);
    acc1 += pair_term(av.y, bv);
    acc2 += pair_term(av.z, bv);
    acc3 += pair_term(av.w, bv);
    if (METRIC == COSINE) {
      sa += av * av;
      sb += bv * bv;
    }
  }
  store_pairs(i0, j0, acc0, sa.x, sb);
  store_pairs(i0 + 1u, j0, acc1, sa.y, sb);
  store_pairs(i0 + 2u, j0, acc2, sa.z, sb);
  store_pairs(i0 + 3u, j0, acc3, sa.w, sb);
}

// Here `a` holds the upstream gradient g and `b` the squared distances s, both [n, m].
@compute @workgroup_size(WG)
fn euclid_grad_scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = linear_index(gid, nwg, WG);
  if (k >= u.n * u.m) { return; }
  let s = b[k];
  out[k] = select(0.0, a[k] / (2.0 * norm_floor(s)), s > EPS);
}
