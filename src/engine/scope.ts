import type { Tensor } from './tensor.js';

/**
 * tidy() scopes: every tensor made inside one is disposed at its end unless it is returned or
 * passed to keep(). This is how a training loop stays flat in memory without a garbage collector.
 */
const scopes: Set<Tensor>[] = [];
const kept = new WeakSet<Tensor>();

export function track(t: Tensor): void {
  if (scopes.length) scopes[scopes.length - 1].add(t);
}

/** Marks `t` to survive the tidy() scopes around it. */
export function keep<T extends Tensor>(t: T): T {
  kept.add(t);
  for (const s of scopes) s.delete(t);
  return t;
}

/** Tensors reachable from a value: a tensor, or arrays/objects of them. */
export function collectTensors(value: unknown, out: Set<Tensor>, isTensor: (v: unknown) => v is Tensor): void {
  if (isTensor(value)) out.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, out, isTensor);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out, isTensor);
  }
}

let tensorCheck: ((v: unknown) => v is Tensor) | null = null;
export function setTensorCheck(fn: (v: unknown) => v is Tensor): void {
  tensorCheck = fn;
}

/** Runs `fn` and disposes every tensor it made except those it returns (sync functions only). */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) if (!kept.has(t)) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) throw new Error('tidy() takes a synchronous function; await outside it');
  const out = new Set<Tensor>();
  if (tensorCheck) collectTensors(result, out, tensorCheck);
  for (const t of scope) if (!out.has(t) && !kept.has(t)) t.dispose();
  // Returned tensors belong to the enclosing scope now.
  if (scopes.length) for (const t of out) if (!t.isDisposed) scopes[scopes.length - 1].add(t);
  return result;
}

/** Disposes a tensor, or every tensor inside arrays/objects. */
export function dispose(value: unknown): void {
  if (!tensorCheck) return;
  const set = new Set<Tensor>();
  collectTensors(value, set, tensorCheck);
  for (const t of set) t.dispose();
}
