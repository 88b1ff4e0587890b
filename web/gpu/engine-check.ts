/**
 * A small, real computation on the engine that the page runs at start-up and shows, so that a
 * user (and the end-to-end test) can see the same kernels working in this browser: a dense
 * layer with ReLU (matrix product as broadcast multiply + sum) and the row-wise Euclidean
 * distances a Siamese network compares embeddings with.
 *
 * The inputs are exact small binary fractions, so Node and the browser start from identical
 * float32 values; the e2e test runs this same function in Node and compares.
 */
import * as ws from '../../src/index.js';

export const CHECK_DIMS = { rows: 8, inner: 16, cols: 4, pairs: 6, embed: 32 } as const;

/** Deterministic inputs: multiples of 1/8 in [-1.375, 1.375], exact in float32. */
export function engineCheckInputs(): { x: Float32Array; w: Float32Array; b: Float32Array; p: Float32Array; q: Float32Array } {
  const { rows, inner, cols, pairs, embed } = CHECK_DIMS;
  const make = (n: number, a: number, c: number): Float32Array => Float32Array.from({ length: n }, (_, i) => (((i * a + c) % 23) - 11) / 8);
  return {
    x: make(rows * inner, 37, 5),
    w: make(inner * cols, 17, 3),
    b: make(cols, 7, 1),
    p: make(pairs * embed, 29, 11),
    q: make(pairs * embed, 13, 2),
  };
}

export interface EngineCheckResult {
  /** relu(x·w + b), [rows, cols] row-major. */
  dense: number[];
  /** ||p_i − q_i|| for each of the `pairs` rows. */
  distances: number[];
  /** Wall-clock milliseconds for upload, kernels and readback. */
  ms: number;
}

/** Runs the check with the engine (call `await ready()` first). Leaves no tensors behind. */
export async function runEngineCheck(): Promise<EngineCheckResult> {
  const { rows, inner, cols, pairs, embed } = CHECK_DIMS;
  const inp = engineCheckInputs();
  const t0 = performance.now();
  const [dense, dist] = ws.tidy(() => {
    const x = ws.tensor(inp.x, [rows, inner, 1]);
    const w = ws.tensor(inp.w, [1, inner, cols]);
    const b = ws.tensor(inp.b, [cols]);
    const y = ws.relu(ws.add(ws.sum(ws.mul(x, w), 1), b));
    const p = ws.tensor(inp.p, [pairs, embed]);
    const q = ws.tensor(inp.q, [pairs, embed]);
    const d = ws.sqrt(ws.sum(ws.squaredDifference(p, q), 1));
    return [y, d];
  });
  try {
    const [dv, distv] = await Promise.all([dense.data(), dist.data()]);
    return { dense: Array.from(dv), distances: Array.from(distv), ms: performance.now() - t0 };
  } finally {
    ws.dispose([dense, dist]);
  }
}

/** The same numbers in float64 on the CPU, for the page to show how closely the GPU agrees. */
export function engineCheckOnCpu(): { dense: number[]; distances: number[] } {
  const { rows, inner, cols, pairs, embed } = CHECK_DIMS;
  const { x, w, b, p, q } = engineCheckInputs();
  const dense: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let s = b[c];
      for (let k = 0; k < inner; k++) s += x[r * inner + k] * w[k * cols + c];
      dense.push(Math.max(0, s));
    }
  }
  const distances: number[] = [];
  for (let i = 0; i < pairs; i++) {
    let s = 0;
    for (let k = 0; k < embed; k++) s += (p[i * embed + k] - q[i * embed + k]) ** 2;
    distances.push(Math.sqrt(s));
  }
  return { dense, distances };
}

/** Largest |gpu − cpu| over both outputs. */
export function maxDifference(gpu: { dense: number[]; distances: number[] }, cpu: { dense: number[]; distances: number[] }): number {
  let m = 0;
  gpu.dense.forEach((v, i) => (m = Math.max(m, Math.abs(v - cpu.dense[i]))));
  gpu.distances.forEach((v, i) => (m = Math.max(m, Math.abs(v - cpu.distances[i]))));
  return m;
}
