/**
 * `siamese bundle --checkpoint DIR [--gallery ...] --out FILE`: the model's weights, its
 * calibrated threshold (calibration.json, if the checkpoint has one) and a gallery index in one
 * file (src/siamese/toolkit/BUNDLE.md), for `verify --bundle` / `search --bundle`, a browser
 * page or a Node service (loadBundle).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ready } from '../engine/device.js';
import { loadData } from '../siamese/data/node-loaders.js';
import { loadCheckpoint, resolveCheckpointDir } from '../siamese/node-checkpoint.js';
import { GalleryIndex } from '../siamese/toolkit/gallery.js';
import { GALLERY_DIR, hasGallery, loadGallery } from '../siamese/toolkit/node-gallery.js';
import { loadCalibration } from '../siamese/toolkit/node-calibration.js';
import { bundleModel } from '../siamese/toolkit/bundle.js';
import { writeBundleFile } from '../siamese/toolkit/node-bundle.js';
import type { SiameseModel, TripletModel } from '../siamese/model.js';
import type { ToolkitArgs } from './toolkit-args.js';

type Gallery = { index: GalleryIndex; data: string; classNames?: string[] } | null;

/** The checkpoint folder of a saved index given as a checkpoint, a run folder or the gallery/ folder itself. */
function savedIndexFolder(spec: string): string | null {
  if (!existsSync(spec) || !statSync(spec).isDirectory()) return null;
  if (existsSync(join(spec, GALLERY_DIR, 'index.json'))) return spec;
  if (existsSync(join(spec, 'index.json'))) return dirname(spec);
  if (existsSync(join(spec, 'checkpoint', GALLERY_DIR, 'index.json'))) return join(spec, 'checkpoint'); // a run folder
  return null;
}

function galleryFor(spec: string | undefined, checkpointDir: string, model: SiameseModel | TripletModel): Gallery {
  const dim = model.base.outputShape[0];
  if (spec === 'none') return null;
  if (spec === undefined) return hasGallery(checkpointDir) ? loadGallery(checkpointDir, model.distance, dim) : null;
  const saved = savedIndexFolder(spec);
  if (saved) return loadGallery(saved, model.distance, dim);
  const d = loadData(spec, { inputShape: model.base.inputShape });
  return { index: GalleryIndex.build(model, d.train), data: spec, ...(d.classNames ? { classNames: d.classNames } : {}) };
}

export async function runBundle({ flags }: ToolkitArgs<'bundle'>): Promise<void> {
  const at = resolveCheckpointDir(flags.checkpoint!);
  const out = flags.out!;
  if (existsSync(out) && statSync(out).isDirectory()) throw new Error(`--out ${out}: is a folder; give the bundle file to write (e.g. ${join(out, 'model.siamese')})`);
  await ready();
  const { model, head } = await loadCheckpoint(at);
  let gallery: Gallery = null;
  try {
    const calibration = loadCalibration(at, model.distance);
    gallery = galleryFor(flags.gallery, at, model);
    const bytes = await bundleModel(model, { margin: head.margin, threshold: head.threshold }, calibration, gallery);
    writeBundleFile(out, bytes);
    process.stdout.write(
      JSON.stringify(
        {
          bundle: out,
          bytes: bytes.byteLength,
          checkpoint: at,
          model: head.model,
          distance: model.distance,
          parameters: model.base.countParams(),
          threshold: calibration
            ? { distanceThreshold: calibration.distanceThreshold, from: `calibration.json (${calibration.method})` }
            : { distanceThreshold: 1 - head.threshold, from: 'siamese.json (not calibrated: run siamese calibrate first)' },
          gallery: gallery ? { items: gallery.index.size, data: gallery.data, classNames: gallery.classNames?.length ?? 0 } : null,
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    gallery?.index.dispose();
    model.base.dispose();
  }
}
