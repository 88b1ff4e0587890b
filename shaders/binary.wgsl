// binary.wgsl: out[i] = op(a[ia], b[ib]) with NumPy broadcasting.
//
// Layout: a, b and out are row-major float32 arrays. out has `rank` dims (at most 8);
// a_str / b_str give, for each out dim, the stride into a / b, 0 where that operand
// is broadcast along the dim. When both operands already have out's shape the host sets
// BROADCAST = false and the index arithmetic disappears (the common, bandwidth-bound case).
// Tiling: none; one invocation per output element, 64 per workgroup, grid folded to 2-D.
// OP is an override constant, so each op compiles to its own branch-free pipeline.
//!include common/index.wgsl

override OP: u32 = 0u;
override BROADCAST: bool = true;
const WG: u32 = 64u;

const ADD: u32 = 0u;
const SUB: u32 = 1u;
const MUL: u32 = 2u;
const DIV: u32 = 3u;
const MAXIMUM: u32 = 4u;
const MINIMUM: u32 = 5u;
const GREATER: u32 = 6u;   // 1.0 where a > b, else 0.0
const EQUAL: u32 = 7u;     // 1.0 where a == b, else 0.0
const RELU_GRAD: u32 = 8u; // a * (b > 0): gradient of relu(b) for upstream a
const SQUARED_DIFF: u32 = 9u;
const POW: u32 = 10u;
const GREATER_EQUAL: u32 = 11u;

struct Uniforms {
  n: u32,
  rank: u32,
  _pad0: u32,
  _pad1: u32,
  shape: array<vec4<u32>, 2>,
  a_str: array<vec4<u32>, 2>,
  b_str: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn apply(x: f32, y: f32) -> f32 {
  if (OP == ADD) { return x + y; }
  if (OP == SUB) { return x - y; }
  if (OP == MUL) { return x * y; }
  if (OP == DIV) { return x / y; }
  if (OP == MAXIMUM) { return max(x, y); }
  if (OP == MINIMUM) { return min(x, y); }
  if (OP == GREATER) { return select(0.0, 1.0, x > y); }
  if (OP == EQUAL) { return select(0.0, 1.0, x == y); }
  if (OP == RELU_GRAD) { return select(0.0, x, y > 0.0); }
  if (OP == SQUARED_DIFF) { return (x - y) * (x - y); }
  if (OP == POW) { return pow(x, y); }
  if (OP == GREATER_EQUAL) { return select(0.0, 1.0, x >= y); }
  return 0.0;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  if (!BROADCAST) {
    out[i] = apply(a[i], b[i]);
    return;
  }
  var rest = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(u.rank) - 1; d >= 0; d--) {
    let k = u32(d);
    let dim = u.shape[k / 4u][k % 4u];
    let c = rest % dim;
    rest = rest / dim;
    ia += c * u.a_str[k / 4u][k % 4u];
    ib += c * u.b_str[k / 4u][k % 4u];
  }
  out[i] = apply(a[ia], b[ib]);
}
