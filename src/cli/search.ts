/**
 * `siamese search --checkpoint DIR [--gallery DATA] [--k 5] [--evaluate] [QUERY.png ...]`:
 * the nearest gallery images of each query picture. With --gallery the index is built from that
 * data's training split and saved in the checkpoint (gallery/); without it the saved index is
 * used. --evaluate scores the index with the data's test split as queries. With --bundle FILE
 * the model and the gallery come from a bundle (siamese bundle).
 */
import { ready } from '../engine/device.js';
import { loadData } from '../siamese/data/node-loaders.js';
import { loadCheckpoint, resolveCheckpointDir } from '../siamese/node-checkpoint.js';
import { GalleryIndex } from '../siamese/toolkit/gallery.js';
import { loadGallery, saveGallery } from '../siamese/toolkit/node-gallery.js';
import { readPngInput } from '../siamese/toolkit/node-png.js';
import { dataSpecOf } from './calibrate.js';
import type { ToolkitArgs } from './toolkit-args.js';
import { loadBundle } from '../siamese/toolkit/bundle.js';
import { readBundleBytes } from '../siamese/toolkit/node-bundle.js';

async function searchWithBundle(file: string, k: number, files: string[]): Promise<void> {
  const bytes = readBundleBytes(file); // a wrong file fails before the GPU starts
  await ready();
  const bundle = loadBundle(bytes, file);
  try {
    if (!bundle.gallery) throw new Error(`${file}: the bundle has no gallery (make it with siamese bundle --gallery DATA)`);
    const images = files.map((f) => readPngInput(f, bundle.inputShape));
    const flat = new Float32Array(images.reduce((n, x) => n + x.length, 0));
    images.forEach((x, i) => flat.set(x, i * x.length));
    const matches = await bundle.search(flat, k);
    const gallery = { items: bundle.gallery.size, data: bundle.galleryData, metric: bundle.gallery.metric };
    process.stdout.write(JSON.stringify({ bundle: file, gallery, results: files.map((f, q) => ({ query: f, nearest: matches[q] })) }, null, 2) + '\n');
  } finally {
    bundle.dispose();
  }
}

export async function runSearch({ flags, files }: ToolkitArgs<'search'>): Promise<void> {
  if (flags.bundle !== undefined) return searchWithBundle(flags.bundle, flags.k, files);
  const at = resolveCheckpointDir(flags.checkpoint!);
  if (files.length === 0 && !flags.evaluate && flags.gallery === undefined) {
    throw new Error('nothing to do: give QUERY.png files, --gallery DATA to build the index, or --evaluate');
  }
  await ready();
  const { model, head } = await loadCheckpoint(at);
  const dim = model.base.outputShape[0];
  let index: GalleryIndex | undefined;
  try {
    let data: string;
    if (flags.gallery !== undefined) {
      const d = loadData(flags.gallery, { inputShape: model.base.inputShape });
      index = GalleryIndex.build(model, d.train);
      data = flags.gallery;
      await saveGallery(at, index, data);
    } else {
      const g = loadGallery(at, model.distance, dim);
      index = g.index;
      data = g.data;
    }
    const out: Record<string, unknown> = { checkpoint: at, gallery: { items: index.size, data, metric: index.metric } };
    if (files.length) {
      const images = files.map((f) => readPngInput(f, model.base.inputShape));
      const flat = new Float32Array(images.reduce((n, x) => n + x.length, 0));
      images.forEach((x, i) => flat.set(x, i * x.length));
      const r = await index.searchImages(model, flat, flags.k);
      out.results = files.map((f, q) => ({
        query: f,
        nearest: Array.from({ length: r.k }, (_, t) => {
          const i = r.indices[q * r.k + t];
          return { rank: t + 1, item: i, label: index!.labels[i], distance: r.distances[q * r.k + t] };
        }),
      }));
    }
    if (flags.evaluate) {
      const test = loadData(dataSpecOf(flags.gallery ?? data, head.training), { inputShape: model.base.inputShape }).test;
      out.evaluation = await index.evaluate(model, test, flags.k);
    }
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } finally {
    index?.dispose();
    model.base.dispose();
  }
}
