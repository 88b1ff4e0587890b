/**
 * Benchmark page for our engine in the browser: `window.benchOurs(options)` measures the
 * adapter's peak (our micro-kernels) and training throughput with the same code as Node
 * (bench/peak.ts, bench/our-step.ts). bench/chromium.ts calls it through puppeteer.
 */
import { ready } from '../../src/index.js';
import { measurePeak } from '../peak.js';
import { measureOurTraining } from '../our-step.js';

export interface OursOptions {
  pairs: number;
  warmup: number;
  steps: number;
  windows: number;
  budgetMs: number;
}

async function benchOurs(o: OursOptions) {
  const b = await ready();
  // The peak just before and just after the training run (the better of the two): the machine's
  // speed drifts, so the limit is the adapter's at the time of the run (bench/kernels.ts).
  const before = await measurePeak();
  const t = await measureOurTraining(o.pairs, o);
  const after = await measurePeak({ runs: 3 });
  const peak = before.gflops >= after.gflops ? before : after;
  return { adapter: b.adapterName, software: b.software, peakGflops: peak.gflops, copyGbps: peak.gbps, ...t };
}

(window as unknown as { benchOurs: typeof benchOurs }).benchOurs = benchOurs;
document.getElementById('status')!.textContent = 'ready';
