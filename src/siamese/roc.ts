/**
 * ROC analysis of labelled pair distances with the counting on the GPU (shaders/roc.wgsl):
 * the ROC curve over every distinct operating point, its area, the equal error rate, and
 * FAR / FRR / accuracy at any thresholds, in one launch. Browser-safe.
 *
 * Rule: a pair is accepted ("same") when distance < τ, strictly. With v_0 < … < v_{m−1} the
 * distinct distances, the candidate thresholds are τ = v_0 (accepts nothing), the midpoints
 * (v_i + v_{i+1})/2, and a value just above v_{m−1} (accepts all): every distinct operating
 * point, each between data points.
 *
 * Split of the work: the CPU checks the input and sorts the n distances once to find the
 * distinct values (n log n on a few thousand numbers); the GPU does the n × t comparisons and
 * returns integer counts; the CPU turns the t count pairs into rates. The distances are
 * float32 (as the GPU makes them; float64 input is rounded to float32 first), and magnitudes
 * below float32's smallest normal (1.2e-38) count as 0, as GPUs flush them. The counts are then
 * exactly what a CPU counts on those values (shaders/roc.wgsl says why), so AUC and every rate
 * are exact ratios of integers.
 */
import { fromArray, Tensor } from '../engine/tensor.js';
import { tidy } from '../engine/scope.js';
import { noGrad } from '../autograd/tape.js';
import { countBelow } from '../autograd/roc.js';

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

export interface RocAnalysis {
  /** Every candidate operating point, by increasing threshold (FAR and TAR rise from 0 to 1). */
  curve: OperatingPoint[];
  /** Area under the curve by trapezoids; equals the Mann-Whitney statistic (ties ½). */
  auc: number;
  /** (FAR + FRR) / 2 at `eerPoint`. */
  eer: number;
  /** The candidate where |FAR − FRR| is smallest (the lower threshold on a tie). */
  eerPoint: OperatingPoint;
  /** The operating points at the thresholds asked for, in their order. */
  at: OperatingPoint[];
  pairs: number;
  positives: number;
  negatives: number;
}

const MIN_NORMAL = 2 ** -126;
const F32_MAX = 3.4028234663852886e38;

/** Checks lengths, labels (0/1, both present) and finiteness; returns the class totals. */
export function checkPairs(op: string, distances: ArrayLike<number>, labels: ArrayLike<number>): { pos: number; neg: number } {
  if (distances.length !== labels.length) throw new Error(`${op}: ${distances.length} distances but ${labels.length} labels`);
  if (distances.length === 0) throw new Error(`${op}: no pairs`);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new Error(`${op}: label ${i} is ${labels[i]}; labels must be 1 (same) or 0 (different)`);
    if (!Number.isFinite(distances[i]) || Math.abs(distances[i]) > F32_MAX) {
      throw new Error(`${op}: distance ${i} is ${distances[i]}; distances must be finite float32 values`);
    }
    pos += labels[i];
  }
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) throw new Error(`${op}: needs both same and different pairs, got ${pos} same and ${neg} different`);
  return { pos, neg };
}

/** The distances as float32 with denormals flushed to 0 (what the GPU compares). */
function flushedF32(distances: ArrayLike<number>): Float32Array {
  const d = Float32Array.from(distances);
  for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) < MIN_NORMAL) d[i] = 0;
  return d;
}

const bits = new Float32Array(1);
const word = new Uint32Array(bits.buffer);

/**
 * The float32 cut c with d < τ ⟺ d < c for every float32 d that is 0 or normal: the smallest
 * float32 ≥ τ, with a denormal result moved to where a flushed comparison gives the same answer.
 */
export function cutFor(threshold: number, op = 'cutFor'): number {
  if (Number.isNaN(threshold) || Math.abs(threshold) > F32_MAX) throw new Error(`${op}: threshold ${threshold} is outside float32's finite range`);
  let c = Math.fround(threshold);
  if (c < threshold) {
    // Step up one float32: c is below τ, so it is not +max; ±0 steps to the smallest denormal.
    bits[0] = c;
    if (c === 0) word[0] = 1;
    else word[0] += c > 0 ? 1 : -1;
    c = bits[0];
  }
  // d < c for a positive denormal c ⟺ d ≤ 0 ⟺ d < smallest normal; for a negative one ⟺ d < 0.
  if (c !== 0 && Math.abs(c) < MIN_NORMAL) c = c > 0 ? MIN_NORMAL : 0;
  return c;
}

/** The candidate thresholds of sorted distinct values (see the file comment). */
function candidates(distinct: Float32Array): number[] {
  const m = distinct.length;
  const out = [distinct[0]];
  for (let i = 1; i < m; i++) out.push((distinct[i - 1] + distinct[i]) / 2);
  const last = distinct[m - 1];
  out.push(last + (Math.abs(last) + 1) * 1e-6);
  return out;
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

/** [t, 2] accept counts (same, different) at each threshold, counted on the GPU. */
async function acceptCounts(distances: Float32Array, gpuDistances: Tensor | null, labels: ArrayLike<number>, thresholds: readonly number[], op: string): Promise<Int32Array> {
  const cuts = Float32Array.from(thresholds, (t) => cutFor(t, op));
  const counts = noGrad(() =>
    tidy(() => countBelow(gpuDistances ?? fromArray(distances, [distances.length]), fromArray(labels, [labels.length], 'int32'), fromArray(cuts, [cuts.length]))),
  );
  try {
    return (await counts.data()) as Int32Array;
  } finally {
    counts.dispose();
  }
}

/** Host copy of the distances (read back when they are a tensor) and the tensor to count on. */
async function prepare(op: string, distances: Tensor | ArrayLike<number>, labels: ArrayLike<number>) {
  let raw: ArrayLike<number>;
  if (distances instanceof Tensor) {
    const t = distances;
    if (t.rank !== 1 || t.dtype !== 'float32') throw new Error(`${op}: distances must be a float32 vector [n], got [${t.shape.join(', ')}] ${t.dtype}`);
    raw = await t.data();
  } else raw = distances as ArrayLike<number>;
  const totals = checkPairs(op, raw, labels);
  const host = flushedF32(raw);
  // The tensor can be counted on as it is unless flushing changed a value.
  const gpu = distances instanceof Tensor && host.every((v, i) => v === raw[i]) ? distances : null;
  return { host, gpu, ...totals };
}

/** Area under a ROC curve (points by increasing threshold) by trapezoids. */
export function rocArea(curve: readonly OperatingPoint[]): number {
  let area = 0;
  for (let j = 1; j < curve.length; j++) area += ((curve[j].far - curve[j - 1].far) * (curve[j].tar + curve[j - 1].tar)) / 2;
  return area;
}

/** The point with the smallest |FAR − FRR| (the first, i.e. lowest threshold, on a tie). */
export function eerPoint(curve: readonly OperatingPoint[]): OperatingPoint {
  let best = curve[0];
  for (const p of curve) if (Math.abs(p.far - p.frr) < Math.abs(best.far - best.frr)) best = p;
  return best;
}

/**
 * The ROC curve, AUC, EER and the operating points at `thresholds`, from distances (a float32
 * tensor [n] on the GPU, or values) and labels (1 same, 0 different). One GPU launch.
 */
export async function rocAnalysis(distances: Tensor | ArrayLike<number>, labels: ArrayLike<number>, thresholds: readonly number[] = [], op = 'rocAnalysis'): Promise<RocAnalysis> {
  const { host, gpu, pos, neg } = await prepare(op, distances, labels);
  const sorted = host.slice().sort();
  const distinct = sorted.filter((v, i) => i === 0 || v !== sorted[i - 1]);
  const cand = candidates(distinct);
  const counts = await acceptCounts(host, gpu, labels, [...cand, ...thresholds], op);
  const curve = cand.map((t, j) => point(t, counts[2 * j], counts[2 * j + 1], pos, neg));
  // Trapezoids over integer counts: Σ Δ(accepted different) · (accepted same, both ends) / 2PN,
  // a sum of integers (exact in float64 below 2^53) and one division.
  let twiceArea = 0;
  for (let j = 1; j < cand.length; j++) twiceArea += (counts[2 * j + 1] - counts[2 * j - 1]) * (counts[2 * j] + counts[2 * j - 2]);
  const e = eerPoint(curve);
  const at = thresholds.map((t, k) => point(t, counts[2 * (cand.length + k)], counts[2 * (cand.length + k) + 1], pos, neg));
  return { curve, auc: twiceArea / (2 * pos * neg), eer: (e.far + e.frr) / 2, eerPoint: e, at, pairs: host.length, positives: pos, negatives: neg };
}

/** Only the operating points at `thresholds` (n × thresholds comparisons on the GPU, no curve). */
export async function ratesAtThresholds(distances: Tensor | ArrayLike<number>, labels: ArrayLike<number>, thresholds: readonly number[], op = 'ratesAt'): Promise<OperatingPoint[]> {
  if (thresholds.length === 0) throw new Error(`${op}: no thresholds given`);
  const { host, gpu, pos, neg } = await prepare(op, distances, labels);
  const counts = await acceptCounts(host, gpu, labels, thresholds, op);
  return thresholds.map((t, k) => point(t, counts[2 * k], counts[2 * k + 1], pos, neg));
}
