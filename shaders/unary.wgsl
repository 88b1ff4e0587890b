// unary.wgsl: out[i] = op(x[i]) (optionally with a scalar parameter alpha).
//
// Layout: x and out are float32 arrays of n elements. Tiling: none; one invocation per
// element, 64 per workgroup, grid folded to 2-D. OP is an override constant.
//!include common/index.wgsl

override OP: u32 = 0u;
const WG: u32 = 64u;

const NEG: u32 = 0u;
const SQUARE: u32 = 1u;
const SQRT: u32 = 2u;
const EXP: u32 = 3u;
const LOG: u32 = 4u;
const RELU: u32 = 5u;
const ABS: u32 = 6u;
const STEP: u32 = 7u;       // 1.0 where x > 0, else 0.0
const CLIP_MIN: u32 = 9u;   // max(x, alpha)
const RECIPROCAL: u32 = 10u;
const SIGN: u32 = 11u;
const COPY: u32 = 12u;

struct Uniforms {
  n: u32,
  alpha: f32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

// NaN and -Inf as values. A `let` keeps them out of const-expressions, where WGSL rejects
// non-finite results.
fn nan_f32() -> f32 {
  let bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}
fn neg_inf_f32() -> f32 {
  let bits = 0xff800000u;
  return bitcast<f32>(bits);
}

fn apply(v: f32) -> f32 {
  if (OP == NEG) { return -v; }
  if (OP == SQUARE) { return v * v; }
  if (OP == SQRT) { return sqrt(v); }
  if (OP == EXP) { return exp(v); }
  // WGSL leaves log outside x > 0 indeterminate: SwiftShader returns log|x| below 0, -88 at 0
  // and 89 for NaN. tfjs gives NaN, -Inf and NaN, and a NaN is what lets a bad value be
  // noticed downstream. NaN is tested on the bits: a compiler may assume v == v.
  if (OP == LOG) {
    if (v < 0.0 || (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u) { return nan_f32(); }
    return select(log(v), neg_inf_f32(), v == 0.0);
  }
  if (OP == RELU) { return max(v, 0.0); }
  if (OP == ABS) { return abs(v); }
  if (OP == STEP) { return select(0.0, 1.0, v > 0.0); }
  if (OP == CLIP_MIN) { return max(v, u.alpha); }
  if (OP == RECIPROCAL) { return 1.0 / v; }
  if (OP == SIGN) { return sign(v); }
  return v;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  out[i] = apply(x[i]);
}
