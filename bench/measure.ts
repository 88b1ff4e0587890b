/**
 * Times one kernel (or the few launches that make one call) two ways in the same runs:
 *   - GPU time per call from per-launch timestamp queries (`profile`): the kernel alone, with
 *     no submit or wait in it;
 *   - wall time per call: submit, run and wait, as a caller sees it.
 * Each is the median over the runs. The number of runs is capped by a time budget, so that a
 * slow kernel (seconds per call on a software adapter) cannot stretch the benchmark.
 * Browser-safe: no node imports.
 */
import { backend, profile, tidy } from '../src/index.js';
import { median } from './stats.js';

export interface KernelTiming {
  /** Launches one call makes. */
  launches: number;
  runs: number;
  gpuMs: number | null;
  wallMs: number;
}

/**
 * `launch` encodes one call (its outputs are freed by a tidy around it). A warm-up call builds
 * the pipelines and fills the buffer pool, a second estimates the time; then up to `maxRuns`
 * calls, as many as fit in `budgetMs` (at least one).
 */
export async function timeKernel(launch: () => void, maxRuns: number, budgetMs: number): Promise<KernelTiming> {
  const b = backend();
  const call = () => void tidy(() => launch());
  // A first call compiles the pipelines (on SwiftShader up to ~10 s for the large conv
  // blocks): it must not size the timed runs, or a 5 s budget would leave one sample.
  call();
  await b.sync();
  const before = b.dispatchCount;
  const t0 = performance.now();
  call();
  await b.sync();
  const estimate = performance.now() - t0;
  const launches = b.dispatchCount - before;
  const runs = Math.max(1, Math.min(maxRuns, Math.floor(budgetMs / Math.max(estimate, 1e-3))));

  const wall: number[] = [];
  const p = await profile(async () => {
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      call();
      await b.sync();
      wall.push(performance.now() - t);
    }
  });
  let gpuMs: number | null = null;
  if (p.timing === 'gpu-timestamps' && p.launches.length === runs * launches) {
    const perCall: number[] = [];
    for (let r = 0; r < runs; r++) {
      let ns = 0;
      for (let j = 0; j < launches; j++) ns += p.launches[r * launches + j].gpuNs ?? 0;
      perCall.push(ns / 1e6);
    }
    gpuMs = median(perCall);
  }
  return { launches, runs, gpuMs, wallMs: median(wall) };
}
