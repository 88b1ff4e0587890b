/**
 * `siamese train`: trains the seed network on pairs (contrastive) or triplets, shows progress,
 * and writes the run folder:
 *
 *   history.json        Keras-like history plus the readbacks within epochs and the settings
 *   metrics.json        test pair accuracy, ROC AUC, the threshold, throughput
 *   loss.svg/.png, accuracy.svg/.png    training curves
 *   pairs.png           a grid of test pairs with true label, prediction and similarity
 *   checkpoint/         the model (see src/siamese/node-checkpoint.ts)
 *
 * Nothing is written until training has finished, so a failed run leaves no half a folder.
 */
import { join } from 'node:path';
import { ready } from '../engine/device.js';
import { Adam } from '../nn/index.js';
import { loadData } from '../siamese/data/node-loaders.js';
import { seedNetwork, SiameseModel, TripletModel } from '../siamese/model.js';
import type { DistanceMetric } from '../siamese/distance.js';
import { Trainer } from '../siamese/trainer.js';
import { sampleTriplets } from '../siamese/pairs.js';
import { Random } from '../engine/random.js';
import { evaluatePairs } from '../siamese/evaluate.js';
import { pairMetrics } from '../siamese/metrics.js';
import { saveCheckpoint } from '../siamese/node-checkpoint.js';
import type { TrainArgs } from './args.js';
import { ProgressBar } from './progress.js';
import { testPairsFor, writeEvaluation, TEST_PAIR_SEED } from './eval.js';
import { writeCurves } from './report.js';

export async function runTrain(a: TrainArgs): Promise<void> {
  const log = (s: string) => a.quiet || process.stderr.write(s + '\n');
  const data = loadData(a.data); // bad data fails here, before the GPU starts
  const testPairs = testPairsFor(data.test, a['test-pairs']);
  const backend = await ready();
  log(`adapter: ${backend.adapterName}${backend.software ? ' (software)' : ''}`);
  log(`data: ${data.description}`);

  const base = seedNetwork({ inputShape: [data.train.height, data.train.width, data.train.channels], seed: a.seed });
  const distance = a.distance as DistanceMetric;
  const model = a.loss === 'triplet' ? new TripletModel(base, distance) : new SiameseModel(base, distance);
  log(`model: ${a.loss === 'triplet' ? 'triplet' : 'siamese'} network, ${a.distance} distance, ${base.countParams().toLocaleString('en-US')} parameters in one shared base network`);

  const unit = a.loss === 'triplet' ? 'triplets' : 'pairs';
  const trainer = new Trainer(model, data.train, {
    optimizer: new Adam({ learningRate: a.lr }),
    batchSize: a['batch-size'],
    pairsPerEpoch: a['pairs-per-epoch'],
    sampler: a.sampler as 'balanced' | 'seed',
    margin: a.margin,
    threshold: a.threshold,
    seed: a.seed,
    readEvery: a['read-every'],
    // Validation as in the seed: the test pairs; a triplet model validates on as many test
    // triplets (seeded), so both cost the same.
    validation:
      a.loss === 'triplet'
        ? { set: data.test, triplets: sampleTriplets(data.test, testPairs.labels.length, new Random(TEST_PAIR_SEED)) }
        : { set: data.test, pairs: testPairs },
  });
  const sampler = a.loss === 'triplet' ? 'random triplets' : `${a.sampler} sampler`;
  log(`training: ${a.epochs} epoch${a.epochs > 1 ? 's' : ''} of ${trainer.epochSize} ${unit} (${sampler}), batches of ${a['batch-size']}, Adam lr ${a.lr}`);
  const bar = new ProgressBar({ epochs: a.epochs, quiet: a.quiet, unit });
  const t0 = Date.now();
  let trainSeconds = 0;
  let trained = 0;
  try {
    while (trainer.epoch < a.epochs) {
      const logs = await trainer.step();
      bar.batch(logs);
      if (logs.epochLogs) {
        bar.epoch(logs.epochLogs);
        trainSeconds += logs.epochLogs.seconds;
        trained += trainer.epochSize;
      }
    }
  } finally {
    trainer.dispose();
  }

  // A Siamese model validated on exactly the test pairs after its last step: reuse those
  // distances rather than embed every test pair again. A triplet model validated on triplets.
  const last = trainer.lastValidation;
  const metrics =
    last?.distances && last.pairs === testPairs
      ? { ...pairMetrics(last.distances, testPairs.labels, a.threshold), distances: last.distances }
      : await evaluatePairs(model, data.test, testPairs, { threshold: a.threshold, batchSize: Math.max(128, a['batch-size']) });
  const out = a.out;
  const settings = {
    data: a.data,
    loss: a.loss,
    distance: a.distance,
    epochs: a.epochs,
    batchSize: a['batch-size'],
    pairsPerEpoch: trainer.epochSize,
    sampler: a.sampler,
    learningRate: a.lr,
    margin: a.margin,
    threshold: a.threshold,
    seed: a.seed,
  };
  writeCurves(out, {
    history: trainer.history,
    samples: trainer.samples,
    batchesPerEpoch: trainer.batchesPerEpoch,
    accuracyName: a.loss === 'triplet' ? 'Triplet accuracy (positive nearer than negative)' : 'Pair accuracy',
  }, settings);
  writeEvaluation(out, data.test, testPairs, metrics, {
    data: data.description,
    model: a.loss === 'triplet' ? 'triplet' : 'siamese',
    adapter: backend.adapterName,
    trainSeconds: Number(trainSeconds.toFixed(2)),
    trainPairsPerSecond: Number((trained / trainSeconds).toFixed(2)),
    wallSeconds: Number(((Date.now() - t0) / 1000).toFixed(2)),
    testPairSeed: TEST_PAIR_SEED,
  });
  await saveCheckpoint(model, join(out, 'checkpoint'), {
    margin: a.margin,
    threshold: a.threshold,
    training: { ...settings, steps: trainer.steps, finalHistory: trainer.history },
  });
  process.stdout.write(
    `test pair accuracy ${metrics.accuracy.toFixed(4)}  ROC AUC ${metrics.rocAuc.toFixed(4)}  (threshold ${a.threshold}, ${metrics.pairs} pairs)  ` +
      `${(trained / trainSeconds).toFixed(1)} ${unit}/s  -> ${out}\n`,
  );
  model.base.dispose();
}
