/**
 * `siamese train`'s checkpoints, `--resume` and Ctrl-C.
 *
 * Every `--checkpoint-every` steps, at the end, and when interrupted, the run's `checkpoint/`
 * folder is replaced whole (src/siamese/node-training-checkpoint.ts): the model, the trainer's
 * state and, in training.json's `run`, the run's flags and a fingerprint of its data. `--resume
 * DIR` reads that back before the GPU starts: the saved flags become the run's settings; flags
 * given again must agree with them, except `--epochs` (to train longer), `--data` (the same data
 * in another place: the fingerprint must match), `--checkpoint-every`, `--quiet` and `--profile`.
 */
import { resolve } from 'node:path';
import { crc32 } from '../nn/artifacts.js';
import type { ImageSet } from '../siamese/data/image-set.js';
import type { SiameseModel, TripletModel } from '../siamese/model.js';
import { loadCheckpoint } from '../siamese/node-checkpoint.js';
import {
  checkStateFitsModel,
  findTrainingCheckpoint,
  readTrainingCheckpoint,
  saveTrainingCheckpoint,
  STATE_HEAD_FILE,
  type FoundCheckpoint,
  type TrainingCheckpoint,
} from '../siamese/node-training-checkpoint.js';
import type { Trainer } from '../siamese/trainer.js';
import type { Sequential } from '../nn/index.js';
import { TRAIN_FLAGS, type TrainArgs } from './args.js';
import { fixedThreshold } from './train-threshold.js';

/** Flags that may differ from the saved run's on --resume (the rest are the run's settings). */
const FREE_ON_RESUME = new Set(['resume', 'epochs', 'data', 'out', 'quiet', 'checkpoint-every', 'profile']);
/** Flags that are not settings of the run, so not saved with it. */
const NOT_SAVED = new Set(['resume', 'quiet', 'checkpoint-every', 'profile']);

/** What a checkpoint records about the data, to refuse resuming on other data. */
export interface DataFingerprint {
  train: { count: number; shape: number[]; numClasses: number; crc32: number };
  test: { count: number; shape: number[]; numClasses: number; crc32: number };
}

export interface ResumePlan {
  found: FoundCheckpoint;
  checkpoint: TrainingCheckpoint;
  /** The run's flags: the saved ones, with the free ones as given now. */
  args: TrainArgs;
  /** Training time and examples of the run so far (for metrics.json's throughput). */
  trainSeconds: number;
  trained: number;
}

function headFile(ck: TrainingCheckpoint): string {
  return `${ck.dir}/${STATE_HEAD_FILE}`;
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Reads the checkpoint `--resume` names and works out the run's flags (no GPU needed). */
export function prepareResume(a: TrainArgs): ResumePlan {
  const found = findTrainingCheckpoint(a.resume!);
  const ck = readTrainingCheckpoint(found.dir);
  const file = headFile(ck);
  const run = ck.run ?? {};
  const saved = run.flags;
  if (!saved || typeof saved !== 'object' || Array.isArray(saved)) {
    throw new Error(`${file}: no "run.flags": the state was not saved by 'siamese train', so the command line cannot resume it`);
  }
  const flags = saved as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...a };
  for (const [k, spec] of Object.entries(TRAIN_FLAGS)) {
    if (FREE_ON_RESUME.has(k)) continue;
    const was = k in flags ? flags[k] : (spec as { default?: unknown }).default;
    if (a.given.includes(k) && (a as Record<string, unknown>)[k] !== was) {
      throw new Error(
        `--${k} ${show((a as Record<string, unknown>)[k])} conflicts with the run being resumed, which trained with ` +
          `${was === undefined ? `no --${k}` : `--${k} ${show(was)}`} (${file}); leave it out, or start a new run`,
      );
    }
    merged[k] = was;
  }
  if (!a.given.includes('data') && typeof flags.data === 'string') merged.data = flags.data;
  const done = ck.state.epoch;
  const epochs = a.given.includes('epochs') ? a.epochs : Number(flags.epochs ?? a.epochs);
  if (epochs < done) throw new Error(`--epochs ${epochs}: the run being resumed has already trained ${done} epochs (${file})`);
  merged.epochs = epochs;
  if (a.given.includes('out') && resolve(a.out) !== found.runDir) {
    throw new Error(`--out ${a.out}: a resumed run continues in its own folder ${found.runDir}; leave --out out`);
  }
  merged.out = found.runDir;
  if (ck.head.distance !== merged.distance || (ck.head.model === 'triplet') !== (merged.loss === 'triplet')) {
    throw new Error(`${file}: its flags (--loss ${show(merged.loss)}, --distance ${show(merged.distance)}) do not match ${ck.dir}/siamese.json (a ${ck.head.model} model, ${ck.head.distance} distance): the files come from different checkpoints`);
  }
  return {
    found,
    checkpoint: ck,
    args: merged as TrainArgs,
    trainSeconds: typeof run.trainSeconds === 'number' ? run.trainSeconds : 0,
    trained: typeof run.trained === 'number' ? run.trained : 0,
  };
}

/** Sizes and CRC-32 of the training and test images and labels. */
export function dataFingerprint(train: ImageSet, test: ImageSet): DataFingerprint {
  const one = (s: ImageSet) => {
    const bytes = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const crc = crc32(bytes(s.images)) ^ crc32(bytes(s.labels));
    return { count: s.count, shape: [s.height, s.width, s.channels], numClasses: s.numClasses, crc32: crc >>> 0 };
  };
  return { train: one(train), test: one(test) };
}

/** Refuses to resume on data other than the run's. */
export function checkSameData(plan: ResumePlan, now: DataFingerprint, spec: string): void {
  const was = plan.checkpoint.run?.data as DataFingerprint | undefined;
  if (!was || JSON.stringify(was) === JSON.stringify(now)) return;
  const describe = (f: DataFingerprint) =>
    `${f.train.count} training and ${f.test.count} test images of ${f.train.shape.join('×')}, CRC-32 ${f.train.crc32.toString(16)}/${f.test.crc32.toString(16)}`;
  throw new Error(`--data ${spec}: ${describe(now)}, but the run being resumed trained on ${describe(was)} (${headFile(plan.checkpoint)}); resuming needs the same data`);
}

/** The resumed run's base network, checked against the data and the trainer state. */
export async function loadResumedBase(plan: ResumePlan, train: ImageSet): Promise<Sequential> {
  const { model } = await loadCheckpoint(plan.found.dir);
  try {
    checkStateFitsModel(plan.checkpoint, model);
    const want = [train.height, train.width, train.channels];
    if (model.base.inputShape.join() !== want.join()) {
      throw new Error(`${plan.found.dir}/model.json: the model takes ${model.base.inputShape.join('×')} images, the data has ${want.join('×')}`);
    }
  } catch (e) {
    model.base.dispose();
    throw e;
  }
  return model.base;
}

/** Puts the saved state into the new trainer; errors name the state file. */
export function restoreTrainer(plan: ResumePlan, trainer: Trainer, log: (s: string) => void): void {
  const s = plan.checkpoint.state;
  try {
    trainer.restore(s);
  } catch (e) {
    throw new Error(`${headFile(plan.checkpoint)}: ${(e as Error).message}`);
  }
  const where = s.batch > 0 ? `epoch ${s.epoch + 1}, batch ${s.batch}` : `the end of epoch ${s.epoch}`;
  log(`resuming: ${plan.found.dir} (step ${s.steps}, ${where})`);
}

/** The run's settings as saved for --resume (all flags but the per-session ones). */
function savedFlags(a: TrainArgs): Record<string, unknown> {
  return Object.fromEntries(Object.keys(TRAIN_FLAGS).filter((k) => !NOT_SAVED.has(k)).map((k) => [k, (a as Record<string, unknown>)[k]]));
}

/** Saves the run's checkpoint every N steps, at the end and on demand. */
export class RunCheckpoints {
  private savedAt = -1;

  constructor(
    private readonly o: {
      dir: string;
      every: number;
      args: TrainArgs;
      model: SiameseModel | TripletModel;
      trainer: Trainer;
      data: DataFingerprint;
      /** Training time and examples so far (metrics.json's throughput after a resume). */
      progress: () => { trainSeconds: number; trained: number };
    },
  ) {}

  get dir(): string {
    return this.o.dir;
  }

  /** True when a periodic checkpoint is due after the step just taken. */
  due(): boolean {
    const { every, trainer } = this.o;
    return every > 0 && trainer.steps % every === 0 && trainer.steps !== this.savedAt;
  }

  /**
   * Saves now; `training` adds facts to siamese.json (the final run's settings), `threshold` is
   * siamese.json's rule (default: the run's fixed one; the final save passes a calibrated one).
   */
  async save(training: Record<string, unknown> = {}, threshold = fixedThreshold(this.o.args)): Promise<void> {
    const { args: a, trainer, model } = this.o;
    const state = await trainer.state();
    await saveTrainingCheckpoint(this.o.dir, model, state, {
      head: {
        margin: a.margin,
        threshold,
        training: { data: a.data, loss: a.loss, distance: a.distance, seed: a.seed, steps: trainer.steps, epochsDone: trainer.epoch, ...training },
      },
      run: { flags: savedFlags(a), data: this.o.data, ...this.o.progress() },
    });
    this.savedAt = trainer.steps;
  }
}

/** Thrown after Ctrl-C (or SIGTERM) once the checkpoint is saved; main.ts exits with `exitCode`. */
export class Interrupted extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'Interrupted';
  }
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Turns SIGINT / SIGTERM into a request the training loop honours after its current step. A
 * second signal quits at once: the last checkpoint on disk is whole either way.
 */
export class InterruptWatch {
  signal: NodeJS.Signals | null = null;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    if (this.signal) process.exit(SIGNAL_EXIT[sig] ?? 1);
    this.signal = sig;
    if (process.stderr.isTTY) process.stderr.write(`\n${sig}: saving a checkpoint after this step (press Ctrl-C again to quit at once)\n`);
  };

  constructor() {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  /** The error that ends the run, once the checkpoint in `dir` is saved. */
  stopped(trainer: Trainer, epochs: number, dir: string, runDir: string): Interrupted {
    const where = `step ${trainer.steps}, epoch ${Math.min(trainer.epoch + 1, epochs)}/${epochs}`;
    return new Interrupted(`interrupted by ${this.signal} at ${where}; checkpoint saved in ${dir}; resume with: siamese train --resume ${runDir}`, SIGNAL_EXIT[this.signal!] ?? 1);
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}
