/**
 * `siamese train`: trains the seed network on pairs (contrastive) or triplets, shows progress,
 * and writes the run folder:
 *
 *   history.json        Keras-like history plus the readbacks within epochs and the settings
 *   metrics.json        test pair accuracy, ROC AUC, the threshold, throughput
 *   loss.svg/.png, accuracy.svg/.png    training curves
 *   pairs.png           a grid of test pairs with true label, prediction and similarity
 *   roc, distances, embedding (.svg/.png), report.html   the evaluation report (eval-report.ts)
 *   checkpoint/         the model (see src/siamese/node-checkpoint.ts) and the trainer's state,
 *                       saved every --checkpoint-every steps, at the end and on Ctrl-C
 *                       (train-checkpoints.ts; `--resume` continues from it)
 *
 * Bad data and flags fail before anything is written. The outputs other than checkpoint/ are
 * written only once training has finished.
 */
import { join } from 'node:path';
import { ready } from '../engine/device.js';
import { setKernelTuning } from '../engine/tuning.js';
import { Adam } from '../nn/index.js';
import { loadData } from '../siamese/data/node-loaders.js';
import { seedNetwork, SiameseModel, TripletModel } from '../siamese/model.js';
import type { DistanceMetric } from '../siamese/distance.js';
import { Trainer } from '../siamese/trainer.js';
import { sampleTriplets } from '../siamese/pairs.js';
import { Random } from '../engine/random.js';
import { evaluatePairs } from '../siamese/evaluate.js';
import { pairMetrics } from '../siamese/metrics.js';
import type { TrainArgs } from './args.js';
import { ProgressBar } from './progress.js';
import { StepProfiler } from './profile-step.js';
import { testPairsFor, writeEvaluation, TEST_PAIR_SEED } from './eval.js';
import { writeEvalReport } from './eval-report.js';
import { writeCurves } from './report.js';
import { classLabel, miningOf, trainingClasses } from './train-options.js';
import { checkSameData, dataFingerprint, InterruptWatch, loadResumedBase, prepareResume, restoreTrainer, RunCheckpoints } from './train-checkpoints.js';
import { checkSeedNetworkInput, checkTrainClasses } from './train-data-checks.js';
import { chooseTrainThreshold, fixedThreshold } from './train-threshold.js';
import { saveCalibration } from '../siamese/toolkit/node-calibration.js';

/** Steps from which a run compiles the throughput kernels: their extra ~16 s of compiling on
 * SwiftShader is earned back after about 60 steps of 64 pairs (1.3x faster second conv). */
export const LONG_RUN_STEPS = 200;

export async function runTrain(cli: TrainArgs): Promise<void> {
  // --resume: the saved run's flags (checked against those given), read before the GPU starts.
  const resume = cli.resume !== undefined ? prepareResume(cli) : null;
  const a = resume?.args ?? cli;
  const log = (s: string) => a.quiet || process.stderr.write(s + '\n');
  const data = loadData(a.data); // bad data fails here, before the GPU starts
  const { train, classes, heldOut } = trainingClasses(data, a.classes);
  checkTrainClasses(train);
  checkSeedNetworkInput(train, a.data);
  const fingerprint = dataFingerprint(train, data.test);
  if (resume) checkSameData(resume, fingerprint, a.data);
  const mining = miningOf(a);
  const testPairs = testPairsFor(data.test, a['test-pairs']);
  const backend = await ready();
  log(`adapter: ${backend.adapterName}${backend.software ? ' (software)' : ''}`);
  log(`data: ${data.description}`);
  if (classes) log(`classes: training on ${classLabel(classes, data.classNames)} (${train.count} images); held out: ${heldOut!.length ? classLabel(heldOut!, data.classNames) : 'none'}; test data unchanged`);

  const base = resume ? await loadResumedBase(resume, train) : seedNetwork({ inputShape: [data.train.height, data.train.width, data.train.channels], seed: a.seed });
  const distance = a.distance as DistanceMetric;
  const model = a.loss === 'triplet' ? new TripletModel(base, distance) : new SiameseModel(base, distance);
  log(`model: ${a.loss === 'triplet' ? 'triplet' : 'siamese'} network, ${a.distance} distance, ${base.countParams().toLocaleString('en-US')} parameters in one shared base network`);

  const unit = mining ? 'images' : a.loss === 'triplet' ? 'triplets' : 'pairs';
  const trainer = new Trainer(model, train, {
    mining,
    optimizer: new Adam({ learningRate: a.lr }),
    batchSize: a['batch-size'],
    pairsPerEpoch: a['pairs-per-epoch'],
    sampler: a.sampler as 'balanced' | 'seed',
    margin: a.margin,
    threshold: fixedThreshold(a), // the running pair accuracy; a calibrated one comes after training
    seed: a.seed,
    readEvery: a['read-every'],
    // Validation as in the seed: the test pairs; a triplet model validates on as many test
    // triplets (seeded), so both cost the same.
    validation:
      a.loss === 'triplet'
        ? { set: data.test, triplets: sampleTriplets(data.test, testPairs.labels.length, new Random(TEST_PAIR_SEED)) }
        : { set: data.test, pairs: testPairs },
  });
  if (resume) restoreTrainer(resume, trainer, log);
  // The fastest kernels take long to compile (src/engine/tuning.ts): worth it for a real run,
  // not for a few steps. Decided on the whole run's length, so that a resumed run computes with
  // the same kernels as the unbroken one would.
  setKernelTuning(a.epochs * trainer.batchesPerEpoch >= LONG_RUN_STEPS ? 'throughput' : 'fast-startup');
  const sampler = mining
    ? `${mining.strategy} mining, ${mining.classesPerBatch} classes × ${mining.samplesPerClass} images per batch`
    : a.loss === 'triplet' ? 'random triplets' : `${a.sampler} sampler`;
  log(`training: ${a.epochs} epoch${a.epochs > 1 ? 's' : ''} of ${trainer.epochSize} ${unit} (${sampler}), batches of ${a['batch-size']}, Adam lr ${a.lr}`);
  const bar = new ProgressBar({ epochs: a.epochs, quiet: a.quiet, unit });
  const t0 = Date.now();
  let trainSeconds = resume?.trainSeconds ?? 0;
  let trained = resume?.trained ?? 0;
  const checkpoints = new RunCheckpoints({
    dir: join(a.out, 'checkpoint'), every: a['checkpoint-every'], args: a, model, trainer, data: fingerprint,
    progress: () => ({ trainSeconds, trained }),
  });
  if (trainer.epoch >= a.epochs) log(`the run has already trained its ${a.epochs} epochs: writing its outputs again (raise --epochs to train longer)`);
  const interrupts = new InterruptWatch();
  const profiler = new StepProfiler(a.profile);
  try {
    while (trainer.epoch < a.epochs) {
      const logs = await profiler.step(trainer);
      bar.batch(logs);
      if (logs.epochLogs) {
        bar.epoch(logs.epochLogs);
        trainSeconds += logs.epochLogs.seconds;
        trained += trainer.epochSize;
      }
      if (interrupts.signal) {
        await checkpoints.save();
        throw interrupts.stopped(trainer, a.epochs, checkpoints.dir, a.out);
      }
      if (checkpoints.due()) await checkpoints.save();
    }
  } finally {
    interrupts.dispose();
    trainer.dispose();
  }
  profiler.finish();

  // The test metrics' threshold: --threshold, the contrastive 0.5, or calibrated on training
  // pairs (triplet runs, --threshold auto); see train-threshold.ts.
  const chosen = await chooseTrainThreshold(a, model, train, { pairCount: testPairs.labels.length, batchSize: Math.max(128, a['batch-size']), data: data.description });
  if (chosen.calibration) log(`threshold: ${chosen.threshold.toFixed(4)} (same when distance < ${chosen.distanceThreshold.toFixed(4)}), ${chosen.from}`);

  // A Siamese model validated on exactly the test pairs after its last step: reuse those
  // distances rather than embed every test pair again. A triplet model validated on triplets.
  const last = trainer.lastValidation;
  const metrics =
    last?.distances && last.pairs === testPairs
      ? { ...(await pairMetrics(last.distances, testPairs.labels, chosen.threshold, chosen.distanceThreshold)), distances: last.distances }
      : await evaluatePairs(model, data.test, testPairs, { threshold: chosen.threshold, distanceThreshold: chosen.distanceThreshold, batchSize: Math.max(128, a['batch-size']) });
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
    threshold: chosen.threshold,
    thresholdFrom: chosen.from,
    seed: a.seed,
    ...(mining ? { mining: mining.strategy, classesPerBatch: mining.classesPerBatch, samplesPerClass: mining.samplesPerClass } : {}),
    ...(classes ? { classes, heldOutClasses: heldOut } : {}),
    ...(data.classNames ? { classNames: data.classNames } : {}),
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
    thresholdFrom: chosen.from,
    ...(chosen.calibration ? { calibration: { set: 'training pairs', pairs: chosen.calibration.pairs, method: chosen.calibration.method, accuracy: chosen.calibration.at.accuracy } } : {}),
  });
  // roc, distances, embedding (.svg/.png) and report.html, as `siamese eval --out` writes them.
  await writeEvalReport(out, model, data.test, testPairs.labels, metrics, {
    about: { data: data.description, model: a.loss === 'triplet' ? 'triplet' : 'siamese', distance: a.distance, adapter: backend.adapterName, checkpoint: join(out, 'checkpoint') },
    thresholdFrom: chosen.from,
  });
  await checkpoints.save({ ...settings, steps: trainer.steps, finalHistory: trainer.history }, chosen.threshold);
  // After the save: the save replaces checkpoint/ whole, dropping any calibration.json or
  // gallery/ made for earlier weights in this folder.
  if (chosen.calibration) saveCalibration(checkpoints.dir, chosen.calibration);
  process.stdout.write(
    `test pair accuracy ${metrics.accuracy.toFixed(4)}  ROC AUC ${metrics.rocAuc.toFixed(4)}  (threshold ${Number(chosen.threshold.toFixed(4))}: ${chosen.from}; ${metrics.pairs} pairs)  ` +
      `${(trained / trainSeconds).toFixed(1)} ${unit}/s  -> ${out}\n`,
  );
  model.base.dispose();
}
