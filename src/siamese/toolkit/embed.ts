/**
 * Embeddings of many images on the GPU, in batches, with no readback: the result is one
 * [N, D] tensor that the toolkit's GPU steps (pairwise distances, top-k, mining) take as it is.
 * Each batch is uploaded, run through the base network without gradients, and its rows are
 * written into the output with one copy kernel (concat); only the [N, D] result stays alive.
 */
import { fromArray, type Tensor } from '../../engine/tensor.js';
import { tidy } from '../../engine/scope.js';
import { noGrad } from '../../autograd/tape.js';
import { concat } from '../../autograd/ops.js';
import type { ImageSet } from '../data/image-set.js';
import type { SiameseModel, TripletModel } from '../model.js';

export type EmbeddingModel = Pick<SiameseModel | TripletModel, 'base' | 'embed'>;

/** Images as a flat NHWC array (a set's `images`, or `count` images back to back). */
export type ImagesLike = ImageSet | Float32Array;

/** The model's input [H, W, C] and the image count, checked against the model. */
export function checkImages(op: string, model: EmbeddingModel, images: ImagesLike): { count: number; shape: number[] } {
  const shape = [...model.base.inputShape];
  const per = shape.reduce((p, d) => p * d, 1);
  if (images instanceof Float32Array) {
    if (images.length === 0) throw new Error(`${op}: no images (an empty array)`);
    if (images.length % per !== 0) {
      throw new Error(`${op}: ${images.length} values is not a whole number of ${shape.join('×')} images (the model's input, ${per} values each)`);
    }
    return { count: images.length / per, shape };
  }
  const got = [images.height, images.width, images.channels];
  if (got.some((d, i) => d !== shape[i]) || shape.length !== 3) {
    throw new Error(`${op}: ${images.source} holds ${got.join('×')} images, the model takes ${shape.join('×')}`);
  }
  if (images.count === 0) throw new Error(`${op}: ${images.source} holds no images`);
  return { count: images.count, shape };
}

/**
 * Embeds `images` in batches of `batchSize` and returns their embeddings [N, D] on the GPU (the
 * caller disposes it). Nothing is read back, so this returns as soon as the work is encoded.
 */
export function embed(model: EmbeddingModel, images: ImagesLike, batchSize = 256): Tensor {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`embed: batchSize must be a positive integer, got ${batchSize}`);
  const { count, shape } = checkImages('embed', model, images);
  const flat = images instanceof Float32Array ? images : images.images;
  const per = shape.reduce((p, d) => p * d, 1);
  const parts: Tensor[] = [];
  try {
    for (let s = 0; s < count; s += batchSize) {
      const e = Math.min(count, s + batchSize);
      parts.push(noGrad(() => tidy(() => model.embed(fromArray(flat.subarray(s * per, e * per), [e - s, ...shape])))));
    }
    if (parts.length === 1) return parts.pop()!;
    return noGrad(() => concat(parts, 0));
  } finally {
    for (const p of parts) p.dispose();
  }
}
