/**
 * `siamese import MODEL.json --out DIR`: turns a TensorFlow.js Layers model (the base network
 * of a Siamese or triplet model) into a checkpoint folder that `siamese eval --checkpoint DIR`
 * reads. The head's settings come from the flags, else from the metadata `siamese export`
 * stores, else the defaults of `siamese train`.
 */
import { ready } from '../engine/device.js';
import { fromTfjsArtifacts, readTfjsModelFiles } from '../nn/interop/index.js';
import { SiameseModel, TripletModel } from '../siamese/model.js';
import { checkMetric, type DistanceMetric } from '../siamese/distance.js';
import { saveCheckpoint } from '../siamese/node-checkpoint.js';
import { METADATA_KEY } from './export.js';
import type { ImportArgs } from './interop-args.js';

interface Head {
  model: 'siamese' | 'triplet';
  distance: DistanceMetric;
  margin: number;
  threshold: number;
}

/** The head stored by `siamese export`, keeping only well-formed fields (anything else falls back to the defaults). */
function headFromMetadata(meta: unknown): Partial<Head> {
  const h = (meta as Record<string, unknown> | undefined)?.[METADATA_KEY] as Record<string, unknown> | undefined;
  if (!h || typeof h !== 'object') return {};
  const out: Partial<Head> = {};
  if (h.model === 'siamese' || h.model === 'triplet') out.model = h.model;
  try {
    out.distance = checkMetric(h.distance as DistanceMetric);
  } catch {
    // not ours, or malformed: use the default
  }
  if (typeof h.margin === 'number' && h.margin > 0) out.margin = h.margin;
  if (typeof h.threshold === 'number' && Number.isFinite(h.threshold)) out.threshold = h.threshold;
  return out;
}

export async function runImport(a: ImportArgs): Promise<void> {
  // Read and check the files before the GPU starts, so a bad path fails fast.
  const { modelJson, shards, modelPath } = await readTfjsModelFiles(a.modelJson);
  await ready();
  const base = fromTfjsArtifacts(modelJson, shards, { source: modelPath, inputShape: a.inputShape });
  try {
    const meta = headFromMetadata(modelJson.userDefinedMetadata);
    const head: Head = {
      model: (a.model as Head['model'] | undefined) ?? meta.model ?? 'siamese',
      distance: (a.distance as DistanceMetric | undefined) ?? meta.distance ?? 'euclidean',
      margin: a.margin ?? meta.margin ?? 1,
      threshold: a.threshold ?? meta.threshold ?? 0.5,
    };
    // Both check that the network outputs [batch, dim] embeddings.
    const model = head.model === 'triplet' ? new TripletModel(base, head.distance) : new SiameseModel(base, head.distance);
    await saveCheckpoint(model, a.out!, {
      margin: head.margin,
      threshold: head.threshold,
      training: { importedFrom: modelPath, generatedBy: modelJson.generatedBy ?? null, convertedBy: modelJson.convertedBy ?? null },
    });
    process.stdout.write(
      `imported ${modelPath}: ${base.layers.length} layers, ${base.countParams().toLocaleString('en-US')} parameters, input [${base.inputShape.join(', ')}], ` +
        `${head.model} model, ${head.distance} distance -> ${a.out}\n`,
    );
  } finally {
    base.dispose();
  }
}
