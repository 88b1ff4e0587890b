/**
 * Dispatchers for shaders/adam.wgsl: in-place Adam and SGD updates, one launch per parameter.
 * The optimizer classes in src/nn call these; nothing here records gradients.
 */
import { backend } from '../engine/device.js';
import { Uniforms } from '../engine/uniforms.js';
import type { Tensor } from '../engine/tensor.js';
import { cover } from './grid.js';

export interface AdamHyperparams {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 for the first update (tfjs's iterations + 1). */
  step: number;
}

const show = (s: readonly number[]): string => `[${s.join(', ')}]`;

function checkOperands(op: string, param: Tensor, others: [string, Tensor][]): void {
  if (param.dtype !== 'float32') throw new Error(`${op}: the parameter must be float32, got ${param.dtype}`);
  for (const [name, t] of others) {
    if (t.dtype !== 'float32') throw new Error(`${op}: ${name} must be float32, got ${t.dtype}`);
    if (t.size !== param.size || t.rank !== param.rank || t.shape.some((d, i) => d !== param.shape[i])) {
      throw new Error(`${op}: ${name} has shape ${show(t.shape)} but the parameter has ${show(param.shape)}`);
    }
    // The kernel writes the parameter (and m, v) while reading the others: WebGPU forbids a
    // buffer bound both writable and again in the same launch.
    if (t.buffer === param.buffer) throw new Error(`${op}: ${name} shares its storage with the parameter`);
  }
}

function checkFinite(op: string, name: string, x: number): void {
  if (!Number.isFinite(x)) throw new Error(`${op}: ${name} must be a finite number, got ${x}`);
}

/**
 * β^t as tfjs computes it: a float32 variable that starts at β and is multiplied by β after
 * every step, so it carries one float32 rounding per step. Continuing from the last step asked
 * for keeps this O(1) per call in a training loop.
 */
const powers = new Map<number, { t: number; value: number }>();
export function float32Power(beta: number, t: number): number {
  const b = Math.fround(beta);
  let c = powers.get(beta);
  if (!c || c.t > t) c = { t: 1, value: b };
  let { t: k, value } = c;
  while (k < t) {
    value = Math.fround(value * b);
    k++;
  }
  if (powers.size > 64) powers.clear();
  powers.set(beta, { t: k, value });
  return value;
}

/**
 * One Adam step, in place: m, v and param are updated by a single kernel launch, with exactly
 * tfjs's AdamOptimizer formula (see shaders/adam.wgsl; ε is added to sqrt(v̂), not Keras's way).
 */
export function adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, hp: AdamHyperparams): void {
  const op = 'adamUpdate';
  checkOperands(op, param, [['grad', grad], ['m', m], ['v', v]]);
  if (m.buffer === v.buffer) throw new Error(`${op}: m and v share their storage`);
  if (!Number.isInteger(hp.step) || hp.step < 1) throw new Error(`${op}: step must be an integer >= 1, got ${hp.step}`);
  checkFinite(op, 'lr', hp.lr);
  checkFinite(op, 'epsilon', hp.epsilon);
  for (const [k, b] of [['beta1', hp.beta1], ['beta2', hp.beta2]] as const) {
    if (!(b >= 0 && b < 1)) throw new Error(`${op}: ${k} must be in [0, 1), got ${b}`);
  }
  const n = param.size;
  if (n === 0) return;
  // tfjs: scalar(1 - β) is rounded to float32 once; 1 - β^t is a float32 subtraction.
  const u = new Uniforms()
    .u32(n, hp.step)
    .f32(hp.lr, hp.beta1, hp.beta2, 1 - hp.beta1, 1 - hp.beta2, hp.epsilon)
    .f32(Math.fround(1 - float32Power(hp.beta1, hp.step)), Math.fround(1 - float32Power(hp.beta2, hp.step)))
    .u32(0, 0);
  backend().dispatch({
    shader: 'adam',
    entry: 'adam',
    uniforms: u.bytes(),
    buffers: [param.buffer, grad.buffer, m.buffer, v.buffer],
    workgroups: cover(n),
    flops: 14 * n,
    bytes: 28 * n,
  });
}

/** One SGD step, in place: param ← grad·(−lr) + param, as tfjs's SGDOptimizer. */
export function sgdUpdate(param: Tensor, grad: Tensor, lr: number): void {
  const op = 'sgdUpdate';
  checkOperands(op, param, [['grad', grad]]);
  checkFinite(op, 'lr', lr);
  const n = param.size;
  if (n === 0) return;
  // The same Uniforms struct as adam (only n and lr are read).
  const u = new Uniforms().u32(n, 0).f32(lr, 0, 0, 0, 0, 0, 0, 0).u32(0, 0);
  backend().dispatch({
    shader: 'adam',
    entry: 'sgd',
    uniforms: u.bytes(),
    buffers: [param.buffer, grad.buffer],
    workgroups: cover(n),
    flops: 2 * n,
    bytes: 12 * n,
  });
}
