/**
 * What `train --classes` and `--mining` turn into, and how `oneshot` finds the classes a
 * checkpoint never saw. Class lists are parsed by toolkit/oneshot.ts's parseClassList only.
 *
 * `train --classes 0-6`: the training split keeps only images of classes 0–6 (labels kept as
 * they are). The test split is NOT filtered: validation and metrics.json are on every test class,
 * seen and unseen, comparable with other runs. The checkpoint's training facts record
 * `classes` (trained on) and `heldOutClasses` (the other classes of the data), and `oneshot`
 * without --classes then draws its episodes from the held-out classes only: the one-shot case
 * proper, classes the network has never seen.
 */
import type { ImageSet } from '../siamese/data/image-set.js';
import type { LoadedData } from '../siamese/data/node-loaders.js';
import type { MiningOptions } from '../siamese/trainer.js';
import type { MiningStrategy } from '../siamese/toolkit/mining.js';
import { parseClassList, selectClasses } from '../siamese/toolkit/oneshot.js';
import type { TrainArgs } from './args.js';

export interface TrainingClasses {
  /** The training images to use (all of data.train without --classes). */
  train: ImageSet;
  /** Classes trained on and held out, with --classes. */
  classes?: number[];
  heldOut?: number[];
}

/** Applies `--classes` to the training split. */
export function trainingClasses(data: LoadedData, spec: string | undefined): TrainingClasses {
  if (spec === undefined) return { train: data.train };
  const numClasses = data.train.numClasses;
  const classes = parseClassList(spec, numClasses);
  if (classes.length < 2) throw new Error(`--classes '${spec}': training needs at least 2 classes (negatives come from other classes), got ${classes.length}`);
  const train = selectClasses(data.train, classes);
  const heldOut = Array.from({ length: numClasses }, (_, c) => c).filter((c) => !classes.includes(c));
  return { train, classes, heldOut };
}

/** Names of classes for a log line: '7,8,9', or 'alice, bob' where the data has names. */
export function classLabel(classes: readonly number[], names?: readonly string[]): string {
  return names ? classes.map((c) => names[c] ?? String(c)).join(', ') : classes.join(',');
}

/** The Trainer's mining options from `--mining`, `--classes-per-batch`, `--samples-per-class`. */
export function miningOf(a: TrainArgs): MiningOptions | undefined {
  if (a.mining === undefined) return undefined;
  return { strategy: a.mining as MiningStrategy, classesPerBatch: a['classes-per-batch'], samplesPerClass: a['samples-per-class'] };
}

/**
 * The classes `oneshot` draws from when not told: the checkpoint's held-out classes if it was
 * trained with --classes on the same data, else all (undefined).
 */
export function defaultOneshotClasses(training: Record<string, unknown> | undefined, dataSpec: string): number[] | undefined {
  const held = training?.heldOutClasses;
  if (!Array.isArray(held) || held.length === 0 || training?.data !== dataSpec) return undefined;
  if (!held.every((c) => Number.isInteger(c) && c >= 0)) throw new Error(`the checkpoint's heldOutClasses ${JSON.stringify(held)} are not class numbers`);
  return held as number[];
}
