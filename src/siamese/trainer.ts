/**
 * Training, one batch at a time, so that a CLI loop and a browser page (start / pause / resume)
 * drive the same code:
 *
 *   const trainer = new Trainer(model, trainSet, { loss: 'contrastive', validation: { set: testSet } });
 *   while (running) {
 *     const r = await trainer.step();             // one optimizer step
 *     if (r.epochLogs) showEpoch(r.epochLogs);     // the epoch just ended (validation included)
 *     await new Promise(requestAnimationFrame);    // in a browser: let the page draw
 *   }
 *   trainer.history;                               // { loss, accuracy, val_loss, val_accuracy }
 *
 * Pausing is simply not calling `step()`; nothing runs in the background.
 *
 * No readback inside a step. Each step adds its batch's loss·B and correct count into a
 * [2]-tensor accumulator on the GPU; every `readEvery` steps (and at the end of an epoch) the
 * accumulator is copied back with a promise that is awaited only `readEvery` steps later, so
 * the CPU keeps encoding while the GPU works and never runs more than about 2·readEvery steps
 * ahead. The loss and accuracy a step reports are therefore the epoch's running means as of the
 * last completed readback (`logs.batchOfLogs` says which batch).
 *
 * Checkpoints: `await trainer.state()` returns everything the next step depends on (position,
 * random state, the epoch's pairs and running sums, history, the optimizer's moments; not the
 * model's weights, which the caller saves beside it). A new Trainer over the same weights, with
 * the same options, continues bit for bit after `trainer.restore(state)`, as if never stopped
 * (training-state.ts encodes a state; node-training-checkpoint.ts puts it on disk).
 */
import { fromArray, type Tensor, type Variable } from '../engine/tensor.js';
import { keep } from '../engine/scope.js';
import { Random } from '../engine/random.js';
import { noGrad } from '../autograd/tape.js';
import { add, equal, greater, mul, pairwiseDistances, stack, sub, sum, zeros } from '../autograd/ops.js';
import { Adam, type Optimizer } from '../nn/index.js';
import { gatherImages, type ImageSet } from './data/image-set.js';
import { balancedPairs, sampleTriplets, seedPairs, type PairSet, type TripletSet } from './pairs.js';
import { SiameseModel, TripletModel } from './model.js';
import { contrastiveLoss, tripletLoss } from './losses.js';
import { checkInput, pairBatch, tripletBatch } from './evaluate.js';
import { validate, type ValidationData, type ValidationResult } from './validation.js';
import { DEFAULT_THRESHOLD } from './metrics.js';
import type { History, TrainerSettings, TrainerState } from './training-state.js';
import { MINING_STRATEGIES, sampleClassBatch, type MiningStrategy } from './toolkit/mining.js';
import { batchMiningLoss } from './toolkit/batch-mining.js';

export type PairSampler = 'balanced' | 'seed';

/** A sampler of your own: the pairs (Siamese) or triplets (triplet network) of one epoch. */
export type CustomSampler = (set: ImageSet, count: number, rng: Random, epoch: number) => PairSet | TripletSet;

export interface TrainerOptions {
  /** Default new Adam({ learningRate: 1e-3 }). */
  optimizer?: Optimizer;
  /** Pairs (or triplets) per batch; default 64. */
  batchSize?: number;
  /** Pairs (or triplets) per epoch; default 6000. With the seed sampler: at most this many. */
  pairsPerEpoch?: number;
  /** 'balanced' (default): fresh balanced pairs each epoch; 'seed': the seed's pair builder
   * once, reshuffled each epoch (as Keras's fit does; contrastive training only); or a
   * function returning each epoch's pairs or triplets. */
  sampler?: PairSampler | CustomSampler;
  /** Margin of the contrastive or triplet loss; default 1. */
  margin?: number;
  /** "Same" when 1 − distance > threshold; default 0.5. */
  threshold?: number;
  /** Seeds the pair sampling. */
  seed?: number;
  /** Steps between readbacks of the running loss; default 10. */
  readEvery?: number;
  /** Evaluated at the end of each epoch (val_loss, val_accuracy). */
  validation?: ValidationData;
  /** Triplet models only: P×K batches with online mining instead of random triplets. */
  mining?: MiningOptions;
}

/**
 * Online triplet mining (toolkit/batch-mining.ts). Each step draws `classesPerBatch` classes ×
 * `samplesPerClass` images with the trainer's seeded rng, embeds them once, and takes the
 * triplet loss over the triplets the strategy picks from the batch's distances. The batch is
 * P·K images (`batchSize`, if given, must equal it); `pairsPerEpoch` counts images, an epoch is
 * ceil(pairsPerEpoch / (P·K)) batches. The accuracy reported is the fraction of the batch's
 * valid triplets with d(a,p) < d(a,n).
 */
export interface MiningOptions {
  strategy: MiningStrategy;
  /** P: classes per batch (at least 2, so that anchors have negatives). */
  classesPerBatch: number;
  /** K: images per class (at least 2, so that anchors have positives). */
  samplesPerClass: number;
}

export type { History, TrainerState } from './training-state.js';

export interface EpochLogs {
  epoch: number;
  loss: number;
  accuracy: number;
  val_loss?: number;
  val_accuracy?: number;
  /** Training pairs per second over the epoch (wall clock, validation excluded). */
  pairsPerSecond: number;
  seconds: number;
}

export interface BatchLogs {
  epoch: number;
  /** Batch index within the epoch (0-based) and its pairs. */
  batch: number;
  size: number;
  batchesPerEpoch: number;
  /** Running means over the epoch up to batch `batchOfLogs` (the last readback), if any yet. */
  loss?: number;
  accuracy?: number;
  batchOfLogs?: number;
  /** Throughput between the last two readbacks. */
  pairsPerSecond?: number;
  /** Set when this step finished an epoch. */
  epochLogs?: EpochLogs;
}

/** One readback of the running sums, taken after a given batch. */
interface PendingRead {
  batch: number;
  step: number;
  pairs: number;
  values: Promise<Float32Array | Int32Array>;
}

export class Trainer {
  readonly optimizer: Optimizer;
  readonly batchSize: number;
  readonly pairsPerEpoch: number;
  readonly sampler: PairSampler | CustomSampler;
  readonly margin: number;
  readonly threshold: number;
  readonly readEvery: number;
  readonly history: History = { loss: [], accuracy: [], val_loss: [], val_accuracy: [] };
  /**
   * Every readback: `loss` and `accuracy` are the means over the batches since the previous
   * readback of the epoch (with readEvery 1, each step's own), `runningLoss`/`runningAccuracy`
   * the epoch's means so far. For plotting curves within epochs.
   */
  readonly samples: { epoch: number; batch: number; step: number; loss: number; accuracy: number; runningLoss: number; runningAccuracy: number }[] = [];
  /** Completed epochs; the next step belongs to epoch `epoch` (0-based). */
  epoch = 0;
  /** Optimizer steps taken in all. */
  steps = 0;
  /** The last end-of-epoch validation (with every pair's distance, for pair validation). */
  lastValidation: ValidationResult | null = null;
  readonly rng: Random;

  private readonly kind: 'contrastive' | 'triplet';
  readonly mining: MiningOptions | null;
  private pairs: PairSet | null = null;
  private triplets: TripletSet | null = null;
  private seedPairSet: PairSet | null = null;
  private batch = 0;
  private pairsDone = 0;
  private acc: Tensor | null = null;
  private pending: PendingRead | null = null;
  private last: { batch: number; loss: number; accuracy: number; rate?: number; time: number; pairs: number; sums: [number, number] } | null = null;
  private epochStart = 0;

  constructor(
    readonly model: SiameseModel | TripletModel,
    readonly train: ImageSet,
    readonly options: TrainerOptions = {},
  ) {
    this.kind = model instanceof TripletModel ? 'triplet' : 'contrastive';
    if (!(model instanceof SiameseModel) && !(model instanceof TripletModel)) throw new Error('Trainer: model must be a SiameseModel or a TripletModel');
    checkInput(model, train);
    this.optimizer = options.optimizer ?? new Adam({ learningRate: 1e-3 });
    this.mining = options.mining ? checkMining(options.mining, this.kind, options) : null;
    this.batchSize = this.mining ? this.mining.classesPerBatch * this.mining.samplesPerClass : positiveInt(options.batchSize ?? 64, 'batchSize');
    this.pairsPerEpoch = positiveInt(options.pairsPerEpoch ?? 6000, 'pairsPerEpoch');
    this.readEvery = positiveInt(options.readEvery ?? 10, 'readEvery');
    this.sampler = options.sampler ?? 'balanced';
    if (this.sampler !== 'balanced' && this.sampler !== 'seed' && typeof this.sampler !== 'function') throw new Error(`Trainer: sampler must be 'balanced' or 'seed', got ${JSON.stringify(this.sampler)}`);
    if (this.sampler === 'seed' && this.kind === 'triplet') throw new Error("Trainer: the 'seed' pair sampler makes pairs; triplet training samples triplets");
    this.margin = options.margin ?? 1;
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
    if (!Number.isFinite(this.threshold)) throw new Error(`Trainer: threshold must be a number, got ${this.threshold}`);
    this.rng = new Random(options.seed ?? 0);
    if (options.validation) checkInput(model, options.validation.set);
    // Draw one batch with a throwaway rng now: too few classes with K images fails here, at
    // construction, naming the set, rather than at the first step.
    if (this.mining) sampleClassBatch(train, this.mining.classesPerBatch, this.mining.samplesPerClass, new Random(0));
  }

  /** Examples in the current epoch (known once it has started). */
  get epochSize(): number {
    if (this.mining) return Math.ceil(this.pairsPerEpoch / this.batchSize) * this.batchSize;
    if (this.kind === 'triplet') return this.triplets?.anchor.length ?? this.pairsPerEpoch;
    return this.pairs?.labels.length ?? (this.sampler === 'seed' ? this.seedPairs().labels.length : this.pairsPerEpoch);
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.epochSize / this.batchSize);
  }

  private seedPairs(): PairSet {
    if (!this.seedPairSet) {
      const classes = new Set(this.train.labels).size;
      this.seedPairSet = seedPairs(this.train, this.rng, { perClass: Math.max(1, Math.floor(this.pairsPerEpoch / (2 * classes))) });
    }
    return this.seedPairSet;
  }

  private startEpoch(): void {
    if (typeof this.sampler === 'function') {
      const got = this.sampler(this.train, this.pairsPerEpoch, this.rng, this.epoch);
      if (this.kind === 'triplet') {
        if (!('anchor' in got)) throw new Error('Trainer: a triplet model needs its sampler to return triplets { anchor, positive, negative }');
        this.triplets = got;
      } else {
        if (!('labels' in got)) throw new Error('Trainer: a Siamese model needs its sampler to return pairs { left, right, labels }');
        this.pairs = got;
      }
      if (this.epochSize < 1) throw new Error('Trainer: the sampler returned no examples');
    } else if (this.mining) this.triplets = null; // each step draws its own P×K batch
    else if (this.kind === 'triplet') this.triplets = sampleTriplets(this.train, this.pairsPerEpoch, this.rng);
    else if (this.sampler === 'balanced') this.pairs = balancedPairs(this.train, this.pairsPerEpoch, this.rng);
    else {
      const p = this.seedPairs();
      const order = this.rng.shuffle(Array.from(p.labels, (_, i) => i));
      this.pairs = { left: Int32Array.from(order, (i) => p.left[i]), right: Int32Array.from(order, (i) => p.right[i]), labels: Float32Array.from(order, (i) => p.labels[i]) };
    }
    this.acc?.dispose();
    this.acc = keep(zeros([2]));
    this.batch = 0;
    this.pairsDone = 0;
    this.last = null;
    this.epochStart = now();
  }

  /** Trains one batch. At the end of an epoch also validates and returns `epochLogs`. */
  async step(): Promise<BatchLogs> {
    if (!this.acc) this.startEpoch();
    const n = this.epochSize;
    const start = this.batch * this.batchSize;
    const end = Math.min(n, start + this.batchSize);
    const b = end - start;
    // Not inside tidy(): an optimizer creates its state (Adam's moments) on the first update,
    // and that state must outlive this step.
    const stats = this.trainBatch(start, end, this.model.trainableWeights);
    const next = add(this.acc!, stats);
    stats.dispose();
    this.acc!.dispose();
    this.acc = keep(next);
    this.batch++;
    this.steps++;
    this.pairsDone += b;
    const epochEnded = this.batch >= this.batchesPerEpoch;
    const logs: BatchLogs = { epoch: this.epoch, batch: this.batch - 1, size: b, batchesPerEpoch: this.batchesPerEpoch };
    if (epochEnded || this.batch % this.readEvery === 0) {
      const previous = this.pending;
      const values = this.acc.data();
      // If training stops before this read is awaited (a paused page, a disposed trainer, a
      // destroyed device), its rejection must not crash the process as unhandled.
      values.catch(() => {});
      this.pending = { batch: this.batch - 1, step: this.steps, pairs: this.pairsDone, values };
      if (previous) await this.complete(previous);
      if (epochEnded) {
        const final = this.pending;
        this.pending = null;
        await this.complete(final);
      }
    }
    if (this.last) {
      Object.assign(logs, { loss: this.last.loss, accuracy: this.last.accuracy, batchOfLogs: this.last.batch, pairsPerSecond: this.last.rate });
    }
    if (epochEnded) logs.epochLogs = await this.endEpoch();
    return logs;
  }

  /**
   * One optimizer step on examples [start, end); returns [loss·B, correct] on the GPU. Every
   * tensor made here is freed here, except the optimizer's own state.
   */
  private trainBatch(start: number, end: number, vars: Variable[]): Tensor {
    const b = end - start;
    const out: { stats?: Tensor } = {};
    const inputs: Tensor[] = [];
    try {
      let lossFn: () => Tensor;
      if (this.mining) {
        const { strategy, classesPerBatch, samplesPerClass } = this.mining;
        const batch = sampleClassBatch(this.train, classesPerBatch, samplesPerClass, this.rng);
        const t = this.train;
        const x = fromArray(gatherImages(t, batch.indices), [b, t.height, t.width, t.channels]);
        inputs.push(x);
        const model = this.model as TripletModel;
        lossFn = () => {
          // One pass through the shared base network for the whole batch; mining and the loss
          // both read its [B, B] distance matrix, gradients flow back through it.
          const e = model.embed(x);
          const d = pairwiseDistances(e, e, model.distance === 'cosine' ? 'cosine' : 'euclidean');
          const r = batchMiningLoss(d, batch.labels, strategy, this.margin);
          out.stats = keep(noGrad(() => stack([mul(r.loss, b), mul(r.accuracy, b)])));
          return r.loss;
        };
      } else if (this.kind === 'triplet') {
        const x = tripletBatch(this.train, this.triplets!, start, end);
        inputs.push(x);
        lossFn = () => {
          const { positive, negative } = (this.model as TripletModel).applyStacked(x);
          const l = tripletLoss(positive, negative, this.margin);
          // Triplet accuracy: the positive is nearer than the negative.
          out.stats = keep(noGrad(() => stack([mul(l, b), sum(greater(negative, positive))])));
          return l;
        };
      } else {
        const x = pairBatch(this.train, this.pairs!, start, end);
        const y = fromArray(this.pairs!.labels.subarray(start, end), [b]);
        inputs.push(x, y);
        lossFn = () => {
          const d = (this.model as SiameseModel).pairDistances(x);
          const l = contrastiveLoss(d, y, this.margin);
          out.stats = keep(noGrad(() => stack([mul(l, b), sum(equal(greater(sub(1, d), this.threshold), y))])));
          return l;
        };
      }
      this.optimizer.minimize(lossFn, vars).dispose();
      return out.stats!;
    } catch (e) {
      out.stats?.dispose();
      throw e;
    } finally {
      for (const t of inputs) t.dispose();
    }
  }

  /** Awaits a readback and records the running means it holds. */
  private async complete(r: PendingRead): Promise<void> {
    const v = await r.values;
    const t = now();
    const loss = v[0] / r.pairs;
    const accuracy = v[1] / r.pairs;
    if (!Number.isFinite(loss)) {
      throw new Error(`training diverged: the loss is ${loss} by epoch ${this.epoch + 1}, batch ${r.batch + 1}; lower the learning rate`);
    }
    const since = this.last ?? { time: this.epochStart, pairs: 0, sums: [0, 0] };
    const n = r.pairs - since.pairs;
    const rate = n / ((t - since.time) / 1000);
    this.last = { batch: r.batch, loss, accuracy, rate, time: t, pairs: r.pairs, sums: [v[0], v[1]] };
    this.samples.push({
      epoch: this.epoch,
      batch: r.batch,
      step: r.step,
      loss: (v[0] - since.sums[0]) / n,
      accuracy: (v[1] - since.sums[1]) / n,
      runningLoss: loss,
      runningAccuracy: accuracy,
    });
  }

  private async endEpoch(): Promise<EpochLogs> {
    const seconds = (now() - this.epochStart) / 1000;
    const logs: EpochLogs = {
      epoch: this.epoch,
      loss: this.last!.loss,
      accuracy: this.last!.accuracy,
      pairsPerSecond: this.pairsDone / seconds,
      seconds,
    };
    this.history.loss.push(logs.loss);
    this.history.accuracy.push(logs.accuracy);
    if (this.options.validation) {
      const v = await validate(this.model, this.options.validation, { margin: this.margin, threshold: this.threshold, batchSize: Math.max(this.batchSize, 128) });
      this.lastValidation = v;
      logs.val_loss = v.loss;
      logs.val_accuracy = v.accuracy;
      this.history.val_loss.push(v.loss);
      this.history.val_accuracy.push(v.accuracy);
    }
    this.acc?.dispose();
    this.acc = null;
    this.epoch++;
    return logs;
  }

  /**
   * Waits for the readback in flight, if any, and returns the newest sample (loss and accuracy
   * over the batches since the readback before it). A page that trains in bursts calls this
   * after each burst; it costs one wait for the GPU, so do not call it after every step.
   */
  async settle(): Promise<Trainer['samples'][number] | undefined> {
    const r = this.pending;
    this.pending = null;
    if (r) await this.complete(r);
    // Steps taken since the last readback was issued (mid-epoch): read them now.
    const lastRead = this.last?.batch ?? -1;
    if (this.acc && this.batch > 0 && this.batch - 1 > lastRead) {
      await this.complete({ batch: this.batch - 1, step: this.steps, pairs: this.pairsDone, values: this.acc.data() });
    }
    return this.samples[this.samples.length - 1];
  }

  /** What a saved state must agree on to be restored into this trainer. */
  private stateSettings(): TrainerSettings {
    return {
      kind: this.kind,
      batchSize: this.batchSize,
      pairsPerEpoch: this.pairsPerEpoch,
      sampler: typeof this.sampler === 'function' ? 'custom' : this.sampler,
      margin: this.margin,
      threshold: this.threshold,
      readEvery: this.readEvery,
      mining: this.mining ? { ...this.mining } : null,
    };
  }

  /**
   * Everything the next step depends on, for a checkpoint (see training-state.ts). Awaits the
   * readback in flight, which then counts as completed (its sample is the same as it would be
   * later), and reads the epoch's running sums and the optimizer's state back from the GPU.
   * The model's weights are not included: save them beside it.
   */
  async state(): Promise<TrainerState> {
    const r = this.pending;
    this.pending = null;
    if (r) await this.complete(r);
    const started = this.acc !== null;
    const sums = this.acc ? Float32Array.from(await this.acc.data()) : null;
    const optimizer = await this.optimizer.getState();
    const l = this.last;
    return {
      settings: this.stateSettings(),
      epoch: this.epoch,
      steps: this.steps,
      // Between epochs the finished epoch's counters linger until the next one starts.
      batch: started ? this.batch : 0,
      pairsDone: started ? this.pairsDone : 0,
      epochSeconds: started ? (now() - this.epochStart) / 1000 : 0,
      rng: this.rng.getState(),
      history: { loss: [...this.history.loss], accuracy: [...this.history.accuracy], val_loss: [...this.history.val_loss], val_accuracy: [...this.history.val_accuracy] },
      samples: this.samples.map((s) => ({ ...s })),
      last: l ? { batch: l.batch, loss: l.loss, accuracy: l.accuracy, pairs: l.pairs, sums: [l.sums[0], l.sums[1]] } : null,
      sums,
      pairs: started ? this.pairs : null,
      triplets: started ? this.triplets : null,
      seedPairs: this.seedPairSet,
      optimizer,
      weightNames: this.model.trainableWeights.map(nameOf),
    };
  }

  /**
   * Continues from a `state()`: call it on a new Trainer, before its first step, whose model
   * holds the weights saved with the state and whose options match the saved ones (pass a
   * custom sampler function again). Restores the optimizer's state too; Adam's moments attach
   * to the model's weights by position, so a model rebuilt under other layer names fits.
   */
  restore(state: TrainerState): void {
    if (this.steps > 0 || this.acc || this.pending) throw new Error('Trainer.restore: call it on a new trainer, before its first step');
    const mine = this.stateSettings() as unknown as Record<string, unknown>;
    const saved = { mining: null, ...state.settings } as Record<string, unknown>;
    for (const k of Object.keys(mine)) {
      if (JSON.stringify(saved[k]) !== JSON.stringify(mine[k])) {
        throw new Error(`Trainer.restore: the state was saved with ${k} ${JSON.stringify(saved[k])}, this trainer has ${JSON.stringify(mine[k])}`);
      }
    }
    const weights = this.model.trainableWeights;
    if (state.weightNames.length !== weights.length) {
      throw new Error(`Trainer.restore: the state is for a model with ${state.weightNames.length} trainable weights, this model has ${weights.length}`);
    }
    // Moments of other variables (an optimizer shared with another model) keep their names.
    const moments = Object.fromEntries(Object.entries(state.optimizer.moments).filter(([name]) => !state.weightNames.includes(name)));
    state.weightNames.forEach((old, i) => {
      const s = state.optimizer.moments[old];
      if (!s) return;
      const w = weights[i];
      if (s.m.length !== w.size) {
        throw new Error(`Trainer.restore: optimizer moments of '${old}' hold ${s.m.length} values, but weight ${i} '${nameOf(w)}' [${w.shape.join(', ')}] has ${w.size}`);
      }
      moments[nameOf(w)] = s;
    });
    this.optimizer.setState({ ...state.optimizer, moments });
    this.rng.setState(state.rng);
    this.epoch = state.epoch;
    this.steps = state.steps;
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const) this.history[k].splice(0, Infinity, ...state.history[k]);
    this.samples.splice(0, Infinity, ...state.samples.map((s) => ({ ...s })));
    this.seedPairSet = state.seedPairs;
    this.last = state.last ? { ...state.last, sums: [state.last.sums[0], state.last.sums[1]], time: now() } : null;
    if (state.sums) {
      // Mid-epoch: the epoch's examples and running sums as they were; no new draw.
      this.pairs = state.pairs;
      this.triplets = state.triplets;
      this.batch = state.batch;
      this.pairsDone = state.pairsDone;
      this.acc = keep(fromArray(Float32Array.from(state.sums), [2]));
      this.epochStart = now() - state.epochSeconds * 1000;
    }
  }

  /** Frees the accumulators (the model and optimizer belong to the caller). */
  dispose(): void {
    this.acc?.dispose();
    this.acc = null;
  }
}

function checkMining(m: MiningOptions, kind: 'contrastive' | 'triplet', o: TrainerOptions): MiningOptions {
  if (kind !== 'triplet') throw new Error('Trainer: online mining picks triplets; it needs a TripletModel (triplet loss)');
  if (!MINING_STRATEGIES.includes(m.strategy)) throw new Error(`Trainer: mining strategy must be ${MINING_STRATEGIES.map((s) => `'${s}'`).join(', ')}, got ${JSON.stringify(m.strategy)}`);
  if (!Number.isInteger(m.classesPerBatch) || m.classesPerBatch < 2) throw new Error(`Trainer: classesPerBatch must be an integer >= 2 (anchors need negatives), got ${m.classesPerBatch}`);
  if (!Number.isInteger(m.samplesPerClass) || m.samplesPerClass < 2) throw new Error(`Trainer: samplesPerClass must be an integer >= 2 (anchors need positives), got ${m.samplesPerClass}`);
  const pk = m.classesPerBatch * m.samplesPerClass;
  if (o.batchSize !== undefined && o.batchSize !== pk) {
    throw new Error(`Trainer: with mining a batch is classesPerBatch × samplesPerClass = ${pk} images; batchSize ${o.batchSize} disagrees (leave it out)`);
  }
  if (typeof o.sampler === 'function') throw new Error('Trainer: mining draws its own P×K batches; a custom sampler cannot be used with it');
  return { ...m };
}

function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`Trainer: ${what} must be a positive integer, got ${v}`);
  return v;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** The name an optimizer files a variable's state under (as optimizers.ts does). */
function nameOf(v: Variable): string {
  return v.name ?? `variable_${v.id}`;
}
