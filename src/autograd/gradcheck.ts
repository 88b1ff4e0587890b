/**
 * Finite-difference gradient checking, for people who write new ops.
 *
 * The analytic gradient of L = sum(w * f(x)) (w a fixed random weighting, so every output
 * counts) is compared with central differences (L(x + h) - L(x - h)) / 2h, each L computed
 * from f's float32 output summed in float64 on the CPU. In float32 the difference quotient
 * carries a rounding error of about eps32 * |L| / h, so keep cases small, h near 1e-2, and
 * inputs away from kinks (relu at 0, max-pool ties), as KERNELS.md explains.
 */
import type { Tensor } from '../engine/tensor.js';
import { fromArray } from '../engine/tensor.js';
import { tidy } from '../engine/scope.js';
import { Random } from '../engine/random.js';
import { grads } from './gradients.js';
import { mul, sum } from './ops.js';
import { noGrad } from './tape.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-2). */
  h?: number;
  /** Allowed |analytic - numeric| <= atol + rtol * |numeric| (defaults 1e-3, 1e-2). */
  atol?: number;
  rtol?: number;
  /** Check at most this many elements per input (spread evenly; default 64). */
  maxPerInput?: number;
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic - numeric| over the checked elements. */
  maxAbsError: number;
  /** Where the worst element was: input index, flat element index, both values. */
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
  checked: number;
}

export async function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): Promise<GradcheckResult> {
  const h = opts.h ?? 1e-2;
  const atol = opts.atol ?? 1e-3;
  const rtol = opts.rtol ?? 1e-2;
  const maxPer = opts.maxPerInput ?? 64;
  const rng = new Random(opts.seed ?? 7);

  const values = await Promise.all(inputs.map(async (t) => Float64Array.from(await t.data())));
  const probe = noGrad(() => tidy(() => f(...inputs)));
  const w = new Float32Array(probe.size).map(() => rng.uniform(-1, 1));
  const outShape = probe.shape;
  probe.dispose();
  const wT = fromArray(w, outShape);

  const analytic = await Promise.all(
    tidy(() => grads((...xs: Tensor[]) => sum(mul(f(...xs), wT)))(inputs)).map(async (g) => {
      const d = await g.data();
      g.dispose();
      return d;
    }),
  );

  const lossAt = async (k: number, vals: Float64Array): Promise<number> => {
    const xs = inputs.map((t, i) => (i === k ? fromArray(Float32Array.from(vals), t.shape) : t));
    const y = noGrad(() => f(...xs));
    const out = await y.data();
    y.dispose();
    xs[k].dispose();
    let acc = 0;
    for (let i = 0; i < out.length; i++) acc += w[i] * out[i];
    return acc;
  };

  let worst: GradcheckResult['worst'] = null;
  let maxAbs = 0;
  let ok = true;
  let checked = 0;
  for (let k = 0; k < inputs.length; k++) {
    const n = inputs[k].size;
    const step = Math.max(1, Math.floor(n / maxPer));
    for (let idx = 0; idx < n; idx += step) {
      const v = values[k].slice();
      const x0 = v[idx];
      // Perturb in float32 and divide by the step actually taken.
      const xp = Math.fround(x0 + h);
      const xm = Math.fround(x0 - h);
      v[idx] = xp;
      const lp = await lossAt(k, v);
      v[idx] = xm;
      const lm = await lossAt(k, v);
      const numeric = (lp - lm) / (xp - xm);
      const a = analytic[k][idx];
      const err = Math.abs(a - numeric);
      if (err > maxAbs) {
        maxAbs = err;
        worst = { input: k, index: idx, analytic: a, numeric };
      }
      if (!(err <= atol + rtol * Math.abs(numeric))) ok = false;
      checked++;
    }
  }
  wT.dispose();
  return { ok, maxAbsError: maxAbs, worst, checked };
}
