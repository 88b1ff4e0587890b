/**
 * Verification: is this pair of images the same identity? `calibrateModel` picks the threshold
 * on validation pairs (distances on the GPU, batched, one readback per batch) and a `Verifier`
 * applies it. Browser-safe; saving the calibration beside a checkpoint is node-calibration.ts.
 */
import { fromArray } from '../../engine/tensor.js';
import { tidy } from '../../engine/scope.js';
import { noGrad } from '../../autograd/tape.js';
import type { ImageSet } from '../data/image-set.js';
import type { PairSet } from '../pairs.js';
import { pairDistances } from '../evaluate.js';
import type { SiameseModel, TripletModel } from '../model.js';
import { calibrate, type Calibration, type CalibrationMethod } from './calibration.js';
import { checkImages } from './embed.js';

export interface VerifyResult {
  /** distance < the calibrated distance threshold. */
  same: boolean;
  distance: number;
  /** 1 − distance, the seed's similarity (same when score > threshold). */
  score: number;
}

/** Distances of `pairs` on the GPU, then `calibrate` on them (its counting on the GPU too). */
export async function calibrateModel(
  model: SiameseModel | TripletModel,
  set: ImageSet,
  pairs: PairSet,
  method: CalibrationMethod = 'best-accuracy',
  opts: { targetFar?: number; batchSize?: number } = {},
): Promise<Calibration & { metric: string }> {
  const d = await pairDistances(model, set, pairs, { batchSize: opts.batchSize ?? 128 });
  return { ...(await calibrate(d, pairs.labels, method, { targetFar: opts.targetFar })), metric: model.distance };
}

export class Verifier {
  constructor(
    readonly model: SiameseModel | TripletModel,
    /** Accept when distance < this (Calibration.distanceThreshold, or 1 − the seed's threshold). */
    readonly distanceThreshold: number,
  ) {
    if (!Number.isFinite(distanceThreshold)) throw new Error(`Verifier: distanceThreshold must be a finite number, got ${distanceThreshold}`);
  }

  static fromCalibration(model: SiameseModel | TripletModel, c: Pick<Calibration, 'distanceThreshold'>): Verifier {
    return new Verifier(model, c.distanceThreshold);
  }

  /** Compares two images (each one image of the model's input shape, NHWC values). */
  async verify(a: Float32Array, b: Float32Array): Promise<VerifyResult> {
    const ca = checkImages('verify (first image)', this.model, a).count;
    const cb = checkImages('verify (second image)', this.model, b).count;
    if (ca !== 1 || cb !== 1) throw new Error(`verify: expected one image each, got ${ca} and ${cb}`);
    const stacked = new Float32Array(a.length * 2);
    stacked.set(a);
    stacked.set(b, a.length);
    const d = noGrad(() => tidy(() => this.model.pairDistances(fromArray(stacked, [2, ...this.model.base.inputShape]))));
    const distance = (await d.data())[0];
    d.dispose();
    if (!Number.isFinite(distance)) throw new Error(`verify: the distance is ${distance}: the model's weights hold NaN or Inf`);
    return { same: distance < this.distanceThreshold, distance, score: 1 - distance };
  }
}
