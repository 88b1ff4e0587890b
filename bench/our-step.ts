/**
 * The training step every throughput figure times, on our engine: the seed network as a
 * Siamese model (both branches in one [2B, 28, 28, 1] batch), euclidean distance, contrastive
 * loss (margin 1), Adam (lr 1e-3). Each step uploads a fresh batch, as training does; nothing
 * is read back inside a step. Browser-safe, so Node and the Chromium page run the same code.
 * Both engines train on the same seeded batches (batches.ts).
 */
import { backend, memory, resetPeakMemory, tidy } from '../src/index.js';
import { fromArray } from '../src/engine/tensor.js';
import { seedNetwork, SiameseModel } from '../src/siamese/model.js';
import { contrastiveLoss } from '../src/siamese/losses.js';
import { Adam } from '../src/nn/optimizers.js';
import { syntheticBatches } from './batches.js';
import { median } from './stats.js';

export interface OurStep {
  /** Encodes one training step (no wait). */
  step(): void;
  model: SiameseModel;
  dispose(): void;
}

export function makeOurStep(pairs: number, seed = 1): OurStep {
  const model = new SiameseModel(seedNetwork({ seed }), 'euclidean');
  const optimizer = new Adam({ learningRate: 1e-3 });
  const vars = model.trainableWeights;
  const batches = syntheticBatches(pairs);
  let i = 0;
  return {
    model,
    step() {
      const { images, labels } = batches[i++ % batches.length];
      tidy(() => {
        const x = fromArray(images, [2 * pairs, 28, 28, 1]);
        const y = fromArray(labels, [pairs]);
        optimizer.minimize(() => contrastiveLoss(model.pairDistances(x), y, 1), vars).dispose();
      });
    },
    dispose() {
      optimizer.dispose();
      model.base.dispose();
    },
  };
}

export interface Throughput {
  pairsPerSec: number;
  msPerStep: number;
  /** Per-step milliseconds of each window. */
  windowMs: number[];
  /** Steps per window actually timed (fewer than asked when steps are slow). */
  steps: number;
}

/**
 * Warm-up steps, then `windows` windows of up to `steps` steps each, every window bracketed by
 * a full GPU sync: the median window gives pairs/s. Steps within a window run back to back, as
 * in training, so the CPU encodes the next step while the GPU runs the last. The last warm-up
 * step, timed alone, sizes the windows so that all of them fit in `budgetMs` (at least one
 * step each).
 */
export async function measureOurTraining(
  pairs: number,
  { warmup = 2, steps = 10, windows = 3, budgetMs = Infinity } = {},
): Promise<Throughput> {
  const s = makeOurStep(pairs);
  const b = backend();
  try {
    let estimate = 0;
    for (let w = 0; w < Math.max(1, warmup); w++) {
      const t0 = performance.now();
      s.step();
      await b.sync();
      estimate = performance.now() - t0;
    }
    const perWindow = Math.max(1, Math.min(steps, Math.floor(budgetMs / windows / estimate)));
    const windowMs: number[] = [];
    for (let w = 0; w < windows; w++) {
      const t0 = performance.now();
      for (let k = 0; k < perWindow; k++) s.step();
      await b.sync();
      windowMs.push((performance.now() - t0) / perWindow);
    }
    const msPerStep = median(windowMs);
    return { pairsPerSec: (1000 * pairs) / msPerStep, msPerStep, windowMs, steps: perWindow };
  } finally {
    s.dispose();
  }
}

/** GPU bytes of a training step: peak during one step, and what was live before it. */
export async function stepMemory(pairs: number): Promise<{ peakStepBytes: number; baselineBytes: number }> {
  const s = makeOurStep(pairs);
  try {
    s.step(); // the first step creates Adam's moments; measure a steady-state step
    await backend().sync();
    const baselineBytes = memory().inUseBytes;
    resetPeakMemory();
    s.step();
    await backend().sync();
    return { peakStepBytes: memory().peakBytes, baselineBytes };
  } finally {
    s.dispose();
  }
}
