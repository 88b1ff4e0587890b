/**
 * Reverse-mode autograd over a tape. Every op is made with `defineOp`, which runs the forward
 * kernel and, only while a gradient is being taken, records how to send gradients back to its
 * inputs. Inference therefore pays nothing for autograd. Backward walks the tape in reverse
 * (a topological order by construction), accumulating (+) the gradient of each tensor before
 * passing it on, as micrograd and tinygrad do.
 */
import { Tensor, Variable } from '../engine/tensor.js';
import { tidy } from '../engine/scope.js';
import { backend } from '../engine/device.js';

/** Gradients for each input of an op (null where an input takes none, e.g. integer indices). */
export type BackwardFn = (dy: Tensor) => (Tensor | null)[];

interface TapeNode {
  op: string;
  inputs: readonly Tensor[];
  output: Tensor;
  backward: BackwardFn;
}

export interface OpResult {
  value: Tensor;
  backward: BackwardFn;
  /** Tensors made only for `backward` (max-pool's argmax): disposed at once when no gradient
   * is being recorded, so that inference outside tidy() does not leak them. */
  saved?: Tensor[];
}

/** Every op the engine defines, by name (for the debug checker and for docs). */
export const OP_NAMES = new Set<string>();

let tape: TapeNode[] | null = null;
let noGradDepth = 0;
let debugChecks = false;
let debugStep = 0;
const pendingChecks: Promise<void>[] = [];

/**
 * Debug mode: every op's output is read back and checked for NaN/Inf; the first bad value
 * rejects `checkNumerics()` with the op, the step and the input shapes. Slow: one readback per op.
 */
export function setDebugNumerics(on: boolean): void {
  debugChecks = on;
}

/** Labels the debug checker's reports with a training step. */
export function setDebugStep(step: number): void {
  debugStep = step;
}

/** Waits for the debug checks issued so far; throws the first NaN/Inf found. */
export async function checkNumerics(): Promise<void> {
  const all = pendingChecks.splice(0);
  await Promise.all(all);
}

function scheduleCheck(op: string, inputs: readonly Tensor[], y: Tensor): void {
  const shapes = inputs.map((t) => `[${t.shape.join(', ')}]`).join(', ');
  const step = debugStep;
  const buf = backend().pool.take(Math.max(4, y.size * 4));
  backend().copy(y.buffer, buf, y.size * 4);
  pendingChecks.push(
    backend()
      .read(buf, y.size * 4)
      .then((raw) => {
        backend().releaseBuffer(buf);
        const v = new Float32Array(raw);
        for (let i = 0; i < v.length; i++) {
          if (!Number.isFinite(v[i])) {
            throw new Error(`numerics: op '${op}' produced ${v[i]} at index ${i} (step ${step}, inputs ${shapes})`);
          }
        }
      }),
  );
}

/**
 * Defines an op: `impl` runs the forward kernel(s) and returns the value with its backward rule.
 * Backward rules are written with ops themselves, so every op's gradient reuses checked kernels.
 */
export function defineOp<A extends unknown[]>(name: string, impl: (...args: A) => OpResult, inputsOf: (...args: A) => Tensor[]) {
  OP_NAMES.add(name);
  return (...args: A): Tensor => {
    const inputs = inputsOf(...args);
    for (const t of inputs) {
      if (t.isDisposed) throw new Error(`${name}: input ${t.describe()} was disposed`);
    }
    const recording = tape !== null && noGradDepth === 0;
    let result: OpResult;
    if (recording) {
      // Ops inside the forward rule are not recorded: this node's backward covers them.
      const saved = tape;
      tape = null;
      try {
        result = impl(...args);
      } finally {
        tape = saved;
      }
      tape!.push({ op: name, inputs, output: result.value, backward: result.backward });
    } else {
      noGradDepth++;
      try {
        result = impl(...args);
      } finally {
        noGradDepth--;
      }
      for (const t of result.saved ?? []) t.dispose();
    }
    if (debugChecks && result.value.dtype === 'float32') scheduleCheck(name, inputs, result.value);
    return result.value;
  };
}

/** Runs `fn` without recording gradients (inference). */
export function noGrad<T>(fn: () => T): T {
  noGradDepth++;
  try {
    return fn();
  } finally {
    noGradDepth--;
  }
}

/**
 * Runs `f` with a tape and returns its value and d(sum(dy * f))/dx for each x. All
 * intermediates are disposed; the value and the gradients survive. `add` sums gradients.
 */
export function gradientsOf(
  f: () => Tensor,
  xs: readonly Tensor[],
  dy: Tensor | undefined,
  add: (a: Tensor, b: Tensor) => Tensor,
  ones: (shape: readonly number[]) => Tensor,
  allowUnconnected: boolean,
): { value: Tensor; grads: (Tensor | null)[] } {
  if (tape !== null) throw new Error('nested gradients (higher-order derivatives) are not supported');
  return tidy(() => {
    const myTape: TapeNode[] = [];
    tape = myTape;
    let value: Tensor;
    try {
      value = f();
    } finally {
      tape = null;
    }
    if (!(value instanceof Tensor)) throw new Error('the function passed to a gradient must return a Tensor');
    if (dy && (dy.shape.length !== value.shape.length || dy.shape.some((d, i) => d !== value.shape[i]))) {
      throw new Error(`gradient: dy has shape [${dy.shape.join(', ')}] but f returned shape [${value.shape.join(', ')}]`);
    }
    const grads = new Map<number, Tensor>();
    grads.set(value.id, dy ?? ones(value.shape));
    noGradDepth++;
    try {
      for (let i = myTape.length - 1; i >= 0; i--) {
        const node = myTape[i];
        const g = grads.get(node.output.id);
        if (!g) continue;
        const gin = node.backward(g);
        node.inputs.forEach((inp, k) => {
          const gi = gin[k];
          if (!gi) return;
          if (gi.shape.length !== inp.shape.length || gi.shape.some((d, j) => d !== inp.shape[j])) {
            throw new Error(`internal: gradient of ${node.op} input ${k} has shape [${gi.shape}] for input [${inp.shape}]`);
          }
          const prev = grads.get(inp.id);
          grads.set(inp.id, prev ? add(prev, gi) : gi);
        });
      }
    } finally {
      noGradDepth--;
    }
    const out = xs.map((x) => {
      const g = grads.get(x.id);
      if (!g && !allowUnconnected) {
        throw new Error(
          `cannot compute the gradient with respect to ${x.describe()}: it does not lead to the result. ` +
            'Make sure the function uses it.',
        );
      }
      return g ?? null;
    });
    // Hand out one tensor per gradient: two inputs can share a gradient tensor (add's dy goes
    // to both), and a gradient can be dy itself. A view shares storage without a copy, and
    // disposing one view leaves the others intact. tidy() disposes everything else made here.
    return { value, grads: out.map((g) => (g ? g.viewAs(g.shape) : null)) };
  });
}

export function isVariable(t: unknown): t is Variable {
  return t instanceof Variable;
}
