/**
 * One harness for every op (after tinygrad's helper_test_op): seeded inputs; forward compared
 * with TensorFlow.js; the gradient of sum(w * f(x)) (w seeded) compared with tfjs's gradient of
 * the same; and, for small cases, central finite differences through `gradcheck`.
 */
import { expect } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { gradcheck, grads, mul, sum, tidy, tensor, type Tensor } from '../../src/index.js';
import { expectAllClose } from './allclose.js';
import { seeded, tfRef } from './reference.js';
import { Random } from '../../src/engine/random.js';

export interface CheckOpCase {
  /** Shapes of the inputs. */
  shapes: number[][];
  /** Our op applied to the inputs. */
  ours: (...xs: Tensor[]) => Tensor;
  /** The same op in TensorFlow.js. */
  ref: (tf: typeof tfjs, ...xs: tfjs.Tensor[]) => tfjs.Tensor;
  seed?: number;
  /** Input value range (default [-1, 1)). Keep positive for log/sqrt. */
  range?: [number, number];
  /** Forward tolerance vs tfjs (default atol = rtol = 1e-5: plain float32 rounding). */
  fwd?: { atol: number; rtol: number };
  /** Gradient tolerance vs tfjs (default 1e-4 / 1e-4). */
  grad?: { atol: number; rtol: number };
  /** Inputs that take no gradient (indices); skip their gradient checks. */
  noGradInputs?: number[];
  /** Run finite differences too (default true; turn off only for large shapes). */
  finiteDifferences?: boolean;
  /** Finite-difference options. */
  fd?: { h?: number; atol?: number; rtol?: number; maxPerInput?: number };
  /** Custom input values (else seeded uniform). */
  values?: Float32Array[];
  /** Distinct values spaced 0.05 apart (shuffled), so that a finite-difference step never
   * crosses a max/min tie. */
  distinct?: boolean;
  /** Compare gradients with tfjs (default true). Off where tfjs's own gradient is wrong; the
   * case then says why and still runs finite differences. */
  refGrad?: boolean;
}

/** Input k's values sit on a 0.05 grid shifted by 0.025 * (k % 2), so that values of two
 * inputs never come within 0.025 of each other either. */
function distinctValues(n: number, seed: number, k: number): Float32Array {
  const v = Array.from({ length: n }, (_, i) => (i - Math.floor(n / 2)) * 0.05 + 0.025 * (k % 2));
  new Random(seed).shuffle(v);
  return Float32Array.from(v);
}

export async function checkOp(c: CheckOpCase): Promise<void> {
  const tf = await tfRef();
  const seed = c.seed ?? 1;
  const [lo, hi] = c.range ?? [-1, 1];
  const values =
    c.values ??
    c.shapes.map((s, i) =>
      c.distinct ? distinctValues(s.reduce((a, b) => a * b, 1), seed + 101 * i, i) : seeded(s, seed + 101 * i, lo, hi),
    );
  const xs = c.shapes.map((s, i) => tensor(values[i], s));
  const refXs = c.shapes.map((s, i) => tf.tensor(values[i], s));

  // Forward.
  const y = c.ours(...xs);
  const refY = c.ref(tf, ...refXs);
  expect([...y.shape], 'output shape').toEqual(refY.shape);
  const fwd = c.fwd ?? { atol: 1e-5, rtol: 1e-5 };
  expectAllClose(await y.data(), await refY.data(), { ...fwd, what: 'forward' });

  // Gradients vs tfjs, through a seeded weighting of the outputs.
  const w = seeded([...refY.shape], seed + 999);
  const wOurs = tensor(w, y.shape);
  const wRef = tf.tensor(w, refY.shape);
  const skip = new Set(c.noGradInputs ?? []);
  const idx = c.shapes.map((_, i) => i).filter((i) => !skip.has(i));
  if (idx.length) {
    const ours = tidy(() =>
      grads((...sub: Tensor[]) => {
        const all = xs.map((x, i) => (idx.includes(i) ? sub[idx.indexOf(i)] : x));
        return sum(mul(c.ours(...all), wOurs));
      })(idx.map((i) => xs[i])),
    );
    const refGrads = c.refGrad === false ? [] : tf.grads((...sub: tfjs.Tensor[]) => {
      const all = refXs.map((x, i) => (idx.includes(i) ? sub[idx.indexOf(i)] : x));
      return tf.sum(tf.mul(c.ref(tf, ...all), wRef));
    })(idx.map((i) => refXs[i]));
    const gt = c.grad ?? { atol: 1e-4, rtol: 1e-4 };
    for (let k = 0; k < refGrads.length; k++) {
      expect([...ours[k].shape], `gradient ${idx[k]} shape`).toEqual(refGrads[k].shape);
      expectAllClose(await ours[k].data(), await refGrads[k].data(), { ...gt, what: `gradient of input ${idx[k]} vs tfjs` });
    }
    for (const g of ours) g.dispose();
    // Finite differences.
    if (c.finiteDifferences !== false) {
      const fd = c.fd ?? {};
      const r = await gradcheck(
        (...sub: Tensor[]) => c.ours(...xs.map((x, i) => (idx.includes(i) ? sub[idx.indexOf(i)] : x))),
        idx.map((i) => xs[i]),
        fd,
      );
      expect(r.ok, `finite differences: worst ${JSON.stringify(r.worst)}`).toBe(true);
    }
  }
  for (const t of [...xs, y, wOurs]) t.dispose();
  tf.dispose([...refXs, refY, wRef]);
}
