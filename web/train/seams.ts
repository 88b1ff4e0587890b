/**
 * What the page needs from the training library (src/siamese), as one interface.
 *
 * The page's components (controls, charts, pair grid, draw-to-compare, one-shot) depend only on
 * these types. train/wiring.ts is the single file that chooses the SessionFactory; the session
 * itself (src/siamese behind this interface) is train/siamese-session.ts.
 */
import type { DigitSet } from '../data/digits-format.js';
import type { Profile } from '../engine.js';

/** Settings of one training run. */
export interface TrainingConfig {
  /** Seeds weight initialisation, the train/validation split and pair sampling. */
  seed: number;
  /** Held-out share of each class (validation and test pairs come from it). */
  valFraction: number;
  /** Pairs per training step. */
  batchPairs: number;
  /** Pairs per epoch; balanced pairs are resampled each epoch. */
  pairsPerEpoch: number;
  /** Adam's learning rate. */
  learningRate: number;
  /** A pair is judged "same" when its score (1 − distance) exceeds this. */
  threshold: number;
}

/**
 * The recipe measured with TensorFlow.js in shared PLATFORM.md (balanced pairs resampled every
 * epoch, Adam 1e-3, 64-pair batches, 6,000 pairs an epoch, 80/20 split, "same" when
 * 1 − distance > 0.5): test pair accuracy 0.90 / 0.95 / 0.95 after epochs 1 / 2 / 3.
 */
export const DEFAULT_CONFIG: TrainingConfig = {
  seed: 1,
  valFraction: 0.2,
  batchPairs: 64,
  pairsPerEpoch: 6000,
  learningRate: 1e-3,
  threshold: 0.5,
};

/** What a burst of training steps reports. */
export interface StepReport {
  /** Steps done since the session began (after this burst). */
  step: number;
  /** Epochs done, fractional (step * batchPairs / pairsPerEpoch). */
  epoch: number;
  /** Mean loss over the burst's steps: the loss stays on the GPU and is read back once. */
  loss: number;
  /** Pair accuracy over the burst's batches, when the library measures it without extra cost. */
  accuracy?: number;
}

/** Loss and pair accuracy over a fixed set of pairs from one split. */
export interface EvalReport {
  loss: number;
  accuracy: number;
  pairs: number;
}

/** A pair's judgement under the model's rule. */
export interface Verdict {
  distance: number;
  /** Similarity shown to the user: 1 − distance. */
  score: number;
  same: boolean;
}

/** One test pair with its truth and, once a model exists, the model's verdict. */
export interface PairView {
  /** 784 values in [0, 1] each. */
  a: Float32Array;
  b: Float32Array;
  labelA: number;
  labelB: number;
  verdict: Verdict | null;
}

/** A training run on the GPU, as the page drives it. Every method may throw DeviceLostError. */
export interface TrainingSession {
  readonly config: TrainingConfig;
  /** Encodes `steps` training steps with no readback inside them, then reads back their mean loss once. */
  runSteps(steps: number): Promise<StepReport>;
  /** Loss and accuracy on up to `maxPairs` fixed pairs of the training or the held-out split. */
  evaluate(split: 'train' | 'val', maxPairs: number): Promise<EvalReport>;
  /** `count` fixed held-out pairs (the same ones each call) with the current model's verdicts. */
  testPairs(count: number): Promise<PairView[]>;
  /** Embeds 28×28 images (784 values in [0, 1] each, ink = 1, as the drawing pads give them). */
  embed(images: Float32Array[]): Promise<Float32Array[]>;
  /** The model's distance between two embeddings (Euclidean for the seed network). */
  distance(a: Float32Array, b: Float32Array): number;
  /** A distance judged under the model's rule (config.threshold). */
  verdict(distance: number): Verdict;
  /** Frees every tensor the session holds (weights, optimizer state, cached data). */
  dispose(): void;
  /** Runs one training step (a real one: the model learns from it) under the engine's profiler:
   * per-kernel times, launches with their WGSL source and dispatch size. Optional: a session
   * without it just has no profiler panel. */
  profileStep?(): Promise<Profile<StepReport>>;
}

/** Builds a session from the digits; train/wiring.ts provides it. */
export type SessionFactory = (digits: DigitSet, config: TrainingConfig) => Promise<TrainingSession>;
