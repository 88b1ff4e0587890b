/**
 * The same training step as our-step.ts, on TensorFlow.js 4.22: the seed network built with
 * tf.layers, both branches in one batch, euclidean distance with Keras's 1e-7 floor, contrastive
 * loss (margin 1, halved as ours), Adam lr 1e-3, on the same seeded batches.
 *
 * Takes the `tf` namespace as an argument, so that the Node child process (the npm package) and
 * the Chromium page (dist/tf.min.js loaded by a script tag) run this one file. The cost is read
 * back after each step: that wait is how a step's end is known on tfjs's asynchronous backends,
 * and one scalar is nothing next to steps of seconds.
 */
import type * as TF from '@tensorflow/tfjs';
import { syntheticBatches } from './batches.js';
import { median } from './stats.js';

export interface TfjsTiming {
  backend: string;
  warmup: number;
  /** Milliseconds of each timed step. */
  stepMs: number[];
  msPerStep: number;
  pairsPerSec: number;
}

type Tf = typeof TF;

function seedModel(tf: Tf): TF.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 64 }),
    ],
  });
}

/** Runs `warmup` untimed and `steps` timed training steps of `pairs` pairs on tfjs's current backend. */
export async function timeTfjsTraining(tf: Tf, pairs: number, { warmup = 1, steps = 2 } = {}): Promise<TfjsTiming> {
  const model = seedModel(tf);
  const optimizer = tf.train.adam(1e-3);
  const batches = syntheticBatches(pairs);
  let i = 0;
  const step = async () => {
    const { images, labels } = batches[i++ % batches.length];
    const cost = tf.tidy(() => {
      const x = tf.tensor4d(images, [2 * pairs, 28, 28, 1]);
      const y = tf.tensor1d(labels);
      const c = optimizer.minimize(() => {
        const e = model.apply(x, { training: true }) as TF.Tensor2D;
        const [a, b] = tf.split(e, 2, 0);
        const d = tf.sqrt(tf.maximum(tf.sum(tf.square(tf.sub(a, b)), 1), 1e-7));
        const same = tf.mul(y, tf.square(d));
        const different = tf.mul(tf.sub(1, y), tf.square(tf.relu(tf.sub(1, d))));
        return tf.div(tf.mean(tf.add(same, different)), 2) as TF.Scalar;
      }, true);
      if (!c) throw new Error('tfjs: minimize returned no cost');
      return c;
    });
    await cost.data();
    cost.dispose();
  };
  try {
    for (let w = 0; w < warmup; w++) await step();
    const stepMs: number[] = [];
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      await step();
      stepMs.push(performance.now() - t0);
    }
    const msPerStep = median(stepMs);
    return { backend: tf.getBackend(), warmup, stepMs, msPerStep, pairsPerSec: (1000 * pairs) / msPerStep };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
