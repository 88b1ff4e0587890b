/**
 * Siamese and triplet networks. Both wrap ONE base network (a Sequential): every branch applies
 * that same object, so there is one parameter set, and the tape adds the gradients each branch
 * sends to a shared weight (autograd accumulates by `+`).
 *
 * For speed the branches are run as one batch: the left and right images (or anchor, positive
 * and negative) are stacked into a single [k·B, H, W, C] input, embedded in one pass, and the
 * embedding rows are sliced apart. This is the same function as applying the base to each
 * branch separately (the layers treat batch rows independently) with one conv launch instead
 * of k, which is what a GPU wants.
 */
import type { Tensor, Variable } from '../engine/tensor.js';
import { concat, slice } from '../autograd/ops.js';
import { Conv2D, Dense, Flatten, MaxPooling2D, Sequential } from '../nn/index.js';
import { checkMetric, pairDistance, type DistanceMetric } from './distance.js';

export interface SeedNetworkOptions {
  /** One image's shape [H, W, C]; default [28, 28, 1]. */
  inputShape?: number[];
  /** Embedding size; default 64. */
  embeddingSize?: number;
  /** Seeds the glorot-uniform initialisation. */
  seed?: number;
}

/**
 * The seed's base network: conv 3×3 → 32 (ReLU), max-pool 2, conv 3×3 → 64 (ReLU), max-pool 2,
 * flatten, dense 128 (ReLU), dense 64 (linear: the embedding). On 28×28×1 it has 232,000
 * parameters (Keras's summary of the same layers says so too).
 */
export function seedNetwork({ inputShape = [28, 28, 1], embeddingSize = 64, seed }: SeedNetworkOptions = {}): Sequential {
  return new Sequential(
    [
      new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 128, activation: 'relu' }),
      new Dense({ units: embeddingSize }),
    ],
    { inputShape, seed, name: 'base_network' },
  );
}

/** Checks that `x` is a batch of `k` stacked groups of the base's input; returns B. */
function groupSize(base: Sequential, x: Tensor, k: number, what: string): number {
  const want = base.inputShape;
  const ok = x.rank === want.length + 1 && want.every((d, i) => x.shape[i + 1] === d) && x.shape[0] % k === 0 && x.shape[0] > 0;
  if (!ok) {
    throw new Error(`${what}: expected [${k}·batch, ${want.join(', ')}] (the ${k} branches stacked), got [${x.shape.join(', ')}]`);
  }
  return x.shape[0] / k;
}

/** Rows [i·B, (i+1)·B) of a [k·B, D] embedding. */
function rows(e: Tensor, i: number, b: number): Tensor {
  return slice(e, [i * b, 0], [b, e.shape[1]]);
}

/**
 * What the Siamese and the triplet model share: one base network that every branch runs (one
 * parameter set, not a copy), its embeddings, and the distance between them.
 */
abstract class SharedBaseModel {
  readonly distance: DistanceMetric;

  constructor(
    /** The one network all branches share. */
    readonly base: Sequential,
    distance: DistanceMetric,
    name: string,
  ) {
    this.distance = checkMetric(distance, `${name} distance`);
    if (base.outputShape.length !== 1) {
      throw new Error(`${name}: the base network must output [batch, dim] embeddings, it outputs [batch, ${base.outputShape.join(', ')}]`);
    }
  }

  /** The shared parameters: exactly the base network's. */
  get trainableWeights(): Variable[] {
    return this.base.trainableWeights;
  }

  /** Embeddings [B, D] of a batch of images. */
  embed(x: Tensor): Tensor {
    return this.base.apply(x);
  }
}

export class SiameseModel extends SharedBaseModel {
  constructor(base: Sequential, distance: DistanceMetric = 'euclidean') {
    super(base, distance, 'SiameseModel');
  }

  /** Distances [B] between two batches of images, like Keras's two-input model. */
  apply(left: Tensor, right: Tensor): Tensor {
    return this.pairDistances(concat([left, right], 0));
  }

  /** Distances [B] for a [2B, ...] batch holding the B left images, then the B right images. */
  pairDistances(x: Tensor): Tensor {
    const b = groupSize(this.base, x, 2, 'SiameseModel.pairDistances');
    const e = this.base.apply(x);
    return pairDistance(rows(e, 0, b), rows(e, 1, b), this.distance);
  }
}

export class TripletModel extends SharedBaseModel {
  constructor(base: Sequential, distance: DistanceMetric = 'euclidean') {
    super(base, distance, 'TripletModel');
  }

  /**
   * For a [3B, ...] batch (anchors, positives, negatives), the distances d(a, p) and d(a, n),
   * each [B].
   */
  applyStacked(x: Tensor): { positive: Tensor; negative: Tensor } {
    const b = groupSize(this.base, x, 3, 'TripletModel');
    const e = this.base.apply(x);
    const a = rows(e, 0, b);
    return { positive: pairDistance(a, rows(e, 1, b), this.distance), negative: pairDistance(a, rows(e, 2, b), this.distance) };
  }

  /** Pair distances [B] for a [2B, ...] batch, to score verification pairs as the Siamese model does. */
  pairDistances(x: Tensor): Tensor {
    const b = groupSize(this.base, x, 2, 'TripletModel.pairDistances');
    const e = this.base.apply(x);
    return pairDistance(rows(e, 0, b), rows(e, 1, b), this.distance);
  }
}
