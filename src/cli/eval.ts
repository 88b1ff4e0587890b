/**
 * `siamese eval`: the test-pair metrics of a saved model, and the helpers `train` shares with
 * it (the test pairs, metrics.json and the evaluation report), so both report the same numbers
 * the same way. The threshold is --threshold, else the checkpoint's calibration.json, else
 * siamese.json's.
 */
import { join } from 'node:path';
import { ready } from '../engine/device.js';
import { Random } from '../engine/random.js';
import type { ImageSet } from '../siamese/data/image-set.js';
import { loadData } from '../siamese/data/node-loaders.js';
import { seedPairs, type PairSet } from '../siamese/pairs.js';
import { evaluatePairs } from '../siamese/evaluate.js';
import type { PairMetrics } from '../siamese/metrics.js';
import { loadCheckpoint, resolveCheckpointDir } from '../siamese/node-checkpoint.js';
import { loadCalibration } from '../siamese/toolkit/node-calibration.js';
import type { RocAnalysis } from '../siamese/roc.js';
import { drawPairGrid } from '../siamese/report/pair-grid.js';
import { encodePng, writeFileAtomic, writeJson } from '../siamese/node-files.js';
import type { EvalArgs } from './args.js';
import { writeEvalReport } from './eval-report.js';
import { maybeProfiled } from './profile-step.js';

/** Test pairs are the seed's pairs of the held-out images, drawn with this fixed seed. */
export const TEST_PAIR_SEED = 1;

/** The seed's pairs of `test` (all of them, or at most `max`, spread evenly over classes). */
export function testPairsFor(test: ImageSet, max?: number): PairSet {
  const classes = new Set(test.labels).size;
  const perClass = max === undefined ? undefined : Math.max(1, Math.floor(max / (2 * classes)));
  return seedPairs(test, new Random(TEST_PAIR_SEED), { perClass });
}

/** Writes metrics.json and pairs.png for an evaluation. */
export function writeEvaluation(
  out: string,
  test: ImageSet,
  pairs: PairSet,
  m: PairMetrics & { roc: RocAnalysis; distances: Float32Array },
  extra: Record<string, unknown>,
): void {
  writeJson(join(out, 'metrics.json'), {
    testPairAccuracy: m.accuracy,
    rocAuc: m.rocAuc,
    threshold: m.threshold,
    distanceThreshold: m.distanceThreshold,
    rule: 'same when 1 - distance > threshold (distance < distanceThreshold)',
    far: m.far,
    frr: m.frr,
    eer: m.eer,
    eerDistanceThreshold: m.eerDistanceThreshold,
    testPairs: m.pairs,
    positivePairs: m.positives,
    meanPositiveDistance: m.meanPositiveDistance,
    meanNegativeDistance: m.meanNegativeDistance,
    ...extra,
  });
  writeFileAtomic(join(out, 'pairs.png'), encodePng(drawPairGrid(test, pairs, m.distances, { threshold: m.threshold })));
}

export async function runEval(a: EvalArgs): Promise<void> {
  const at = resolveCheckpointDir(a.checkpoint!); // a missing checkpoint fails before data or GPU
  await ready();
  const { model, head } = await loadCheckpoint(at);
  const spec = a.data ?? (typeof head.training?.data === 'string' ? head.training.data : 'bundled');
  const data = loadData(spec, { inputShape: model.base.inputShape }); // folder:DIR is resized to the model's input
  const pairs = testPairsFor(data.test, a['test-pairs']);
  const calibration = a.threshold === undefined ? loadCalibration(at, model.distance) : null;
  const [threshold, distanceThreshold, thresholdFrom] =
    a.threshold !== undefined
      ? [a.threshold, 1 - a.threshold, '--threshold']
      : calibration
        ? [calibration.threshold, calibration.distanceThreshold, `calibration.json (${calibration.method})`]
        : [head.threshold, 1 - head.threshold, 'siamese.json'];
  const m = await maybeProfiled(a.profile, `the evaluation (${pairs.labels.length} pairs in batches of ${a['batch-size']}; the first batch compiles the kernels)`, () =>
    evaluatePairs(model, data.test, pairs, { threshold, distanceThreshold, batchSize: a['batch-size'] }),
  );
  const summary = {
    checkpoint: at,
    data: data.description,
    model: head.model,
    distance: model.distance,
    testPairAccuracy: m.accuracy,
    rocAuc: m.rocAuc,
    eer: m.eer,
    far: m.far,
    frr: m.frr,
    threshold,
    thresholdFrom,
    testPairs: m.pairs,
  };
  if (a.out) {
    const about = { checkpoint: at, data: data.description, model: head.model, distance: model.distance, testPairSeed: TEST_PAIR_SEED };
    writeEvaluation(a.out, data.test, pairs, m, { ...about, thresholdFrom });
    await writeEvalReport(a.out, model, data.test, pairs.labels, m, { about, thresholdFrom });
  }
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  model.base.dispose();
}
