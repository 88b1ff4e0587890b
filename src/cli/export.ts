/**
 * `siamese export`: writes a checkpoint's base network in the TensorFlow.js Layers format, so
 * `tf.loadLayersModel('.../model.json')` gives the same embeddings. The Siamese head (distance,
 * threshold, margin) travels in `userDefinedMetadata.webgpuSiamese`, which `siamese import`
 * reads back and tfjs users find with `model.getUserDefinedMetadata()`.
 */
import { ready } from '../engine/device.js';
import { loadCheckpoint, resolveCheckpointDir } from '../siamese/node-checkpoint.js';
import { saveTfjsModel } from '../nn/interop/index.js';
import type { ExportArgs } from './interop-args.js';

/** The key in `userDefinedMetadata` under which the Siamese head is stored. */
export const METADATA_KEY = 'webgpuSiamese';

export async function runExport(a: ExportArgs): Promise<void> {
  const at = resolveCheckpointDir(a.checkpoint!); // a missing checkpoint fails before the GPU starts
  await ready();
  const { model, head } = await loadCheckpoint(at);
  const params = model.base.countParams();
  try {
    await saveTfjsModel(model.base, a.out!, {
      shardBytes: a['shard-bytes'],
      metadata: { [METADATA_KEY]: { model: head.model, distance: head.distance, margin: head.margin, threshold: head.threshold } },
    });
  } finally {
    model.base.dispose();
  }
  process.stdout.write(`exported ${at} (${params.toLocaleString('en-US')} parameters) as a TensorFlow.js Layers model -> ${a.out}/model.json\n`);
}
