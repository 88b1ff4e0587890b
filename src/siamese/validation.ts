/**
 * Validation at the end of an epoch: the loss the model trains on and its accuracy, over a
 * fixed set of pairs (Siamese) or triplets (triplet network) drawn once from held-out images.
 * Like the seed (Keras `fit(..., validation_data=test_pairs)`), the default validation pairs are
 * the seed's pairs of the held-out set.
 */
import { fromArray } from '../engine/tensor.js';
import { tidy } from '../engine/scope.js';
import { Random } from '../engine/random.js';
import { noGrad } from '../autograd/tape.js';
import { mul, stack, sum, greater } from '../autograd/ops.js';
import type { ImageSet } from './data/image-set.js';
import { seedPairs, sampleTriplets, type PairSet, type TripletSet } from './pairs.js';
import { SiameseModel, TripletModel } from './model.js';
import { contrastiveLoss, tripletLoss } from './losses.js';
import { pairDistances, tripletBatch } from './evaluate.js';
import { pairAccuracy } from './metrics.js';

export interface ValidationData {
  set: ImageSet;
  /** Pairs for a Siamese model (default: the seed's pairs of `set`, seed 1). */
  pairs?: PairSet;
  /** Triplets for a triplet model (default: 1,000 seeded triplets of `set`). */
  triplets?: TripletSet;
}

const cache = new WeakMap<ValidationData, { pairs?: PairSet; triplets?: TripletSet }>();

/** The validation pairs or triplets, drawn once per ValidationData. */
function drawn(v: ValidationData, kind: 'pairs' | 'triplets'): PairSet | TripletSet {
  let c = cache.get(v);
  if (!c) cache.set(v, (c = {}));
  if (kind === 'pairs') return (c.pairs ??= v.pairs ?? seedPairs(v.set, new Random(1)));
  return (c.triplets ??= v.triplets ?? sampleTriplets(v.set, 1000, new Random(1)));
}

export interface ValidationResult {
  loss: number;
  accuracy: number;
  count: number;
  /** Pair validation only: each validation pair's distance (for AUC and the like). */
  distances?: Float32Array;
  pairs?: PairSet;
}

/**
 * Loss and accuracy over the validation data. Pairs: accuracy of "same when 1 − d > threshold";
 * triplets: the fraction whose positive is nearer than its negative.
 */
export async function validate(
  model: SiameseModel | TripletModel,
  data: ValidationData,
  { margin = 1, threshold = 0.5, batchSize = 128 }: { margin?: number; threshold?: number; batchSize?: number } = {},
): Promise<ValidationResult> {
  if (model instanceof SiameseModel) {
    const pairs = drawn(data, 'pairs') as PairSet;
    const d = await pairDistances(model, data.set, pairs, { batchSize });
    // The loss of all pairs at once, by the same op the training step uses.
    const loss = noGrad(() => tidy(() => contrastiveLoss(fromArray(d, [d.length]), fromArray(pairs.labels, [d.length]), margin)));
    const value = (await loss.data())[0];
    loss.dispose();
    return { loss: value, accuracy: pairAccuracy(Float64Array.from(d, (x) => 1 - x), pairs.labels, threshold), count: d.length, distances: d, pairs };
  }
  const t = drawn(data, 'triplets') as TripletSet;
  const n = t.anchor.length;
  const reads: Promise<Float32Array | Int32Array>[] = [];
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const stats = noGrad(() =>
      tidy(() => {
        const { positive, negative } = model.applyStacked(tripletBatch(data.set, t, s, e));
        return stack([mul(tripletLoss(positive, negative, margin), e - s), sum(greater(negative, positive))]);
      }),
    );
    reads.push(stats.data());
    stats.dispose();
  }
  let lossSum = 0;
  let right = 0;
  for (const v of await Promise.all(reads)) {
    lossSum += v[0];
    right += v[1];
  }
  return { loss: lossSum / n, accuracy: right / n, count: n };
}
