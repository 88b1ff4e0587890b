/**
 * TensorFlow.js (CPU backend, pure JavaScript) as the numerical reference. It is a dev
 * dependency used by tests and benchmarks only; the engine never imports it.
 */
import * as tfjs from '@tensorflow/tfjs';
import { Random } from '../../src/engine/random.js';
import { tensor, type Tensor } from '../../src/index.js';

let initialised = false;
export async function tfRef(): Promise<typeof tfjs> {
  if (!initialised) {
    await tfjs.setBackend('cpu');
    await tfjs.ready();
    initialised = true;
  }
  return tfjs;
}

/** Seeded values in [lo, hi), the same for ours and the reference. */
export function seeded(shape: number[], seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Random(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

/** The same data as an engine tensor and a tfjs tensor. */
export function pair(shape: number[], seed: number, lo = -1, hi = 1): { ours: Tensor; ref: tfjs.Tensor; values: Float32Array } {
  const values = seeded(shape, seed, lo, hi);
  return { ours: tensor(values, shape), ref: tfjs.tensor(values, shape), values };
}
