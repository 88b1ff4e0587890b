/**
 * Section 3: training throughput, pairs per second on 64-pair batches (Adam, contrastive loss,
 * euclidean distance), for our engine in Node and in headless Chromium, and for TensorFlow.js
 * 4.22: its CPU and WebGPU backends in Node, its WebGL and WebGPU backends in Chromium.
 *
 * Our engine is timed over windows of back-to-back steps (median window); tfjs over single
 * steps after warm-up, because its steps take seconds here (shared/PLATFORM.md: 4.5–51 s).
 * Each run that fails or overstays its budget becomes a "not available" row.
 */
import type { BenchArgs, TrainingRun } from './args.js';
import { attempt, type Maybe, type TrainingResult, type TrainingRow } from './result.js';
import { FLOPS_PER_PAIR } from './seed-flops.js';
import type { ChromiumSession } from './chromium.js';
import type { TfjsTiming } from './tfjs-step.js';

export const PAIRS = 64;

/** Seconds per 64-pair step seen here (PLATFORM.md), to size each run's time budget. */
const EXPECTED_STEP_S: Record<string, number> = { 'tfjs-cpu': 51, 'tfjs-webgpu-node': 18.7, 'tfjs-webgl': 4.5, 'tfjs-webgpu-chromium': 13.4 };

/** Generous: a busy machine runs several times slower, and the first step compiles shaders. */
function budget(id: string, a: BenchArgs): number {
  return Math.ceil(120 + 5 * (a.tfjsWarmup + a.tfjsSteps) * (EXPECTED_STEP_S[id] ?? 20));
}

function tfjsRow(id: string, where: 'Node' | 'Chromium', r: TfjsTiming & { adapter: string; tfjs: string }): TrainingRow {
  return {
    id,
    engine: `TensorFlow.js ${r.tfjs}`,
    where,
    backend: r.backend,
    pairsPerSec: r.pairsPerSec,
    msPerStep: r.msPerStep,
    warmup: r.warmup,
    steps: r.stepMs.length,
    stepMs: r.stepMs,
    adapter: r.adapter,
    note: r.warmup === 0 ? 'no warm-up step: the time includes start-up' : undefined,
  };
}

export async function trainingSection(a: BenchArgs, chromium: () => Promise<ChromiumSession>): Promise<TrainingResult> {
  const runs: Record<string, Maybe<TrainingRow>> = {};
  const skipped = (id: TrainingRun) => a.skip.includes(id);
  const run = async (id: TrainingRun, fn: () => Promise<TrainingRow>) => {
    if (skipped(id)) {
      runs[id] = { unavailable: a.quick && id === 'tfjs-cpu' ? 'skipped by --quick (about 51 s per step here)' : 'skipped by --skip' };
      return;
    }
    console.log(`  training: ${id}...`);
    const t0 = performance.now();
    runs[id] = await attempt(id, fn);
    const r = runs[id];
    const took = ((performance.now() - t0) / 1000).toFixed(0);
    if (!('unavailable' in r)) console.log(`  training: ${id}: ${r.pairsPerSec.toFixed(2)} pairs/s (${r.msPerStep.toFixed(0)} ms/step; ${took} s)`);
  };
  const ourOpts = { warmup: 2, steps: a.ourSteps, windows: a.ourWindows, budgetMs: a.trainBudgetS * 1000 };

  await run('ours-node', async () => {
    const { backend } = await import('../src/index.js');
    const { measureOurTraining } = await import('./our-step.js');
    const { measurePeak } = await import('./peak.js');
    // The peak just before and after, as the page measures its own in Chromium (kernels.ts says why).
    const before = await measurePeak({ runs: 3 });
    const t = await measureOurTraining(PAIRS, ourOpts);
    const after = await measurePeak({ runs: 3 });
    const peakGflops = Math.max(before.gflops, after.gflops);
    return { id: 'ours-node', engine: 'ours', where: 'Node', backend: 'WebGPU (dawn.node)', warmup: ourOpts.warmup, steps: t.steps * ourOpts.windows, stepMs: t.windowMs, pairsPerSec: t.pairsPerSec, msPerStep: t.msPerStep, adapter: backend().adapterName, peakGflops };
  });

  await run('ours-chromium', async () => {
    const c = await chromium();
    type R = { adapter: string; peakGflops: number; pairsPerSec: number; msPerStep: number; windowMs: number[]; steps: number };
    const r = await c.run<R>('ours.html', `window.benchOurs(${JSON.stringify({ pairs: PAIRS, ...ourOpts })})`, 600);
    return { id: 'ours-chromium', engine: 'ours', where: 'Chromium', backend: `WebGPU (${c.browserName})`, warmup: ourOpts.warmup, steps: r.steps * ourOpts.windows, stepMs: r.windowMs, pairsPerSec: r.pairsPerSec, msPerStep: r.msPerStep, adapter: r.adapter, peakGflops: r.peakGflops };
  });

  const { runTfjsInNode } = await import('./tfjs-node.js');
  for (const [id, backend] of [['tfjs-webgpu-node', 'webgpu'], ['tfjs-cpu', 'cpu']] as const) {
    await run(id, async () => tfjsRow(id, 'Node', await runTfjsInNode(backend, PAIRS, a.tfjsWarmup, a.tfjsSteps, budget(id, a))));
  }
  for (const [id, backend] of [['tfjs-webgl', 'webgl'], ['tfjs-webgpu-chromium', 'webgpu']] as const) {
    await run(id, async () => {
      const c = await chromium();
      const opts = { pairs: PAIRS, warmup: a.tfjsWarmup, steps: a.tfjsSteps };
      const r = await c.run<TfjsTiming & { adapter: string; tfjs: string }>('tfjs.html', `window.benchTfjs('${backend}', ${JSON.stringify(opts)})`, budget(id, a));
      return tfjsRow(id, 'Chromium', r);
    });
  }
  return { flopsPerPair: FLOPS_PER_PAIR, runs };
}
