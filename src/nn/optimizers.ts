/**
 * Adam and SGD. Each step is one fused kernel launch per parameter that updates the variable
 * (and Adam's moments) in place (src/kernels/adam.ts): no temporaries, no extra submits. These
 * classes are the only code in src/nn that calls kernels directly.
 */
import { fromArray, type Tensor, type Variable } from '../engine/tensor.js';
import { dispose, keep } from '../engine/scope.js';
import { zeros } from '../autograd/creation.js';
import { variableGrads } from '../autograd/gradients.js';
import { liveVariables } from '../autograd/variables.js';
import { adamUpdate, sgdUpdate } from '../kernels/adam.js';

/** Gradients by variable name (what `variableGrads` returns) or by variable. */
export type Gradients = Record<string, Tensor> | Map<Variable, Tensor>;

/** An optimizer's state for checkpoints: the step count and, for Adam, the moments by variable name. */
export interface OptimizerState {
  className: 'Adam' | 'SGD';
  /** Updates applied so far (Adam's bias correction uses step = iterations + 1 next). */
  iterations: number;
  /** Adam only: first (m) and second (v) moment of each variable, keyed by variable name. */
  moments: Record<string, { m: Float32Array; v: Float32Array }>;
}

export abstract class Optimizer {
  abstract readonly className: 'Adam' | 'SGD';
  /** Updates applied so far. */
  iterations = 0;

  constructor(public learningRate: number) {
    checkPositive(learningRate, 'learningRate', this.constructor.name);
  }

  /**
   * Applies one update to every variable that has a gradient. With a record of gradients by
   * name, `vars` says which variables the names refer to (default: every live variable).
   */
  applyGradients(grads: Gradients, vars?: Variable[]): void {
    const pairs = resolve(grads, vars, this.className);
    for (const [v, g] of pairs) {
      if (v.isDisposed) throw new Error(`${this.className}: variable ${v.describe()} was disposed`);
      if (g.shape.length !== v.shape.length || g.shape.some((d, i) => d !== v.shape[i])) {
        throw new Error(`${this.className}: gradient for '${v.name}' has shape [${g.shape.join(', ')}], variable has [${v.shape.join(', ')}]`);
      }
    }
    for (const [v, g] of pairs) this.update(v, g);
    this.iterations++;
  }

  /**
   * One training step: the gradients of the scalar `lossFn()` with respect to `varList`, then
   * an update. Returns the loss (the caller disposes it); the gradients are freed here.
   */
  minimize(lossFn: () => Tensor, varList: Variable[]): Tensor {
    const { value, grads } = variableGrads(lossFn, varList);
    try {
      this.applyGradients(grads, varList);
    } catch (e) {
      value.dispose();
      throw e;
    } finally {
      dispose(grads);
    }
    return value;
  }

  protected abstract update(v: Variable, g: Tensor): void;

  /** The state to store in a checkpoint (reads Adam's moments back from the GPU). */
  abstract getState(): Promise<OptimizerState>;

  /** Restores a state from `getState()`; moments attach to variables by name at their next update. */
  abstract setState(state: OptimizerState): void;

  /** Frees any state tensors. */
  dispose(): void {}

  protected checkState(state: OptimizerState): void {
    if (!state || state.className !== this.className) {
      throw new Error(`${this.className}.setState: state is for ${JSON.stringify(state?.className)}, not ${this.className}`);
    }
    if (!Number.isInteger(state.iterations) || state.iterations < 0) {
      throw new Error(`${this.className}.setState: iterations must be an integer >= 0, got ${state.iterations}`);
    }
  }
}

export interface AdamOptions {
  /** Default 0.001. */
  learningRate?: number;
  /** Decay of the first moment; default 0.9. */
  beta1?: number;
  /** Decay of the second moment; default 0.999. */
  beta2?: number;
  /** Added to sqrt(v̂); default 1e-7 (TensorFlow.js's and Keras's). */
  epsilon?: number;
}

/**
 * Adam (Kingma & Ba), as TensorFlow.js computes it: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * θ ← θ − lr · m̂ / (sqrt(v̂) + ε) with m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t), t = 1, 2, ...
 */
export class Adam extends Optimizer {
  readonly className = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private moments = new Map<Variable, { m: Tensor; v: Tensor }>();
  /** Moments from setState(), waiting for their variable's next update. */
  private pending = new Map<string, { m: Float32Array; v: Float32Array }>();

  constructor({ learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7 }: AdamOptions = {}) {
    super(learningRate);
    for (const [k, b] of [['beta1', beta1], ['beta2', beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new Error(`Adam: ${k} must be in [0, 1), got ${b}`);
    }
    checkPositive(epsilon, 'epsilon', 'Adam');
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
  }

  protected update(v: Variable, g: Tensor): void {
    let s = this.moments.get(v);
    if (!s) {
      const saved = this.pending.get(nameOf(v));
      if (saved && saved.m.length !== v.size) {
        throw new Error(`Adam: saved moments for '${v.name}' hold ${saved.m.length} values, the variable has ${v.size}`);
      }
      s = saved ? { m: fromArray(saved.m, v.shape), v: fromArray(saved.v, v.shape) } : { m: zeros(v.shape), v: zeros(v.shape) };
      // The moments live as long as the optimizer, also when the first step runs inside tidy().
      keep(s.m);
      keep(s.v);
      if (saved) this.pending.delete(nameOf(v));
      this.moments.set(v, s);
    }
    adamUpdate(v, g, s.m, s.v, {
      lr: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      step: this.iterations + 1,
    });
  }

  async getState(): Promise<OptimizerState> {
    const moments: OptimizerState['moments'] = {};
    for (const [variable, s] of this.moments) {
      if (variable.isDisposed) continue;
      const name = nameOf(variable);
      if (name in moments) throw new Error(`Adam.getState: two variables are named '${name}'; a checkpoint could not tell them apart`);
      const [m, v] = await Promise.all([s.m.data(), s.v.data()]);
      moments[name] = { m: m as Float32Array, v: v as Float32Array };
    }
    // Restored moments whose variables have not been updated since still belong to the state.
    for (const [name, s] of this.pending) if (!(name in moments)) moments[name] = { m: s.m.slice(), v: s.v.slice() };
    return { className: 'Adam', iterations: this.iterations, moments };
  }

  setState(state: OptimizerState): void {
    this.checkState(state);
    for (const [name, s] of Object.entries(state.moments ?? {})) {
      if (!(s?.m?.length >= 0) || s.m.length !== s.v?.length) {
        throw new Error(`Adam.setState: moments for '${name}' must be two arrays of equal length`);
      }
    }
    this.dispose();
    this.iterations = state.iterations;
    for (const [name, s] of Object.entries(state.moments ?? {})) {
      this.pending.set(name, { m: Float32Array.from(s.m), v: Float32Array.from(s.v) });
    }
  }

  override dispose(): void {
    for (const s of this.moments.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.moments.clear();
    this.pending.clear();
  }
}

/** Plain gradient descent: θ ← θ − lr · g. */
export class SGD extends Optimizer {
  readonly className = 'SGD';

  constructor({ learningRate }: { learningRate: number }) {
    super(learningRate);
  }

  protected update(v: Variable, g: Tensor): void {
    sgdUpdate(v, g, this.learningRate);
  }

  async getState(): Promise<OptimizerState> {
    return { className: 'SGD', iterations: this.iterations, moments: {} };
  }

  setState(state: OptimizerState): void {
    this.checkState(state);
    this.iterations = state.iterations;
  }
}

/** The name `variableGrads` files a variable's gradient under. */
function nameOf(v: Variable): string {
  return v.name ?? `variable_${v.id}`;
}

function checkPositive(x: number, what: string, op: string): void {
  if (typeof x !== 'number' || !(x > 0) || !Number.isFinite(x)) throw new Error(`${op}: ${what} must be a positive number, got ${x}`);
}

/** Pairs each gradient with its variable. */
function resolve(grads: Gradients, vars: Variable[] | undefined, op: string): [Variable, Tensor][] {
  if (grads instanceof Map) return [...grads.entries()];
  const pool = vars ?? liveVariables();
  const byName = new Map<string, Variable>();
  for (const v of pool) {
    const name = nameOf(v);
    if (byName.has(name) && byName.get(name) !== v) {
      throw new Error(`${op}: two variables are named '${name}'; pass gradients as a Map<Variable, Tensor> or give the variables distinct names`);
    }
    byName.set(name, v);
  }
  return Object.entries(grads).map(([name, g]) => {
    const v = byName.get(name);
    if (!v) throw new Error(`${op}: a gradient is named '${name}' but no variable ${vars ? 'in the list ' : ''}has that name`);
    return [v, g];
  });
}
