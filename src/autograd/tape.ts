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
import { findNonFinite, NumericsError, type NumericsSite } from '../engine/numerics.js';

/**
 * Gradients for each input of an op (null where an input takes none, e.g. integer indices).
 * `needs[k]` is false where input k leads to none of the tensors being differentiated (the
 * images fed to a first conv layer, labels): a rule may return null there and skip the work.
 */
export type BackwardFn = (dy: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

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
/** The op whose backward rule is running (for the debug checker's messages). */
let backwardOf: string | null = null;

// ---- Debug numerics -------------------------------------------------------------------------
// A readback cannot be awaited inside an op (ops are synchronous), so each check is a readback
// in flight, numbered in op order. A fault is the failed check with the lowest number; it is
// reported once every earlier check has come back, so the op named is the first one whose
// output went bad, even if readbacks complete out of order.
let debugChecks = false;
let debugStep = 0;
let checkSeq = 0;
const inFlight = new Map<number, Promise<void>>();
let fault: { seq: number; error: Error } | null = null;
/** Checks numbered below this were issued before the last reported fault: their faults are
 * its consequences, not news. */
let ignoreBelow = 0;
/** Storage already checked since the last setDebugStep: views and inputs made by checked ops
 * are not read again. Reset every step, because optimizers update weights in place. */
let checked = new WeakSet<object>();

/**
 * Debug mode: every op's float32 output (and every input no checked op made: weights, data) is
 * read back and checked for NaN/Inf. The first bad value becomes a NumericsError naming the op,
 * the step and the input shapes; `checkNumerics()` throws it, and so does the next op once it
 * is known. Slow: one readback per op. Intended for hunting a NaN, not for training runs.
 */
export function setDebugNumerics(on: boolean): void {
  debugChecks = on;
}

/** Labels the debug checker's reports with a training step (and re-checks weights once per step). */
export function setDebugStep(step: number): void {
  debugStep = step;
  checked = new WeakSet<object>();
}

/** Waits for the debug checks issued so far; throws the first NaN/Inf found (once). */
export async function checkNumerics(): Promise<void> {
  while (inFlight.size) await Promise.all([...inFlight.values()]);
  throwFault();
}

function throwFault(): void {
  if (!fault) return;
  const e = fault.error;
  fault = null;
  ignoreBelow = checkSeq;
  throw e;
}

/** The fault, if every check issued before it has come back (so no earlier op can be worse). */
function settledFault(): boolean {
  if (!fault) return false;
  const first = inFlight.keys().next();
  return first.done || first.value > fault.seq;
}

function recordFault(seq: number, error: Error): void {
  if (seq < ignoreBelow) return;
  if (!fault || seq < fault.seq) fault = { seq, error };
}

function scheduleCheck(t: Tensor, site: NumericsSite): void {
  if (t.dtype !== 'float32' || t.size === 0) return;
  const storage = t.storage;
  if (checked.has(storage)) return;
  checked.add(storage);
  const seq = checkSeq++;
  let read: Promise<ArrayBuffer>;
  try {
    read = backend().read(t.buffer, t.size * 4);
  } catch (e) {
    // A lost device refuses at once; the op itself already ran, so report it, don't throw here.
    read = Promise.reject(e);
  }
  const p = read
    .then(
      (raw) => {
        const bad = findNonFinite(new Float32Array(raw));
        if (bad) recordFault(seq, numericsError(site, t, bad));
      },
      (e: Error) => recordFault(seq, e), // e.g. DeviceLostError: reported by checkNumerics
    )
    .finally(() => inFlight.delete(seq));
  inFlight.set(seq, p);
}

function numericsError(site: NumericsSite, t: Tensor, bad: { index: number; value: number; count: number }): NumericsError {
  const opName = site.backwardOf ? `op '${site.op}' in the backward pass of '${site.backwardOf}'` : `op '${site.op}'`;
  const where = `${bad.value} at flat index ${bad.index} of [${t.shape.join(', ')}]${bad.count > 1 ? ` (${bad.count} of ${t.size} values)` : ''}`;
  const inputs = site.inputs.length ? site.inputs.join('; ') : 'none';
  const head =
    site.input === null
      ? `numerics: ${opName} produced ${where} at step ${site.step}; its inputs (all finite): ${inputs}`
      : `numerics: input ${site.input} of ${opName} holds ${where} at step ${site.step}, before the op ran: ` +
        `${site.inputs[site.input]} came from outside the ops checked this step (a weight, optimizer state or input data), ` +
        'so look at where its values came from';
  return new NumericsError(head, opName, bad.value, bad.index, bad.count, site);
}

function debugCheck(op: string, inputs: readonly Tensor[], y: Tensor): void {
  const site = (input: number | null): NumericsSite => ({
    op,
    backwardOf,
    step: debugStep,
    inputs: inputs.map((t) => t.describe()),
    inputShapes: inputs.map((t) => [...t.shape]),
    input,
  });
  // Inputs first: their check numbers come before the output's, so a bad weight is reported
  // as the weight, not as the op that passed its NaN on.
  inputs.forEach((t, k) => scheduleCheck(t, site(k)));
  scheduleCheck(y, site(null));
}

/**
 * Defines an op: `impl` runs the forward kernel(s) and returns the value with its backward rule.
 * Backward rules are written with ops themselves, so every op's gradient reuses checked kernels.
 */
export function defineOp<A extends unknown[]>(name: string, impl: (...args: A) => OpResult, inputsOf: (...args: A) => Tensor[]) {
  OP_NAMES.add(name);
  return (...args: A): Tensor => {
    if (debugChecks && settledFault()) throwFault();
    const inputs = inputsOf(...args);
    for (const t of inputs) {
      if (t.isDisposed) throw new Error(`${name}: input ${t.describe()} was disposed`);
      // Throws if t belongs to a device that has been replaced, before impl makes anything
      // that the failure would leak.
      void t.buffer;
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
    if (debugChecks) debugCheck(name, inputs, result.value);
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
    // The tensors that depend on some x (the tape is in forward order, so one pass finds them
    // all): only their gradients are computed and passed on.
    const wanted = new Set(xs.map((x) => x.id));
    for (const node of myTape) if (node.inputs.some((t) => wanted.has(t.id))) wanted.add(node.output.id);
    const grads = new Map<number, Tensor>();
    grads.set(value.id, dy ?? ones(value.shape));
    noGradDepth++;
    try {
      for (let i = myTape.length - 1; i >= 0; i--) {
        const node = myTape[i];
        const g = grads.get(node.output.id);
        if (!g || !wanted.has(node.output.id)) continue;
        const needs = node.inputs.map((t) => wanted.has(t.id));
        backwardOf = node.op;
        let gin: (Tensor | null)[];
        try {
          gin = node.backward(g, needs);
        } finally {
          backwardOf = null;
        }
        node.inputs.forEach((inp, k) => {
          const gi = gin[k];
          if (!gi || !needs[k]) return;
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
