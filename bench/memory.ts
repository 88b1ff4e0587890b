/**
 * Section 5: GPU memory. Peak storage bytes during one 64-pair training step (after
 * `resetPeakMemory()`, weights and Adam moments included), and a leak run: live bytes, tensors
 * and buffers ever created, sampled after step 10 and at decades up to the last step. A flat
 * line from step 10 on means nothing accumulates. The leak run's batch is a flag (default 8
 * pairs, so 1,000 steps fit the benchmark's time): per-step allocations are the same code path
 * whatever the batch size. It also stops at a time budget (--leak-budget), and says so.
 */
import { backend, memory } from '../src/index.js';
import type { BenchArgs } from './args.js';
import { attempt, type MemoryResult } from './result.js';
import { makeOurStep, stepMemory } from './our-step.js';

type Sample = NonNullable<Exclude<MemoryResult['leak'], { unavailable: string }>>['samples'][number];

/** Steps at which to sample: 10, 100, 1000, ... and the last. */
function sampleSteps(last: number): Set<number> {
  const s = new Set<number>([Math.min(10, last), last]);
  for (let d = 100; d < last; d *= 10) s.add(d);
  return s;
}

async function leakRun(steps: number, pairs: number, budgetMs: number) {
  const s = makeOurStep(pairs);
  const b = backend();
  const samples: Sample[] = [];
  const at = sampleSteps(steps);
  const t0 = performance.now();
  let ran = 0;
  try {
    for (let i = 1; i <= steps; i++) {
      s.step();
      ran = i;
      const late = performance.now() - t0 > budgetMs;
      if (at.has(i) || late) {
        await b.sync();
        const m = memory();
        samples.push({ step: i, tensorBytes: m.numBytes, inUseBytes: m.inUseBytes, tensors: m.numTensors, buffersCreated: m.buffersCreated });
        console.log(`  memory: step ${i}: ${m.numTensors} tensors, ${m.numBytes} tensor bytes, ${m.inUseBytes} in use, ${m.buffersCreated} buffers created`);
        if (late) break;
      } else if (i % 20 === 0) {
        // Let the GPU catch up now and then, so the CPU never runs hundreds of steps ahead.
        await b.sync();
      }
    }
  } finally {
    s.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { pairs, stepsRequested: steps, stepsRun: ran, stoppedByBudget: ran < steps, samples, seconds };
}

export async function memorySection(a: BenchArgs): Promise<MemoryResult> {
  const pairs = 64;
  const { peakStepBytes, baselineBytes } = await stepMemory(pairs);
  const leak = await attempt('leak run', () => leakRun(a.leakSteps, a.leakBatch, a.leakBudgetS * 1000));
  return { pairs, peakStepBytes, baselineBytes, leak };
}
