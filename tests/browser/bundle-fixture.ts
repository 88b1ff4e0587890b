/**
 * A bundle for the page's "Use a shipped model" card, made in the test's Node process with the
 * library's own writer: the seed network (seeded weights, untrained: the test compares the page
 * with Node on the same file, not the model's skill), an equal-error-rate threshold calibrated on
 * 128 pairs of the page's digits, and a gallery of the first 6 digits of each class, named.
 */
import { writeFileSync } from 'node:fs';
import { servedDigits } from './node-twin.js';
import { digitsToImageSet } from '../../web/train/siamese-session.js';
import { Random } from '../../src/index.js';
import { balancedPairs, indicesByClass, seedNetwork, SiameseModel, subset } from '../../src/siamese/index.js';
import { bundleModel } from '../../src/siamese/toolkit/bundle.js';
import { calibrateModel } from '../../src/siamese/toolkit/verifier.js';
import { GalleryIndex } from '../../src/siamese/toolkit/gallery.js';

export const GALLERY_PER_CLASS = 6;
export const CLASS_NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** Writes the bundle to `file` and returns its bytes. */
export async function writeTestBundle(dist: string, file: string): Promise<Uint8Array> {
  const set = digitsToImageSet(servedDigits(dist));
  const model = new SiameseModel(seedNetwork({ seed: 11 }), 'euclidean');
  const gallerySet = subset(set, indicesByClass(set).flatMap((ix) => Array.from(ix.subarray(0, GALLERY_PER_CLASS))), 'first 6 digits of each class');
  const index = GalleryIndex.build(model, gallerySet);
  try {
    const calibration = await calibrateModel(model, set, balancedPairs(set, 128, new Random(5)), 'eer');
    const bytes = await bundleModel(model, { margin: 1, threshold: 0.5 }, calibration, { index, data: gallerySet.source, classNames: CLASS_NAMES });
    writeFileSync(file, bytes);
    return bytes;
  } finally {
    index.dispose();
    model.base.dispose();
  }
}
