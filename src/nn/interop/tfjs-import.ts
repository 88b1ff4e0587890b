/**
 * TF.js Layers model → Sequential. Browser-safe: it takes the parsed `model.json` and the shard
 * bytes (in manifest order), however they were fetched. Only Sequential models of the layers
 * in keras-layers.ts are accepted; anything else fails with an error naming the layer, the
 * option and the value.
 */
import { Sequential } from '../sequential.js';
import type { Layer } from '../layer.js';
import { layerFromKeras, type ImportedLayer } from './keras-layers.js';
import { checkSpecs, concatBytes, decodeWeights, readManifest, type DecodedWeight } from './tfjs-weights.js';
import type { TfjsWeightSpec } from './tfjs-format.js';

export interface TfjsImportOptions {
  /**
   * One example's input shape without batch, for models whose saved input shape has unknown
   * dimensions (e.g. `[null, null, null, 1]`); it must agree with every dimension the model does fix.
   */
  inputShape?: number[];
  /** Names the model file in errors (default 'model.json'). */
  source?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** The Sequential's name and layer list from a Keras/tfjs `modelTopology`. */
function sequentialOf(topology: unknown, mf: string): { name: string; layers: unknown[]; buildShape?: unknown } {
  if (!isObject(topology)) throw new Error(`${mf}: "modelTopology" must be an object (is this a TF.js Layers model.json?)`);
  // A full Keras save converted by tensorflowjs_converter wraps the model in model_config.
  const t = isObject(topology.model_config) ? topology.model_config : topology;
  if (t.class_name !== 'Sequential') {
    throw new Error(
      `${mf}: model class ${JSON.stringify(t.class_name)} is not supported: only Sequential models (a plain stack of layers) can be imported`,
    );
  }
  const c = t.config;
  // Keras < 2.2.3 stored a Sequential's config as the bare list of layers.
  if (Array.isArray(c)) return { name: 'sequential', layers: c };
  if (!isObject(c) || !Array.isArray(c.layers)) throw new Error(`${mf}: the Sequential's config must hold a "layers" list`);
  return { name: typeof c.name === 'string' ? c.name : 'sequential', layers: c.layers, buildShape: c.build_input_shape };
}

/** Resolves one example's input shape from the saved batch shape and/or the caller's. */
function inputShapeOf(batchShape: unknown[] | undefined, given: number[] | undefined, mf: string): number[] {
  if (given !== undefined && (!Array.isArray(given) || !given.every((d) => Number.isInteger(d) && d > 0))) {
    throw new Error(`${mf}: inputShape must be a list of positive integers (without batch), got ${JSON.stringify(given)}`);
  }
  if (!batchShape) {
    if (given) return [...given];
    throw new Error(`${mf}: the model does not record its input shape (no InputLayer or batch_input_shape): pass inputShape`);
  }
  const saved = batchShape.slice(1);
  if (given) {
    const clash = given.length !== saved.length || saved.some((d, i) => d !== null && d !== given[i]);
    if (clash) throw new Error(`${mf}: inputShape [${given.join(', ')}] disagrees with the model's input [${batchShape.map(String).join(', ')}]`);
    return [...given];
  }
  if (!saved.every((d) => Number.isInteger(d) && (d as number) > 0)) {
    throw new Error(`${mf}: the model's input shape [${batchShape.map(String).join(', ')}] has unknown dimensions: pass inputShape to fix them`);
  }
  return saved as number[];
}

/** The decoded weights by every name tfjs would accept for a layer's weight (see `candidates`). */
function weightsByName(decoded: DecodedWeight[], mf: string): Map<string, DecodedWeight> {
  const map = new Map<string, DecodedWeight>();
  for (const w of decoded) {
    if (w.optimizer) continue;
    if (map.has(w.name)) throw new Error(`${mf}: the weights manifest lists '${w.name}' twice`);
    map.set(w.name, w);
  }
  return map;
}

/**
 * Names under which weight `k` (`kernel` or `bias`) of the Keras layer `name` may be stored:
 * `name/kernel` (tfjs, Keras 2), `name/cell/kernel` (TF 2.2 inserted a scope, which tfjs's
 * loader strips as well), and `name/0` (Keras 3 numbers a layer's weights).
 */
function candidates(name: string, suffix: string, index: number, available: Map<string, DecodedWeight>): string | undefined {
  const direct = `${name}/${suffix}`;
  if (available.has(direct)) return direct;
  for (const key of available.keys()) {
    const t = key.split('/');
    if (t.length >= 3 && [...t.slice(0, -2), t[t.length - 1]].join('/') === direct) return key;
  }
  const numbered = `${name}/${index}`;
  return available.has(numbered) ? numbered : undefined;
}

/**
 * Builds a Sequential from a parsed TF.js Layers `model.json` and its weight bytes: one buffer
 * (all shards concatenated) or one buffer per path of the manifest, in order. Also accepts the
 * object tfjs's `model.save(tf.io.withSaveHandler(...))` hands over (`modelTopology`,
 * `weightSpecs`, `weightData`), with `weights` omitted.
 */
export function fromTfjsArtifacts(
  modelJson: unknown,
  weights?: ArrayBuffer | ArrayBufferView | (ArrayBuffer | ArrayBufferView)[],
  opts: TfjsImportOptions = {},
): Sequential {
  const mf = opts.source ?? 'model.json';
  if (!isObject(modelJson)) throw new Error(`${mf}: expected a JSON object, got ${JSON.stringify(modelJson)}`);
  if (modelJson.format !== undefined && modelJson.format !== 'layers-model') {
    const hint = modelJson.format === 'graph-model' ? ' (a graph model holds no layers; convert the Keras model as a layers model)' : '';
    throw new Error(`${mf}: format ${JSON.stringify(modelJson.format)} is not supported, expected "layers-model"${hint}`);
  }
  let specs: TfjsWeightSpec[];
  if (modelJson.weightsManifest !== undefined) specs = readManifest(modelJson.weightsManifest, mf).specs;
  else if (modelJson.weightSpecs !== undefined) specs = checkSpecs(modelJson.weightSpecs, `${mf}: weightSpecs`);
  else throw new Error(`${mf}: holds neither "weightsManifest" nor "weightSpecs": no weights to load`);
  const data = weights ?? (modelJson.weightData as ArrayBuffer | ArrayBuffer[] | undefined);
  if (!data) throw new Error(`${mf}: no weight data given`);
  const bytes = concatBytes(Array.isArray(data) ? data : [data]);
  const available = weightsByName(decodeWeights(specs, bytes, mf), mf);

  const seq = sequentialOf(modelJson.modelTopology, mf);
  const imported: ImportedLayer[] = seq.layers.map((entry, i) => layerFromKeras(entry, `${mf}: layer ${i}`));
  let batchShape: unknown[] | undefined;
  imported.forEach((l, i) => {
    if (l.kind === 'identity' || !('batchShape' in l) || !l.batchShape) return;
    if (i > 0) throw new Error(`${mf}: layer ${i} sets the input shape, which only the first layer may do`);
    batchShape = l.batchShape;
  });
  if (!batchShape && Array.isArray(seq.buildShape)) batchShape = seq.buildShape;
  const inputShape = inputShapeOf(batchShape, opts.inputShape, mf);

  const kept = imported.filter((l): l is Extract<ImportedLayer, { kind: 'layer' }> => l.kind === 'layer');
  let model: Sequential;
  try {
    model = new Sequential(kept.map((l) => l.layer as Layer), { inputShape, seed: 0, name: seq.name.replace(/[^A-Za-z0-9_.-]/g, '_') });
  } catch (e) {
    throw new Error(`${mf}: ${(e as Error).message}`);
  }
  try {
    const arrays: Float32Array[] = [];
    for (const { layer, kerasName, trainable } of kept) {
      layer.weights.forEach((v, index) => {
        const suffix = v.name!.slice(v.name!.lastIndexOf('/') + 1);
        const key = candidates(kerasName, suffix, index, available);
        if (key === undefined) throw new Error(`${mf}: layer '${kerasName}' needs weight '${kerasName}/${suffix}' [${v.shape.join(', ')}], which the weights manifest lacks`);
        const w = available.get(key)!;
        if (w.shape.length !== v.shape.length || w.shape.some((d, i) => d !== v.shape[i])) {
          throw new Error(`${mf}: weight '${key}' has shape [${w.shape.join(', ')}] but layer '${kerasName}' needs [${v.shape.join(', ')}]`);
        }
        available.delete(key);
        arrays.push(w.values!);
        v.trainable = trainable;
      });
    }
    if (available.size) throw new Error(`${mf}: the weights manifest lists ${[...available.keys()].map((k) => `'${k}'`).join(', ')}, which no layer has`);
    model.setWeights(arrays);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
