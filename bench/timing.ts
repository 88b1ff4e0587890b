/**
 * Honest timing for benchmarks: warm-up, then the median of repeated runs, each bracketed by
 * `await sync()` so that the GPU is idle at the start and finished at the end (KERNELS.md).
 */
import { backend } from '../src/index.js';

export interface Timing {
  medianMs: number;
  minMs: number;
  runs: number;
}

export async function timeIt(fn: () => void | Promise<void>, { warmup = 2, runs = 7 } = {}): Promise<Timing> {
  const b = backend();
  for (let i = 0; i < warmup; i++) {
    await fn();
    await b.sync();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await b.sync();
    const t0 = performance.now();
    await fn();
    await b.sync();
    times.push(performance.now() - t0);
  }
  times.sort((a, c) => a - c);
  return { medianMs: times[Math.floor(times.length / 2)], minMs: times[0], runs };
}

export const gflops = (flops: number, ms: number): number => flops / (ms * 1e6);
