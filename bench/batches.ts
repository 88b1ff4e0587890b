/**
 * The training batches both engines are timed on: seeded uniform noise in [0, 1) with half the
 * pairs labelled "same". Kernel speed does not depend on pixel values, so noise is as good as
 * digits here and needs no data files in the browser. Browser-safe, engine-free (the tfjs page
 * imports it too).
 */
import { Random } from '../src/engine/random.js';

export interface Batch {
  /** [2·pairs, 28, 28, 1]: the left images, then the right ones. */
  images: Float32Array;
  /** [pairs]: 1 = same, 0 = different. */
  labels: Float32Array;
}

/** Distinct batches cycled through, so uploads are real but generation stays cheap. */
export function syntheticBatches(pairs: number, count = 4, seed = 8): Batch[] {
  const rng = new Random(seed);
  return Array.from({ length: count }, () => {
    const images = new Float32Array(2 * pairs * 784);
    for (let i = 0; i < images.length; i++) images[i] = rng.next();
    const labels = Float32Array.from({ length: pairs }, (_, i) => i % 2);
    return { images, labels };
  });
}
