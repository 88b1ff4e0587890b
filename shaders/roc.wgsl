// roc.wgsl: for each cut c_t, how many "same" pairs and how many "different" pairs have a
// distance strictly below it: the accept counts of a verifier that says "same" when d < c_t.
// Every point of a ROC curve, the EER, and FAR / FRR / accuracy at a threshold follow from
// these counts and the class totals (src/siamese/roc.ts).
//
// Layout: distances [n] f32; labels [n] i32 (1 same, 0 different; checked on the host);
// cuts [t] f32 (any order); counts [t, 2] as u32: counts[2t] = same pairs with d < c_t,
// counts[2t + 1] = different pairs with d < c_t.
//
// Why the result is exact: the counts are integers, and each one is a sum of 0/1 terms, so
// the order in which an invocation adds them cannot change it; every comparison is between two
// float32 values, which IEEE makes exact. The host turns a threshold τ (a float64, e.g. a
// midpoint between two distances) into the cut ceil_f32(τ), the smallest float32 ≥ τ, for
// which d < τ ⟺ d < cut holds for every float32 d. Denormals, which a GPU may flush to zero,
// are mapped to 0 or to the smallest normal on the host before upload, where the same
// equivalence still holds. So the counts equal what a CPU computes on the same float32 values.
//
// Tiling: each invocation owns 4 consecutive cuts as one vec4 and scans all n pairs once,
// comparing each distance with the 4 cuts at a time (vec4 compare and select: on a software
// GPU this saves the index arithmetic of 4 separate scans). No workgroup memory and no
// barriers: the n distances stay in the CPU/GPU cache that every invocation reads through.
// Work is n · t comparisons (the brief allows it: n is a few thousand validation pairs).
// 64 invocations per workgroup, grid folded to 2-D for long launches.
//!include common/index.wgsl

const WG: u32 = 64u;

struct Uniforms {
  n: u32,
  cuts: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> distances: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read> cuts: array<f32>;
@group(0) @binding(4) var<storage, read_write> counts: array<u32>;

// The cut at index i, clamped to the last one so that a partial group of 4 reads in bounds
// (its extra lanes are counted but never stored).
fn cut_at(i: u32) -> f32 {
  return cuts[min(i, u.cuts - 1u)];
}

@compute @workgroup_size(WG)
fn count_below(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = linear_index(gid, nwg, WG);
  let first = g * 4u;
  if (first >= u.cuts) { return; }
  let c = vec4<f32>(cut_at(first), cut_at(first + 1u), cut_at(first + 2u), cut_at(first + 3u));
  var same = vec4<u32>(0u);
  var accepted = vec4<u32>(0u);
  for (var i = 0u; i < u.n; i++) {
    let below = select(vec4<u32>(0u), vec4<u32>(1u), vec4<f32>(distances[i]) < c);
    accepted += below;
    same += below * u32(labels[i] == 1);
  }
  for (var k = 0u; k < 4u; k++) {
    if (first + k < u.cuts) {
      counts[2u * (first + k)] = same[k];
      counts[2u * (first + k) + 1u] = accepted[k] - same[k];
    }
  }
}
