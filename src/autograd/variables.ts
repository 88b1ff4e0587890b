/** A registry of live variables, so that variableGrads() without a list can find them. */
import type { Variable } from '../engine/tensor.js';

const registry = new Set<Variable>();

export function registerVariable(v: Variable): void {
  registry.add(v);
}

export function unregisterVariable(v: Variable): void {
  registry.delete(v);
}

export function liveVariables(): Variable[] {
  for (const v of registry) if (v.isDisposed) registry.delete(v);
  return [...registry];
}
