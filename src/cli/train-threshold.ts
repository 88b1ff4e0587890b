/**
 * The threshold `siamese train` reports its test metrics at and saves with the model.
 *
 * The seed's fixed rule, "same when 1 − distance > 0.5", suits the contrastive loss (margin 1
 * pulls same pairs towards 0 and pushes different pairs past 1), not triplet embeddings: their
 * distances live on another scale, and a fixed 0.5 scores about chance however well they rank
 * the pairs (ROC AUC). So:
 *   --threshold X     X, for either loss;
 *   --threshold auto  calibrated: the best-accuracy threshold (toolkit/calibration.ts, counted on
 *                     the GPU) on the seed's pairs of the TRAINING images, never on the test pairs
 *                     the metrics are reported on (that would fit the threshold to the test data);
 *   neither           contrastive: 0.5, as the seed; triplet: auto.
 * A calibrated threshold is saved as the checkpoint's calibration.json, as `siamese calibrate`
 * saves one, so eval, verify and bundle use it too.
 */
import { Random } from '../engine/random.js';
import type { ImageSet } from '../siamese/data/image-set.js';
import { DEFAULT_THRESHOLD } from '../siamese/metrics.js';
import type { SiameseModel, TripletModel } from '../siamese/model.js';
import { seedPairs } from '../siamese/pairs.js';
import type { SavedCalibration } from '../siamese/toolkit/node-calibration.js';
import { calibrateModel } from '../siamese/toolkit/verifier.js';
import type { TrainArgs } from './args.js';

/** Seeds the training pairs a calibrated threshold is chosen on (which negative each image gets). */
export const TRAIN_CALIBRATION_SEED = 5;

export interface TrainThreshold {
  /** Same when 1 − distance > threshold. */
  threshold: number;
  /** The same rule in distance space (a calibrated one exactly as chosen): same when distance < this. */
  distanceThreshold: number;
  /** Where it came from, for the log line, metrics.json and the report. */
  from: string;
  /** Present when calibrated: what to save as calibration.json. */
  calibration?: SavedCalibration;
}

type ThresholdFlags = Pick<TrainArgs, 'threshold' | 'loss'>;

/** True when the run's threshold is calibrated after training. */
export function isCalibrated(a: ThresholdFlags): boolean {
  return a.threshold === 'auto' || (a.threshold === undefined && a.loss === 'triplet');
}

/**
 * The fixed rule of the run: the trainer's running pair accuracy and siamese.json while training
 * (a calibrated threshold is only known once training ends).
 */
export function fixedThreshold(a: ThresholdFlags): number {
  return typeof a.threshold === 'number' ? a.threshold : DEFAULT_THRESHOLD;
}

/**
 * The run's threshold after training. Calibration uses about `pairCount` seed pairs of `train`
 * (the images the run trained on: with --classes, those classes only).
 */
export async function chooseTrainThreshold(
  a: ThresholdFlags,
  model: SiameseModel | TripletModel,
  train: ImageSet,
  { pairCount, batchSize, data }: { pairCount: number; batchSize: number; data: string },
): Promise<TrainThreshold> {
  if (!isCalibrated(a)) {
    const t = fixedThreshold(a);
    return { threshold: t, distanceThreshold: 1 - t, from: typeof a.threshold === 'number' ? `--threshold ${t}` : `the contrastive default ${t}` };
  }
  const classes = new Set(train.labels).size;
  const perClass = Math.max(1, Math.floor(pairCount / (2 * classes)));
  const pairs = seedPairs(train, new Random(TRAIN_CALIBRATION_SEED), { perClass });
  const c = await calibrateModel(model, train, pairs, 'best-accuracy', { batchSize });
  const why = a.threshold === 'auto' ? '--threshold auto' : 'the triplet default';
  return {
    threshold: c.threshold,
    distanceThreshold: c.distanceThreshold,
    from: `calibrated on ${c.pairs} training pairs (best accuracy, ${why})`,
    calibration: { ...c, data: `${data}; training pairs (seed ${TRAIN_CALIBRATION_SEED}), by siamese train` },
  };
}
