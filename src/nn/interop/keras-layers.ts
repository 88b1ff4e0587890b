/**
 * Our layers ⇄ Keras layer JSON (`{ class_name, config }` with snake_case options), in both
 * directions, so the mapping of every option sits in one place.
 *
 * Export writes each config the way tfjs-layers itself serialises that layer (every key it
 * writes, the values Keras's defaults give), so `tf.loadLayersModel` rebuilds the same layers
 * and a tfjs re-save reproduces the same JSON.
 *
 * Import is strict: an option is either understood (and its value checked), known to be
 * irrelevant to the function computed (initializers: the weights are loaded anyway), or an
 * error that names the layer, the option and the value. An unknown option is refused too,
 * rather than silently computing something other than what the model computes.
 */
import { Conv2D, MaxPooling2D } from '../conv-layers.js';
import { Dense, Flatten, ReLU } from '../core-layers.js';
import type { Layer } from '../layer.js';
import type { KerasLayerJson } from './tfjs-format.js';

// ---------------------------------------------------------------- export

/** Keras's glorot_uniform (our initialiser), as tfjs serialises it. */
const GLOROT_UNIFORM = { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } };
const ZEROS = { class_name: 'Zeros', config: {} };

/** The regularizer/constraint keys tfjs writes (all null here: we have none). */
function noPenalties(): Record<string, null> {
  return { kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null };
}

/**
 * One of our layers as Keras JSON. `inputShape` (without batch) is given for the first layer
 * only: like tfjs, the model's input shape travels as that layer's `batch_input_shape`.
 */
export function kerasLayerJson(layer: Layer, inputShape?: readonly number[]): KerasLayerJson {
  const trainable = layer.weights.every((w) => w.trainable);
  let config: Record<string, unknown>;
  if (layer instanceof Conv2D) {
    config = {
      filters: layer.filters,
      kernel_initializer: GLOROT_UNIFORM,
      kernel_size: [...layer.kernelSize],
      strides: [...layer.strides],
      padding: layer.padding,
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      activation: layer.activation,
      use_bias: layer.useBias,
      bias_initializer: ZEROS,
      ...noPenalties(),
    };
  } else if (layer instanceof MaxPooling2D) {
    config = { pool_size: [...layer.poolSize], padding: layer.padding, strides: [...layer.strides], data_format: 'channels_last' };
  } else if (layer instanceof Flatten) {
    config = {};
  } else if (layer instanceof Dense) {
    config = {
      units: layer.units,
      activation: layer.activation,
      use_bias: layer.useBias,
      kernel_initializer: GLOROT_UNIFORM,
      bias_initializer: ZEROS,
      ...noPenalties(),
    };
  } else if (layer instanceof ReLU) {
    config = { max_value: null };
  } else {
    throw new Error(`toTfjsArtifacts: layer '${layer.name}' (${layer.className}) has no TensorFlow.js equivalent in this exporter`);
  }
  config.name = layer.name;
  config.trainable = trainable;
  if (inputShape) {
    config.batch_input_shape = [null, ...inputShape];
    config.dtype = 'float32';
  }
  return { class_name: layer.className, config };
}

// ---------------------------------------------------------------- import

/** What one Keras layer entry becomes here. */
export type ImportedLayer =
  /** InputLayer: no layer, only the model's input shape (batch dimension included, may hold nulls). */
  | { kind: 'input'; batchShape: unknown[] }
  /** A layer with no effect (Activation('linear')): dropped. */
  | { kind: 'identity' }
  | {
      kind: 'layer';
      layer: Layer;
      /** The name the weights carry in the manifest (our layer's name may have been made legal). */
      kerasName: string;
      trainable: boolean;
      /** `batch_input_shape` when the entry carried one (Keras/tfjs put it on the first layer). */
      batchShape?: unknown[];
    };

export const SUPPORTED_KERAS_LAYERS = ['InputLayer', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'ReLU', 'Activation'] as const;

/** Reads one layer's config, remembering which options were looked at so the rest can be refused. */
class Options {
  private readonly seen = new Set<string>();
  constructor(
    private readonly config: Record<string, unknown>,
    readonly where: string,
  ) {}

  get(key: string): unknown {
    this.seen.add(key);
    return this.config[key];
  }

  /** Options whose value does not change the function computed (e.g. initializers). */
  ignore(...keys: string[]): void {
    for (const k of keys) this.seen.add(k);
  }

  fail(key: string, value: unknown, expected: string): never {
    throw new Error(`${this.where}: option ${key} = ${show(value)} is not supported (${expected})`);
  }

  /** An option that must be absent, null or one of `ok` (compared as JSON). */
  only(key: string, ok: unknown[], expected: string): void {
    const v = this.get(key);
    if (v === undefined || v === null) return;
    if (!ok.some((o) => JSON.stringify(o) === JSON.stringify(v))) this.fail(key, v, expected);
  }

  /** A positive integer or a pair of them (Keras writes pairs; `3` means 3×3). */
  pair(key: string, fallback?: [number, number]): [number, number] {
    const v = this.get(key);
    if ((v === undefined || v === null) && fallback) return fallback;
    const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
    if (!p || !p.every((d) => Number.isInteger(d) && d > 0)) this.fail(key, v, 'expected a positive integer or a pair of them');
    return [p[0], p[1]];
  }

  positiveInt(key: string): number {
    const v = this.get(key);
    if (!Number.isInteger(v) || (v as number) <= 0) this.fail(key, v, 'expected a positive integer');
    return v as number;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.get(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') this.fail(key, v, 'expected true or false');
    return v;
  }

  padding(): 'valid' | 'same' {
    const v = this.get('padding') ?? 'valid';
    if (v !== 'valid' && v !== 'same') this.fail('padding', v, "only 'valid' and 'same'");
    return v;
  }

  activation(): 'relu' | 'linear' {
    const v = this.get('activation') ?? 'linear';
    if (v !== 'relu' && v !== 'linear') this.fail('activation', v, "only 'relu' and 'linear'");
    return v;
  }

  /** Options every layer may carry: name, trainable, dtype, and the input shape on the first layer. */
  common(): { trainable: boolean; batchShape?: unknown[] } {
    const dtype = this.get('dtype');
    // Keras 3 writes a dtype policy object; tfjs and Keras 2 a string.
    const dtypeName = typeof dtype === 'object' && dtype !== null ? (dtype as { config?: { name?: unknown } }).config?.name : dtype;
    if (dtypeName !== undefined && dtypeName !== null && dtypeName !== 'float32') this.fail('dtype', dtype, "only 'float32'");
    this.ignore('name', 'batch_size');
    const batchShape = this.get('batch_input_shape') ?? this.get('batch_shape');
    if (batchShape !== undefined && batchShape !== null && !Array.isArray(batchShape)) this.fail('batch_input_shape', batchShape, 'expected a list');
    return { trainable: this.bool('trainable', true), batchShape: (batchShape ?? undefined) as unknown[] | undefined };
  }

  /** Refuses every option nobody looked at. */
  done(): void {
    const rest = Object.keys(this.config).filter((k) => !this.seen.has(k));
    if (rest.length) {
      throw new Error(`${this.where}: option(s) ${rest.map((k) => `${k} = ${show(this.config[k])}`).join(', ')} not supported by this importer`);
    }
  }
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/** Layer names here are letters, digits, '_', '.', '-': anything else becomes '_'. */
function legalName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'layer';
}

/** Keras's conv/dense weight-penalty and initialiser options: penalties change training, so only null is accepted. */
function kernelAndBiasOptions(o: Options): void {
  o.ignore('kernel_initializer', 'bias_initializer');
  for (const k of ['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint']) {
    o.only(k, [], 'only null: this engine has no weight penalties or constraints');
  }
}

function channelsLast(o: Options): void {
  o.only('data_format', ['channels_last'], "only 'channels_last' (NHWC)");
}

/**
 * Translates one entry of a Keras Sequential's `layers` list. `where` starts every error
 * (e.g. "model.json: layer 2"); the layer's name and class are added to it.
 */
export function layerFromKeras(entry: unknown, where: string): ImportedLayer {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new Error(`${where}: expected { class_name, config }, got ${show(entry)}`);
  const { class_name: cls, config } = entry as Record<string, unknown>;
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new Error(`${where} (${show(cls)}): config must be an object, got ${show(config)}`);
  const cfg = config as Record<string, unknown>;
  const kerasName = typeof cfg.name === 'string' ? cfg.name : '';
  const at = `${where} '${kerasName || '(unnamed)'}' (${typeof cls === 'string' ? cls : show(cls)})`;
  if (typeof cls !== 'string' || !(SUPPORTED_KERAS_LAYERS as readonly string[]).includes(cls)) {
    throw new Error(`${at}: layer class ${show(cls)} is not supported (supported: ${SUPPORTED_KERAS_LAYERS.join(', ')})`);
  }
  const o = new Options(cfg, at);
  const { trainable, batchShape } = o.common();
  const name = kerasName ? legalName(kerasName) : undefined;
  let result: ImportedLayer;
  switch (cls) {
    case 'InputLayer': {
      o.only('sparse', [false], 'only false');
      o.only('ragged', [false], 'only false');
      if (!batchShape) throw new Error(`${at}: needs batch_input_shape (or batch_shape)`);
      result = { kind: 'input', batchShape };
      break;
    }
    case 'Conv2D': {
      channelsLast(o);
      o.only('dilation_rate', [1, [1, 1]], 'only 1');
      o.only('groups', [1], 'only 1');
      kernelAndBiasOptions(o);
      const layer = new Conv2D({
        name,
        filters: o.positiveInt('filters'),
        kernelSize: o.pair('kernel_size'),
        strides: o.pair('strides', [1, 1]),
        padding: o.padding(),
        activation: o.activation(),
        useBias: o.bool('use_bias', true),
      });
      result = { kind: 'layer', layer, kerasName, trainable, batchShape };
      break;
    }
    case 'MaxPooling2D': {
      channelsLast(o);
      const poolSize = o.pair('pool_size', [2, 2]);
      const layer = new MaxPooling2D({ name, poolSize, strides: o.pair('strides', poolSize), padding: o.padding() });
      result = { kind: 'layer', layer, kerasName, trainable, batchShape };
      break;
    }
    case 'Flatten':
      channelsLast(o);
      result = { kind: 'layer', layer: new Flatten({ name }), kerasName, trainable, batchShape };
      break;
    case 'Dense': {
      kernelAndBiasOptions(o);
      o.only('lora_rank', [0], 'only null or 0');
      const layer = new Dense({ name, units: o.positiveInt('units'), activation: o.activation(), useBias: o.bool('use_bias', true) });
      result = { kind: 'layer', layer, kerasName, trainable, batchShape };
      break;
    }
    case 'ReLU':
      o.only('max_value', [], 'only null: an unbounded ReLU');
      o.only('negative_slope', [0], 'only 0');
      o.only('threshold', [0], 'only 0');
      result = { kind: 'layer', layer: new ReLU({ name }), kerasName, trainable, batchShape };
      break;
    default: {
      // Activation
      const a = o.get('activation');
      if (a === 'relu') result = { kind: 'layer', layer: new ReLU({ name }), kerasName, trainable, batchShape };
      else if (a === 'linear' || a === null || a === undefined) result = batchShape ? { kind: 'input', batchShape } : { kind: 'identity' };
      else return o.fail('activation', a, "only 'relu' and 'linear'");
    }
  }
  o.done();
  return result;
}
