/**
 * `siamese calibrate`: picks the verification threshold and saves it beside the checkpoint
 * (calibration.json). The test split is halved per class with a fixed seed: the threshold is
 * chosen on the seed's pairs of one half (validation) and the rates it gives are reported on
 * the other half, so the numbers printed are not the ones the threshold was fitted to.
 */
import { ready } from '../engine/device.js';
import { Random } from '../engine/random.js';
import { splitPerClass } from '../siamese/data/image-set.js';
import { loadData } from '../siamese/data/node-loaders.js';
import { seedPairs } from '../siamese/pairs.js';
import { pairDistances } from '../siamese/evaluate.js';
import { loadCheckpoint, resolveCheckpointDir } from '../siamese/node-checkpoint.js';
import { ratesAt } from '../siamese/toolkit/calibration.js';
import { calibrateModel } from '../siamese/toolkit/verifier.js';
import { saveCalibration } from '../siamese/toolkit/node-calibration.js';
import type { CalibrationMethod } from '../siamese/toolkit/calibration.js';
import type { ToolkitArgs } from './toolkit-args.js';

/** Seeds the validation / report halves of the test split. */
export const CALIBRATION_SPLIT_SEED = 4;

export function dataSpecOf(flag: unknown, training: Record<string, unknown> | undefined): string {
  if (typeof flag === 'string') return flag;
  return typeof training?.data === 'string' ? training.data : 'bundled';
}

export async function runCalibrate({ flags }: ToolkitArgs<'calibrate'>): Promise<void> {
  const at = resolveCheckpointDir(flags.checkpoint!);
  await ready();
  const { model, head } = await loadCheckpoint(at);
  try {
    const data = loadData(dataSpecOf(flags.data, head.training), { inputShape: model.base.inputShape });
    const { train: validation, test: report } = splitPerClass(data.test, { testFraction: 0.5, seed: CALIBRATION_SPLIT_SEED });
    const valPairs = seedPairs(validation, new Random(1));
    const method = flags.method as CalibrationMethod;
    const c = await calibrateModel(model, validation, valPairs, method, { targetFar: flags.far, batchSize: flags['batch-size'] });
    const reportPairs = seedPairs(report, new Random(2));
    const d = await pairDistances(model, report, reportPairs, { batchSize: flags['batch-size'] });
    const held = await ratesAt(d, reportPairs.labels, c.distanceThreshold);
    const file = saveCalibration(at, { ...c, data: data.description });
    process.stdout.write(
      JSON.stringify(
        {
          calibration: file,
          method,
          ...(method === 'far' ? { targetFar: flags.far } : {}),
          distanceThreshold: c.distanceThreshold,
          threshold: c.threshold,
          rule: 'same when distance < distanceThreshold (1 - distance > threshold)',
          validation: { pairs: c.pairs, far: c.at.far, frr: c.at.frr, accuracy: c.at.accuracy, eer: c.eer, auc: c.auc },
          heldOut: { pairs: reportPairs.labels.length, far: held.far, frr: held.frr, accuracy: held.accuracy },
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    model.base.dispose();
  }
}
