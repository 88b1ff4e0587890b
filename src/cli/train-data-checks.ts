/**
 * Checks `siamese train` makes on its data before the GPU starts, so that data it cannot train
 * on ends with one line naming the data and the problem (the loaders check the files
 * themselves: magic numbers, lengths, NaN/Inf, label ranges; see src/siamese/data/).
 */
import { indicesByClass, type ImageSet } from '../siamese/data/image-set.js';

/** Training needs a positive pair from every class it has images of (empty classes are fine). */
export function checkTrainClasses(train: ImageSet): void {
  const single = indicesByClass(train).findIndex((idx) => idx.length === 1);
  if (single >= 0) throw new Error(`${train.source}: class ${single} has only 1 training image; every class needs at least 2 (a positive pair)`);
}

/** The seed network (two 3×3 'valid' convolutions, each followed by a 2×2 max-pool) needs 10×10 or more. */
export function checkSeedNetworkInput(set: ImageSet, spec: string): void {
  const side = (n: number) => Math.floor((Math.floor((n - 2) / 2) - 2) / 2);
  if (side(set.height) < 1 || side(set.width) < 1) {
    throw new Error(
      `--data ${spec}: images are ${set.height}×${set.width}×${set.channels}; the seed network ` +
        '(two 3×3 convolutions, each followed by a 2×2 max-pool) needs at least 10×10',
    );
  }
}
