/**
 * Choosing the match threshold of a verifier from labelled validation pairs, and the error
 * rates that describe it. Browser-safe. The counting runs on the GPU (src/siamese/roc.ts,
 * shaders/roc.wgsl); only the choice among the candidate operating points is made here.
 *
 * Everything here is in DISTANCE space: a pair is accepted ("same") when distance < τ, strictly
 * (the seed's rule "1 − distance > threshold" is the same rule with threshold = 1 − τ).
 *   FAR (false-accept rate)  = different pairs accepted / different pairs
 *   FRR (false-reject rate)  = same pairs rejected / same pairs;  TAR = 1 − FRR
 * Candidate thresholds: every distinct operating point (see roc.ts), each between data points.
 * Distances are float32, as the GPU makes them: float64 input is rounded to float32 first.
 */
import type { Tensor } from '../../engine/tensor.js';
import { ratesAtThresholds, rocAnalysis, type OperatingPoint } from '../roc.js';

export { rocArea, type OperatingPoint } from '../roc.js';

export type CalibrationMethod = 'best-accuracy' | 'eer' | 'far';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['best-accuracy', 'eer', 'far'];

export interface Calibration {
  method: CalibrationMethod;
  /** The FAR target, for method 'far'. */
  targetFar?: number;
  /** Accept ("same") when distance < distanceThreshold. */
  distanceThreshold: number;
  /** The same rule as the seed writes it: same when 1 − distance > threshold. */
  threshold: number;
  /** Rates on the calibration pairs at the chosen threshold. */
  at: OperatingPoint;
  /** Equal error rate: (FAR + FRR) / 2 at the candidate where |FAR − FRR| is smallest. */
  eer: number;
  /** Area under the ROC curve (trapezoids; equals the Mann-Whitney statistic, ties ½). */
  auc: number;
  pairs: number;
  positives: number;
  negatives: number;
}

/** Every candidate operating point, by increasing threshold (FAR and TAR rise from 0 to 1). */
export async function rocCurve(distances: Tensor | ArrayLike<number>, labels: ArrayLike<number>): Promise<OperatingPoint[]> {
  return (await rocAnalysis(distances, labels, [], 'rocCurve')).curve;
}

/** Rates at a given distance threshold (accept when distance < threshold). */
export async function ratesAt(distances: Tensor | ArrayLike<number>, labels: ArrayLike<number>, distanceThreshold: number): Promise<OperatingPoint> {
  return (await ratesAtThresholds(distances, labels, [distanceThreshold], 'ratesAt'))[0];
}

/**
 * Picks the threshold on calibration pairs (never the pairs you report on):
 *  - 'best-accuracy': the most correct pairs; on a tie the lowest threshold (fewest false
 *    accepts);
 *  - 'eer': where FAR and FRR are closest (the equal-error-rate point);
 *  - 'far': the highest threshold whose FAR ≤ targetFar (the most true accepts the target
 *    allows). FAR 0 is always reachable, by accepting nothing.
 */
export async function calibrate(
  distances: Tensor | ArrayLike<number>,
  labels: ArrayLike<number>,
  method: CalibrationMethod = 'best-accuracy',
  { targetFar }: { targetFar?: number } = {},
): Promise<Calibration> {
  // Options are checked before the GPU work, so a bad call fails at once.
  if (!CALIBRATION_METHODS.includes(method)) {
    throw new Error(`calibrate: method must be ${CALIBRATION_METHODS.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(method)}`);
  }
  if (method === 'far' && (typeof targetFar !== 'number' || !(targetFar >= 0 && targetFar <= 1))) {
    throw new Error(`calibrate: method 'far' needs targetFar in [0, 1], got ${targetFar}`);
  }
  const roc = await rocAnalysis(distances, labels, [], 'calibrate');
  const curve = roc.curve;
  let at: OperatingPoint;
  if (method === 'best-accuracy') {
    at = curve[0];
    for (const p of curve) if (p.accuracy > at.accuracy) at = p;
  } else if (method === 'eer') {
    at = roc.eerPoint;
  } else {
    at = curve[0];
    for (const p of curve) if (p.far <= targetFar!) at = p;
  }
  return {
    method,
    ...(method === 'far' ? { targetFar } : {}),
    distanceThreshold: at.threshold,
    threshold: 1 - at.threshold,
    at,
    eer: roc.eer,
    auc: roc.auc,
    pairs: roc.pairs,
    positives: roc.positives,
    negatives: roc.negatives,
  };
}
