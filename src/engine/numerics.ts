/**
 * Checks for NaN and Inf on the host. WGSL lets a compiler assume that no NaN or Inf occurs
 * (so `min`, `max` and comparisons may misbehave on them inside a shader); the reliable place
 * to look is the CPU, after a readback. A trainer calls `assertFinite` on the loss it reads
 * back anyway, so a run that diverges stops with a message instead of training on garbage.
 */
import type { Tensor } from './tensor.js';

/** Where the debug checker (setDebugNumerics) found a bad value. */
export interface NumericsSite {
  /** The op whose output (or input, see `input`) was not finite. */
  op: string;
  /** Set when the op ran in the backward pass: the op whose gradient rule called it. */
  backwardOf: string | null;
  /** The step given to setDebugStep when the op ran. */
  step: number;
  /** The op's inputs, as `describe()` gives them: name, id, shape, dtype. */
  inputs: string[];
  inputShapes: number[][];
  /** Set when the bad value was already in this input of the op (a weight or outside data). */
  input: number | null;
}

/** A NaN or an Inf where a finite value was expected. */
export class NumericsError extends Error {
  constructor(
    message: string,
    /** What was checked: `loss at step 12`, or `op 'log'` for the debug checker. */
    readonly what: string,
    /** The first bad value (NaN, Infinity or -Infinity) and its flat index. */
    readonly value: number,
    readonly index: number,
    /** How many values were not finite. */
    readonly count: number,
    /** The debug checker's findings; null for assertFinite. */
    readonly site: NumericsSite | null = null,
  ) {
    super(message);
    this.name = 'NumericsError';
  }
}

/** The first non-finite value of `values` and how many there are; null when all are finite. */
export function findNonFinite(values: ArrayLike<number>): { index: number; value: number; count: number } | null {
  let first = -1;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // v - v is 0 for every finite v and NaN for NaN and ±Inf: one test for both.
    if (v - v !== 0) {
      if (first < 0) first = i;
      count++;
    }
  }
  return first < 0 ? null : { index: first, value: values[first], count };
}

const HINT =
  'training has probably diverged: lower the learning rate, check the data for NaN/Inf, ' +
  'or call setDebugNumerics(true) to find the first op that made a non-finite value';

/**
 * Throws NumericsError when `values` hold a NaN or an Inf; `what` names them in the message
 * (e.g. `loss at step 120`). For values already on the CPU.
 */
export function assertFiniteValues(values: ArrayLike<number>, what: string, shape?: readonly number[]): void {
  const bad = findNonFinite(values);
  if (!bad) return;
  const where = shape && shape.length > 0 ? ` at flat index ${bad.index} of [${shape.join(', ')}]` : values.length > 1 ? ` at index ${bad.index}` : '';
  const more = bad.count > 1 ? ` (${bad.count} of ${values.length} values are not finite)` : '';
  throw new NumericsError(`${what} is ${bad.value}${where}${more}; ${HINT}`, what, bad.value, bad.index, bad.count);
}

/**
 * Reads `t` back and throws NumericsError if any value is NaN or ±Inf; otherwise returns the
 * values, so a trainer that reads its loss anyway pays nothing extra:
 *
 *     const [loss] = await assertFinite(lossTensor, `loss at step ${step}`);
 */
export async function assertFinite(t: Tensor, what: string): Promise<Float32Array | Int32Array> {
  if (typeof what !== 'string' || !what) throw new Error('assertFinite: name what is checked, e.g. `loss at step 12`');
  const values = await t.data();
  // int32 values are always finite.
  if (t.dtype === 'float32') assertFiniteValues(values, what, t.shape);
  return values;
}
