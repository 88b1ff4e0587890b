/**
 * Fuzzing against TensorFlow.js (CPU backend): a seeded generator draws random shapes, strides,
 * paddings and transposes for conv2d (and fusedConv2d), maxPool and matMul, and each case
 * compares our forward value and our gradients with tfjs's (checkOp: the gradient of
 * sum(w · f(x)) for seeded weights w). Cases are tiny so that 200+ of them run in seconds.
 *
 * Replay: every case is drawn from its own generator, seeded by (FUZZ_SEED, family, index), so
 * one case can be rerun alone. A failure's message starts with the recipe, e.g.
 *   FUZZ_SEED=20261128 FUZZ_CASE=conv2d:17 npx vitest run tests/fuzz.test.ts
 * FUZZ_SEED alone draws a whole new set of cases; FUZZ_COUNT=n draws n cases per family.
 *
 * Cases tfjs cannot do, and what is done instead:
 * - 'valid' padding with a window larger than the input: tfjs returns an empty tensor, we throw
 *   a clear error by design (errors.test.ts); the generator redraws the input size.
 * - matMul with a broadcast batch (a rank-2 operand, or a batch of 1, against a batch of B):
 *   tfjs's forward is right but its BatchMatMul gradient fails ("gradient of input 'b' has
 *   shape '3,5,2', which does not match the shape of the input '5,2'"). The reference
 *   broadcasts explicitly with tf.broadcastTo, whose gradient sums over the batch: the same
 *   function with a gradient tfjs can take.
 */
import { describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import * as ws from '../src/index.js';
import { checkOp, type CheckOpCase } from './helpers/check-op.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const COUNT = Number(process.env.FUZZ_COUNT ?? 0);
const ONLY = process.env.FUZZ_CASE ?? '';
if (!Number.isSafeInteger(SEED)) throw new Error(`FUZZ_SEED must be an integer, got ${process.env.FUZZ_SEED}`);

type Pad = 'valid' | 'same';
type Family = 'conv2d' | 'maxPool' | 'matMul';

/** The generator of case `index` of `family`: independent of every other case. */
function rngFor(family: Family, index: number): ws.Random {
  const tag = { conv2d: 1, maxPool: 2, matMul: 3 }[family];
  // Mix the three numbers so that neighbouring seeds do not give neighbouring streams.
  return new ws.Random((Math.imul(SEED ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(tag, 0xc2b2ae35) + Math.imul(index + 1, 0x27d4eb2f)) >>> 0);
}

/** An integer in [lo, hi]. */
const between = (r: ws.Random, lo: number, hi: number): number => lo + r.int(hi - lo + 1);
const pick = <T>(r: ws.Random, xs: readonly T[]): T => xs[r.int(xs.length)];

/** Output size along one dimension, as tfjs computes it. */
const outSize = (n: number, k: number, s: number, pad: Pad): number => (pad === 'same' ? Math.ceil(n / s) : Math.ceil((n - k + 1) / s));

// ---- Case generators --------------------------------------------------------------------------

interface ConvCase {
  x: number[];
  f: number[];
  strides: [number, number];
  pad: Pad;
  /** null: conv2d; otherwise fusedConv2d with a bias and this activation. */
  fused: 'linear' | 'relu' | null;
}

function convCase(r: ws.Random): ConvCase {
  const pad: Pad = pick(r, ['valid', 'same'] as const);
  const kh = between(r, 1, 5);
  const kw = between(r, 1, 5);
  // 'valid' needs the window to fit (see the header); 'same' takes any size, even 1x1.
  const h = between(r, pad === 'valid' ? kh : 1, 11);
  const w = between(r, pad === 'valid' ? kw : 1, 11);
  const x = [between(r, 1, 3), h, w, between(r, 1, 9)];
  const f = [kh, kw, x[3], between(r, 1, 9)];
  const strides: [number, number] = [between(r, 1, 3), between(r, 1, 3)];
  const fused = pick(r, [null, null, 'linear', 'relu'] as const);
  return { x, f, strides, pad, fused };
}

interface PoolCase {
  x: number[];
  size: [number, number];
  strides: [number, number];
  pad: Pad;
}

function poolCase(r: ws.Random): PoolCase {
  const pad: Pad = pick(r, ['valid', 'same'] as const);
  const size: [number, number] = [between(r, 1, 4), between(r, 1, 4)];
  const h = between(r, pad === 'valid' ? size[0] : 1, 12);
  const w = between(r, pad === 'valid' ? size[1] : 1, 12);
  return { x: [between(r, 1, 2), h, w, between(r, 1, 5)], size, strides: [between(r, 1, 3), between(r, 1, 3)], pad };
}

interface MatMulCase {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
  /** The batch the product has (1 for rank 2); operands of batch 1 or rank 2 are broadcast. */
  batch: number;
}

function matMulCase(r: ws.Random): MatMulCase {
  const [m, n, k] = [between(r, 1, 17), between(r, 1, 17), between(r, 1, 17)];
  const transposeA = r.int(2) === 1;
  const transposeB = r.int(2) === 1;
  const a2 = transposeA ? [k, m] : [m, k];
  const b2 = transposeB ? [n, k] : [k, n];
  // Batch layouts: none (both rank 2), both batched, or one operand broadcast (rank 2 or batch 1).
  const layout = pick(r, ['none', 'both', 'both', 'aRank2', 'bRank2', 'aBatch1', 'bBatch1'] as const);
  const batch = layout === 'none' ? 1 : between(r, 2, 3);
  const shapeOf = (s: number[], broadcast: 'rank2' | 'batch1' | null): number[] =>
    layout === 'none' || broadcast === 'rank2' ? s : broadcast === 'batch1' ? [1, ...s] : [batch, ...s];
  const a = shapeOf(a2, layout === 'aRank2' ? 'rank2' : layout === 'aBatch1' ? 'batch1' : null);
  const b = shapeOf(b2, layout === 'bRank2' ? 'rank2' : layout === 'bBatch1' ? 'batch1' : null);
  return { a, b, transposeA, transposeB, batch };
}

// ---- Tolerances -------------------------------------------------------------------------------
// Every value compared is a float32 sum of products of inputs and weights in [-1, 1). Summation
// order differs from tfjs's (which sums in float64 blocks on its CPU backend), so the difference
// is our rounding: a K-term sum rounds at most K times at 2^-24 of a partial sum, well under
// 2e-7·K for the K here (matmul.test.ts derives the bound). Each tolerance uses the longest sum
// behind the value: forward K = kh·kw·Cin (conv) or K (matMul); gradients sum over the batch and
// output positions too. 1e-5 is the floor (a few ulps of values near 1). A wrong tap, index or
// transpose moves a value by ~0.1, far above every tolerance here.
const dotTol = (len: number) => ({ atol: Math.max(1e-5, 2e-7 * len), rtol: 1e-5 });
// Max-pool's forward picks one input per window: exact (0). Its input gradient adds the weights
// of the windows an element wins: at most ceil(4/1)^2 = 16 terms of |w| < 1, 1e-6 covers their
// rounding. Inputs are distinct (0.05 apart), so no window has a tie to break differently.
const POOL_FWD = { atol: 0, rtol: 0 };
const POOL_GRAD = { atol: 1e-6, rtol: 1e-6 };

function convCheck(c: ConvCase): CheckOpCase {
  const [n, h, w] = c.x;
  const [kh, kw, cin, cout] = c.f;
  const oh = outSize(h, kh, c.strides[0], c.pad);
  const ow = outSize(w, kw, c.strides[1], c.pad);
  const gradLen = Math.max(n * oh * ow, kh * kw * cout);
  const shapes = c.fused ? [c.x, c.f, [cout]] : [c.x, c.f];
  const act = c.fused ?? 'linear';
  return {
    shapes,
    ours: (x, f, b) =>
      c.fused ? ws.fusedConv2d({ x, filter: f, strides: c.strides, pad: c.pad, bias: b, activation: act }) : ws.conv2d(x, f, c.strides, c.pad),
    ref: (tf, x, f, b) =>
      c.fused
        ? tf.fused.conv2d({ x: x as tfjs.Tensor4D, filter: f as tfjs.Tensor4D, strides: c.strides, pad: c.pad, bias: b, activation: act })
        : tf.conv2d(x as tfjs.Tensor4D, f as tfjs.Tensor4D, c.strides, c.pad),
    fwd: dotTol(kh * kw * cin),
    // The bias gradient sums n·oh·ow terms, within gradLen.
    grad: dotTol(gradLen),
    finiteDifferences: false,
  };
}

function poolCheck(c: PoolCase): CheckOpCase {
  return {
    shapes: [c.x],
    ours: (x) => ws.maxPool(x, c.size, c.strides, c.pad),
    ref: (tf, x) => tf.maxPool(x as tfjs.Tensor4D, c.size, c.strides, c.pad),
    distinct: true,
    fwd: POOL_FWD,
    grad: POOL_GRAD,
    finiteDifferences: false,
  };
}

function matMulCheck(c: MatMulCase): CheckOpCase {
  const rows = (s: number[]) => s[s.length - 2];
  const cols = (s: number[]) => s[s.length - 1];
  const k = c.transposeA ? rows(c.a) : cols(c.a);
  const m = c.transposeA ? cols(c.a) : rows(c.a);
  const n = c.transposeB ? rows(c.b) : cols(c.b);
  // Broadcast explicitly for tfjs (see the header): a batch-1 or rank-2 operand becomes [B, r, c].
  const full = (tf: typeof tfjs, t: tfjs.Tensor): tfjs.Tensor =>
    c.batch > 1 && (t.rank === 2 || t.shape[0] === 1) ? tf.broadcastTo(t, [c.batch, rows(t.shape), cols(t.shape)]) : t;
  return {
    shapes: [c.a, c.b],
    ours: (a, b) => ws.matMul(a, b, c.transposeA, c.transposeB),
    ref: (tf, a, b) => tf.matMul(full(tf, a) as tfjs.Tensor3D, full(tf, b) as tfjs.Tensor3D, c.transposeA, c.transposeB),
    fwd: dotTol(k),
    // dA sums over n (and the batch when A is broadcast), dB over m (likewise).
    grad: dotTol(c.batch * Math.max(m, n, k)),
    finiteDifferences: false,
  };
}

// ---- The cases --------------------------------------------------------------------------------

interface FuzzCase {
  family: Family;
  index: number;
  params: ConvCase | PoolCase | MatMulCase;
  check: CheckOpCase;
}

const PER_FAMILY: Record<Family, number> = { conv2d: COUNT || 90, maxPool: COUNT || 60, matMul: COUNT || 60 };

function drawCase(family: Family, index: number): FuzzCase {
  const r = rngFor(family, index);
  const seed = 1 + r.int(1_000_000); // the values checkOp draws for this case's inputs
  if (family === 'conv2d') {
    const p = convCase(r);
    return { family, index, params: p, check: { ...convCheck(p), seed } };
  }
  if (family === 'maxPool') {
    const p = poolCase(r);
    return { family, index, params: p, check: { ...poolCheck(p), seed } };
  }
  const p = matMulCase(r);
  return { family, index, params: p, check: { ...matMulCheck(p), seed } };
}

function selected(): FuzzCase[] {
  if (ONLY) {
    const m = /^(conv2d|maxPool|matMul):(\d+)$/.exec(ONLY);
    if (!m) throw new Error(`FUZZ_CASE must look like conv2d:17, maxPool:3 or matMul:0, got ${ONLY}`);
    return [drawCase(m[1] as Family, Number(m[2]))];
  }
  return (Object.keys(PER_FAMILY) as Family[]).flatMap((f) => Array.from({ length: PER_FAMILY[f] }, (_, i) => drawCase(f, i)));
}

const cases = selected();
const recipe = (c: FuzzCase) => `FUZZ_SEED=${SEED} FUZZ_CASE=${c.family}:${c.index} npx vitest run tests/fuzz.test.ts`;

describe(`fuzz vs tfjs (FUZZ_SEED=${SEED})`, () => {
  for (const c of cases) {
    it(`${c.family}:${c.index} ${JSON.stringify(c.params)}`, async () => {
      try {
        await checkOp(c.check);
      } catch (e) {
        const err = e as Error;
        err.message = `replay: ${recipe(c)}\ncase: ${JSON.stringify(c.params)} (input seed ${c.check.seed})\n${err.message}`;
        throw err;
      }
    });
  }

  it.runIf(!ONLY)('draws at least 200 cases that cover every option (skipped while FUZZ_CASE replays one case)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const conv = cases.filter((c) => c.family === 'conv2d').map((c) => c.params as ConvCase);
    const pool = cases.filter((c) => c.family === 'maxPool').map((c) => c.params as PoolCase);
    const mm = cases.filter((c) => c.family === 'matMul').map((c) => c.params as MatMulCase);
    // Every kernel size 1-5, stride 1-3, both paddings, channel counts 1 and 9, odd sizes.
    expect(new Set(conv.flatMap((c) => [c.f[0], c.f[1]]))).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(new Set(conv.flatMap((c) => c.strides))).toEqual(new Set([1, 2, 3]));
    expect(new Set(conv.map((c) => c.pad))).toEqual(new Set(['valid', 'same']));
    expect(new Set(conv.map((c) => c.fused))).toEqual(new Set([null, 'linear', 'relu']));
    for (const ch of [1, 9]) {
      expect(conv.some((c) => c.f[2] === ch)).toBe(true);
      expect(conv.some((c) => c.f[3] === ch)).toBe(true);
    }
    expect(conv.some((c) => c.x[1] % 2 === 1 && c.x[2] % 2 === 1)).toBe(true);
    expect(new Set(pool.flatMap((c) => c.size))).toEqual(new Set([1, 2, 3, 4]));
    expect(new Set(pool.flatMap((c) => c.strides))).toEqual(new Set([1, 2, 3]));
    expect(new Set(pool.map((c) => c.pad))).toEqual(new Set(['valid', 'same']));
    // Stride larger than the window (inputs no window reads: their gradient must be 0).
    expect(pool.some((c) => c.strides[0] > c.size[0])).toBe(true);
    expect(new Set(mm.map((c) => `${c.transposeA},${c.transposeB}`)).size).toBe(4);
    expect(mm.some((c) => c.a.length === 2 && c.b.length === 2)).toBe(true);
    expect(mm.some((c) => c.a.length === 3 && c.b.length === 3 && c.a[0] === c.b[0] && c.batch > 1)).toBe(true);
    // Broadcast batches (compared through tf.broadcastTo, see the header).
    expect(mm.some((c) => c.batch > 1 && (c.a.length === 2 || c.a[0] === 1))).toBe(true);
    expect(mm.some((c) => c.batch > 1 && (c.b.length === 2 || c.b[0] === 1))).toBe(true);
  });
});
