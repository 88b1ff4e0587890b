/**
 * The TrainingSession the page drives (seams.ts), built from the Siamese toolkit (src/siamese)
 * exactly as a user of the library would build it: the seed network in a SiameseModel, a
 * Trainer stepping Adam on balanced pairs, and the toolkit's own evaluation.
 *
 * Browser-safe and DOM-free, so that the end-to-end test runs this very code in Node with the
 * same digits and seed, and compares the page's losses with it.
 *
 * No readback inside a training step: the Trainer keeps each step's loss·B and correct count in
 * an accumulator on the GPU. It is created with a read interval longer than any burst, so it
 * never reads on its own (except at an epoch's end, where it must); `settle()` after the burst
 * reads the accumulator once, and that single wait is the only one in `runSteps`.
 */
import { Adam, noGrad, profile, Random, siamese, tensor, tidy, type Profile } from '../engine.js';
import { allImages, type DigitSet } from '../data/digits-format.js';
import type { EvalReport, PairView, StepReport, TrainingConfig, TrainingSession, Verdict } from './seams.js';

type ImageSet = siamese.ImageSet;
type PairSet = siamese.PairSet;

/** Seeds of the fixed evaluation and test pairs: independent of the training seed, so that
 * curves of runs with different seeds are measured on the same pairs of their split. */
const EVAL_PAIR_SEED = { train: 101, val: 102 } as const;
const TEST_PAIR_SEED = 103;
/** The contrastive loss's margin (the seed's). */
const MARGIN = 1;
/** Longer than any burst: the Trainer then reads back only when asked (and at epoch ends). */
const NEVER = 2 ** 30;

/** The digits served with the page as the toolkit's ImageSet (NHWC, one channel). */
export function digitsToImageSet(d: DigitSet): ImageSet {
  return siamese.makeImageSet({
    images: allImages(d),
    labels: Int32Array.from(d.labels),
    height: d.rows,
    width: d.cols,
    channels: 1,
    numClasses: d.numClasses,
    source: 'digits served with the page',
  });
}

/** Checks a config with messages that name the setting; the page shows them to the user. */
export function checkConfig(c: TrainingConfig): void {
  const bad = (what: string, v: number, want: string): never => {
    throw new Error(`training config: ${what} is ${v}, expected ${want}`);
  };
  if (!Number.isInteger(c.seed) || c.seed < 0) bad('seed', c.seed, 'an integer >= 0');
  if (!(c.valFraction > 0 && c.valFraction < 1)) bad('valFraction', c.valFraction, 'a number in (0, 1)');
  if (!Number.isInteger(c.batchPairs) || c.batchPairs < 2) bad('batchPairs', c.batchPairs, 'an integer >= 2');
  if (!Number.isInteger(c.pairsPerEpoch) || c.pairsPerEpoch < c.batchPairs) bad('pairsPerEpoch', c.pairsPerEpoch, `an integer >= batchPairs (${c.batchPairs})`);
  if (!(c.learningRate > 0 && c.learningRate < 1)) bad('learningRate', c.learningRate, 'a number in (0, 1)');
  if (!(c.threshold > -1 && c.threshold < 1)) bad('threshold', c.threshold, 'a number in (-1, 1)');
}

export class SiameseSession implements TrainingSession {
  private readonly model: siamese.SiameseModel;
  private readonly optimizer: Adam;
  private readonly trainer: siamese.Trainer;
  private readonly evalData = new Map<string, siamese.ValidationData>();
  private testPairSet: PairSet | null = null;
  private pairsDone = 0;
  private disposed = false;

  constructor(
    readonly config: TrainingConfig,
    readonly train: ImageSet,
    readonly heldOut: ImageSet,
  ) {
    this.model = new siamese.SiameseModel(siamese.seedNetwork({ seed: config.seed }), 'euclidean');
    this.optimizer = new Adam({ learningRate: config.learningRate });
    this.trainer = new siamese.Trainer(this.model, train, {
      optimizer: this.optimizer,
      batchSize: config.batchPairs,
      pairsPerEpoch: config.pairsPerEpoch,
      sampler: 'balanced',
      margin: MARGIN,
      threshold: config.threshold,
      seed: config.seed,
      readEvery: NEVER,
    });
  }

  async runSteps(steps: number): Promise<StepReport> {
    this.alive('runSteps');
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`runSteps: steps must be a positive integer, got ${steps}`);
    const firstSample = this.trainer.samples.length;
    const stepBefore = this.trainer.steps;
    // Pairs in each step of this burst (the last batch of an epoch may be short), to weight the means.
    const sizes = new Map<number, number>();
    for (let i = 0; i < steps; i++) {
      const logs = await this.trainer.step(); // encodes one step; waits only at an epoch's end
      sizes.set(this.trainer.steps, logs.size);
      this.pairsDone += logs.size;
    }
    await this.trainer.settle(); // the burst's one readback
    // A burst that crosses an epoch's end leaves two samples (the end of one epoch, the start
    // of the next): combine them, each weighted by the pairs it covers.
    let from = stepBefore;
    let pairs = 0;
    let lossSum = 0;
    let rightSum = 0;
    for (const s of this.trainer.samples.slice(firstSample)) {
      let n = 0;
      for (let k = from + 1; k <= s.step; k++) n += sizes.get(k) ?? 0;
      from = s.step;
      pairs += n;
      lossSum += s.loss * n;
      rightSum += s.accuracy * n;
    }
    if (pairs === 0) throw new Error(`runSteps: no loss was read back for steps ${stepBefore + 1}–${this.trainer.steps}`);
    return {
      step: this.trainer.steps,
      epoch: this.pairsDone / this.config.pairsPerEpoch,
      loss: lossSum / pairs,
      accuracy: rightSum / pairs,
    };
  }

  /** One step under the profiler, its loss read back inside (that readback is a copy, not a kernel). */
  async profileStep(): Promise<Profile<StepReport>> {
    this.alive('profileStep');
    return profile(() => this.runSteps(1));
  }

  async evaluate(split: 'train' | 'val', maxPairs: number): Promise<EvalReport> {
    this.alive('evaluate');
    const key = `${split}:${maxPairs}`;
    let data = this.evalData.get(key);
    if (!data) {
      const set = split === 'train' ? this.train : this.heldOut;
      // Balanced pairs (half same, half different, every class pair possible), drawn once.
      data = { set, pairs: siamese.balancedPairs(set, Math.max(2, maxPairs), new Random(EVAL_PAIR_SEED[split])) };
      this.evalData.set(key, data);
    }
    const r = await siamese.validate(this.model, data, { margin: MARGIN, threshold: this.config.threshold });
    return { loss: r.loss, accuracy: r.accuracy, pairs: r.count };
  }

  async testPairs(count: number): Promise<PairView[]> {
    this.alive('testPairs');
    if (!this.testPairSet || this.testPairSet.labels.length !== count) {
      this.testPairSet = siamese.balancedPairs(this.heldOut, Math.max(2, count), new Random(TEST_PAIR_SEED));
    }
    const p = this.testPairSet;
    const d = await siamese.pairDistances(this.model, this.heldOut, p);
    return Array.from(d, (distance, i) => ({
      a: siamese.imageAt(this.heldOut, p.left[i]).slice(),
      b: siamese.imageAt(this.heldOut, p.right[i]).slice(),
      labelA: this.heldOut.labels[p.left[i]],
      labelB: this.heldOut.labels[p.right[i]],
      verdict: this.verdict(distance),
    })).slice(0, count);
  }

  async embed(images: Float32Array[]): Promise<Float32Array[]> {
    this.alive('embed');
    const [h, w, c] = this.model.base.inputShape;
    const size = h * w * c;
    if (images.length === 0) return [];
    const batch = new Float32Array(images.length * size);
    images.forEach((img, i) => {
      if (img.length !== size) throw new Error(`embed: image ${i} has ${img.length} values, expected ${h}×${w}×${c} = ${size}`);
      batch.set(img, i * size);
    });
    const e = noGrad(() => tidy(() => this.model.embed(tensor(batch, [images.length, h, w, c]))));
    const values = e.data();
    e.dispose(); // the copy is already encoded; the tensor can go now
    const flat = (await values) as Float32Array;
    const dim = flat.length / images.length;
    return images.map((_, i) => flat.slice(i * dim, (i + 1) * dim));
  }

  /** Euclidean, as the model's head computes it: sqrt(max(Σ (a − b)², 1e-7)). */
  distance(a: Float32Array, b: Float32Array): number {
    if (a.length !== b.length) throw new Error(`distance: embeddings of ${a.length} and ${b.length} values`);
    let s = 0;
    for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
    return Math.sqrt(Math.max(s, 1e-7));
  }

  verdict(distance: number): Verdict {
    const score = 1 - distance;
    return { distance, score, same: score > this.config.threshold };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.trainer.dispose();
    this.optimizer.dispose();
    this.model.base.dispose();
  }

  private alive(what: string): void {
    if (this.disposed) throw new Error(`${what}: this training session was reset (disposed); start a new one`);
  }
}

/** The SessionFactory: splits the digits per class (seeded) and builds a fresh model. */
export async function createSiameseSession(digits: DigitSet, config: TrainingConfig): Promise<TrainingSession> {
  checkConfig(config);
  const all = digitsToImageSet(digits);
  const { train, test } = siamese.splitPerClass(all, { testFraction: config.valFraction, seed: config.seed });
  return new SiameseSession(config, train, test);
}
