/**
 * Hand-made distance matrices for the mining tests: tests/toolkit-mining.test.ts works out which
 * triplets each strategy picks on HAND_WORKED; tests/train-mining.test.ts checks the GPU mask
 * loss against those same picks.
 */

/** A b×b symmetric matrix (zero diagonal), row-major, from its upper triangle as {'i,j': d}. */
export function sym(b: number, upper: Record<string, number>): number[] {
  const m = new Array(b * b).fill(0);
  for (const [k, v] of Object.entries(upper)) {
    const [i, j] = k.split(',').map(Number);
    m[i * b + j] = v;
    m[j * b + i] = v;
  }
  return m;
}

/** Batch of 4, labels 0 0 1 1: d(0,1)=.5 d(0,2)=.3 d(0,3)=.95 d(1,2)=1.2 d(1,3)=.6 d(2,3)=.4. */
export const HAND_WORKED = {
  labels: [0, 0, 1, 1],
  distances: sym(4, { '0,1': 0.5, '0,2': 0.3, '0,3': 0.95, '1,2': 1.2, '1,3': 0.6, '2,3': 0.4 }),
} as const;
