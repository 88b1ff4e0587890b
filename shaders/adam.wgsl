// adam.wgsl: in-place optimizer updates, one launch per parameter tensor.
//
//   adam: TensorFlow.js's AdamOptimizer, operation for operation (t = step, 1-based):
//     m ← m·β1 + g·(1 − β1)
//     v ← v·β2 + g²·(1 − β2)
//     θ ← (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε) · (−lr) + θ
//   (ε is added to the bias-corrected sqrt(v̂). Keras instead folds the corrections into the
//   step size, lr·sqrt(1 − β2^t)/(1 − β1^t), and adds ε to the uncorrected sqrt(v).)
//   The host computes 1 − β1, 1 − β2 and the corrections 1 − β^t in float32 the way tfjs does
//   (β^t as a running float32 product), so that the two agree step for step; step and lr are
//   uniforms, so a training loop never recompiles.
//   sgd: θ ← g·(−lr) + θ, as tfjs's SGDOptimizer.
//
// Layout: param, grad, m, v are flat float32 arrays of n elements; param, m and v are
// updated in place. Tiling: one invocation per element, 64 per workgroup, grid folded to 2-D.
//!include common/index.wgsl

const WG: u32 = 64u;

struct Uniforms {
  n: u32,
  step: u32,          // t, 1-based (informational: the corrections below are derived from it)
  lr: f32,
  beta1: f32,
  beta2: f32,
  one_minus_beta1: f32,
  one_minus_beta2: f32,
  epsilon: f32,
  correction1: f32,   // 1 − β1^t
  correction2: f32,   // 1 − β2^t
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(WG)
fn adam(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let g = grad[i];
  let m1 = m[i] * u.beta1 + g * u.one_minus_beta1;
  let v1 = v[i] * u.beta2 + (g * g) * u.one_minus_beta2;
  m[i] = m1;
  v[i] = v1;
  let m_hat = m1 / u.correction1;
  let v_hat = v1 / u.correction2;
  param[i] = (m_hat / (sqrt(v_hat) + u.epsilon)) * (-u.lr) + param[i];
}

@compute @workgroup_size(WG)
fn sgd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  param[i] = grad[i] * (-u.lr) + param[i];
}
