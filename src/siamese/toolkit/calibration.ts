/**
 * Choosing the match threshold of a verifier from labelled validation pairs, and the error
 * rates that describe it. Browser-safe, CPU-only: it runs once on a few thousand distances read
 * back from the GPU, and one sort is all it needs.
 *
 * Everything here is in DISTANCE space: a pair is accepted ("same") when distance < τ, strictly
 * (the seed's rule "1 − distance > threshold" is the same rule with threshold = 1 − τ).
 *   FAR (false-accept rate)  = different pairs accepted / different pairs
 *   FRR (false-reject rate)  = same pairs rejected / same pairs;  TAR = 1 − FRR
 * Candidate thresholds: with v_0 < … < v_{m−1} the distinct distances, τ = v_0 (accepts
 * nothing), the midpoints (v_i + v_{i+1})/2, and a value just above v_{m−1} (accepts all).
 * So every distinct operating point is a candidate, and each sits between data points.
 */

export type CalibrationMethod = 'best-accuracy' | 'eer' | 'far';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['best-accuracy', 'eer', 'far'];

/** One operating point: accept when distance < threshold. */
export interface OperatingPoint {
  threshold: number;
  far: number;
  frr: number;
  /** True-accept rate, 1 − FRR (the ROC curve's y). */
  tar: number;
  accuracy: number;
  falseAccepts: number;
  falseRejects: number;
}

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

function check(op: string, distances: ArrayLike<number>, labels: ArrayLike<number>): { pos: number; neg: number } {
  if (distances.length !== labels.length) throw new Error(`${op}: ${distances.length} distances but ${labels.length} labels`);
  if (distances.length === 0) throw new Error(`${op}: no pairs`);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new Error(`${op}: label ${i} is ${labels[i]}; labels must be 1 (same) or 0 (different)`);
    if (!Number.isFinite(distances[i])) throw new Error(`${op}: distance ${i} is ${distances[i]}; distances must be finite`);
    pos += labels[i];
  }
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) throw new Error(`${op}: needs both same and different pairs, got ${pos} same and ${neg} different`);
  return { pos, neg };
}

function point(threshold: number, acceptedPos: number, acceptedNeg: number, pos: number, neg: number): OperatingPoint {
  const falseRejects = pos - acceptedPos;
  return {
    threshold,
    far: acceptedNeg / neg,
    frr: falseRejects / pos,
    tar: acceptedPos / pos,
    accuracy: (acceptedPos + neg - acceptedNeg) / (pos + neg),
    falseAccepts: acceptedNeg,
    falseRejects,
  };
}

/**
 * Every candidate operating point, in order of increasing threshold (FAR and TAR rise from 0
 * to 1): the ROC curve.
 */
export function rocCurve(distances: ArrayLike<number>, labels: ArrayLike<number>): OperatingPoint[] {
  const { pos, neg } = check('rocCurve', distances, labels);
  const n = distances.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => distances[a] - distances[b]);
  const first = distances[order[0]];
  const out = [point(first, 0, 0, pos, neg)];
  let ap = 0;
  let an = 0;
  for (let i = 0; i < n; ) {
    const v = distances[order[i]];
    // A run of equal distances is accepted or rejected together.
    for (; i < n && distances[order[i]] === v; i++) labels[order[i]] === 1 ? ap++ : an++;
    const next = i < n ? (v + distances[order[i]]) / 2 : v + (Math.abs(v) + 1) * 1e-6;
    out.push(point(next, ap, an, pos, neg));
  }
  return out;
}

/** Area under a ROC curve (points in increasing FAR) by trapezoids. */
export function rocArea(curve: readonly OperatingPoint[]): number {
  let area = 0;
  for (let j = 1; j < curve.length; j++) area += ((curve[j].far - curve[j - 1].far) * (curve[j].tar + curve[j - 1].tar)) / 2;
  return area;
}

/** The candidate with the smallest |FAR − FRR| (the lower threshold on a tie). */
function eerPoint(curve: readonly OperatingPoint[]): OperatingPoint {
  let best = curve[0];
  for (const p of curve) if (Math.abs(p.far - p.frr) < Math.abs(best.far - best.frr)) best = p;
  return best;
}

/** Rates at a given distance threshold (accept when distance < threshold). */
export function ratesAt(distances: ArrayLike<number>, labels: ArrayLike<number>, distanceThreshold: number): OperatingPoint {
  const { pos, neg } = check('ratesAt', distances, labels);
  let ap = 0;
  let an = 0;
  for (let i = 0; i < distances.length; i++) if (distances[i] < distanceThreshold) labels[i] === 1 ? ap++ : an++;
  return point(distanceThreshold, ap, an, pos, neg);
}

/**
 * Picks the threshold on calibration pairs (never the pairs you report on):
 *  - 'best-accuracy': the most correct pairs; on a tie the lowest threshold (fewest false
 *    accepts);
 *  - 'eer': where FAR and FRR are closest (the equal-error-rate point);
 *  - 'far': the highest threshold whose FAR ≤ targetFar (the most true accepts the target
 *    allows). FAR 0 is always reachable, by accepting nothing.
 */
export function calibrate(
  distances: ArrayLike<number>,
  labels: ArrayLike<number>,
  method: CalibrationMethod = 'best-accuracy',
  { targetFar }: { targetFar?: number } = {},
): Calibration {
  const curve = rocCurve(distances, labels);
  let at: OperatingPoint;
  if (method === 'best-accuracy') {
    at = curve[0];
    for (const p of curve) if (p.accuracy > at.accuracy) at = p;
  } else if (method === 'eer') {
    at = eerPoint(curve);
  } else if (method === 'far') {
    if (typeof targetFar !== 'number' || !(targetFar >= 0 && targetFar <= 1)) {
      throw new Error(`calibrate: method 'far' needs targetFar in [0, 1], got ${targetFar}`);
    }
    at = curve[0];
    for (const p of curve) if (p.far <= targetFar) at = p;
  } else {
    throw new Error(`calibrate: method must be ${CALIBRATION_METHODS.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(method)}`);
  }
  const e = eerPoint(curve);
  const pos = curve[0].falseRejects;
  const neg = distances.length - pos;
  return {
    method,
    ...(method === 'far' ? { targetFar } : {}),
    distanceThreshold: at.threshold,
    threshold: 1 - at.threshold,
    at,
    eer: (e.far + e.frr) / 2,
    auc: rocArea(curve),
    pairs: distances.length,
    positives: pos,
    negatives: neg,
  };
}
