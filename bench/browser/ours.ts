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
  const peak = await measurePeak();
  const t = await measureOurTraining(o.pairs, o);
  return { adapter: b.adapterName, software: b.software, peakGflops: peak.gflops, copyGbps: peak.gbps, ...t };
}

(window as unknown as { benchOurs: typeof benchOurs }).benchOurs = benchOurs;
document.getElementById('status')!.textContent = 'ready';
