/** tfjs's gradient functions, with tfjs's meanings, over the tape in tape.ts. */
import { Tensor, Variable } from '../engine/tensor.js';
import { gradientsOf } from './tape.js';
import { add } from './elementwise.js';
import { ones } from './creation.js';
import { liveVariables } from './variables.js';

type F1 = (x: Tensor) => Tensor;
type FN = (...xs: Tensor[]) => Tensor;

/** The gradients alone: frees f's value, which grad/grads do not return (unless it is an input). */
function withoutValue(r: { value: Tensor; grads: (Tensor | null)[] }, xs: readonly Tensor[]): (Tensor | null)[] {
  if (!xs.includes(r.value)) r.value.dispose();
  return r.grads;
}

/** `grad(f)(x, dy?)`: the gradient of f at x (times dy, ones by default). */
export function grad(f: F1): (x: Tensor, dy?: Tensor) => Tensor {
  return (x, dy) => withoutValue(gradientsOf(() => f(x), [x], dy, add, ones, false), [x])[0]!;
}

/** `grads(f)([x1, x2, ...], dy?)`: the gradients of f with respect to each argument. */
export function grads(f: FN): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  return (xs, dy) => withoutValue(gradientsOf(() => f(...xs), xs, dy, add, ones, false), xs) as Tensor[];
}

/** `valueAndGrad(f)(x, dy?)` → `{ value, grad }`. */
export function valueAndGrad(f: F1): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  return (x, dy) => {
    const r = gradientsOf(() => f(x), [x], dy, add, ones, false);
    return { value: r.value, grad: r.grads[0]! };
  };
}

/** `valueAndGrads(f)([x1, ...], dy?)` → `{ value, grads }`. */
export function valueAndGrads(f: FN): (xs: Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  return (xs, dy) => {
    const r = gradientsOf(() => f(...xs), xs, dy, add, ones, false);
    return { value: r.value, grads: r.grads as Tensor[] };
  };
}

/**
 * `variableGrads(f, varList?)` → `{ value, grads: { [name]: Tensor } }`: gradients of the scalar
 * `f()` with respect to the trainable variables (all live ones, or `varList`). Variables that
 * `f` does not use are left out, as in tfjs.
 */
export function variableGrads(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: Record<string, Tensor> } {
  const vars = (varList ?? liveVariables()).filter((v) => v.trainable);
  const r = gradientsOf(
    () => {
      const y = f();
      if (y.rank !== 0) throw new Error(`variableGrads: f must return a scalar, got shape [${y.shape.join(', ')}]`);
      return y;
    },
    vars,
    undefined,
    add,
    ones,
    true,
  );
  const out: Record<string, Tensor> = {};
  vars.forEach((v, i) => {
    const g = r.grads[i];
    if (g) out[v.name ?? `variable_${v.id}`] = g;
  });
  return { value: r.value, grads: out };
}
