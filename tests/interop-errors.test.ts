/**
 * Import refuses what it cannot compute faithfully, with an error naming the layer, the option
 * and the value (issue 7, item 2). Most models here are real tfjs saves (tf.sequential with the
 * unsupported layer or option, saved by tfjs's `model.save`); the rest are a real save with one
 * field edited, to reach cases tfjs itself would not write (Keras options, broken files).
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { fromTfjsArtifacts, loadTfjsModel } from '../src/index.js';
import { tfRef, seeded } from './helpers/reference.js';
import { expectAllClose } from './helpers/allclose.js';
import { ourPredict, tfjsPredict, tfjsSave } from './helpers/tfjs-io.js';

let tf: typeof tfjs;
let root: string;
/** A valid small save: input [6, 6, 1] → conv 'c' (3×3×1×2) → flatten 'f' (32) → dense 'd' (32×3): 119 floats, 476 bytes. */
let base: tfjs.io.ModelArtifacts;

beforeAll(async () => {
  tf = await tfRef();
  root = mkdtempSync(join(tmpdir(), 'interop-errors-'));
  base = await saveOf([tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu', name: 'c' }), tf.layers.flatten({ name: 'f' }), tf.layers.dense({ units: 3, name: 'd' })]);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function saveOf(layers: tfjs.layers.Layer[]): Promise<tfjs.io.ModelArtifacts> {
  const m = tf.sequential();
  for (const l of layers) m.add(l);
  const a = await tfjsSave(tf, m);
  m.dispose();
  return a;
}

/** A deep copy of the base save with `edit` applied to its JSON parts. */
function edited(edit: (a: { modelTopology: any; weightSpecs: any[]; weightData: ArrayBuffer; format?: string }) => void): tfjs.io.ModelArtifacts {
  const a = { modelTopology: structuredClone(base.modelTopology), weightSpecs: structuredClone(base.weightSpecs!), weightData: (base.weightData as ArrayBuffer).slice(0), format: base.format };
  edit(a);
  return a as tfjs.io.ModelArtifacts;
}

const layerConfig = (a: { modelTopology: any }, i: number) => a.modelTopology.config.layers[i].config;

describe('unsupported layers and options (real tfjs saves)', () => {
  const cases: [string, () => tfjs.layers.Layer[], RegExp][] = [
    ['BatchNormalization', () => [tf.layers.dense({ inputShape: [4], units: 3, name: 'd' }), tf.layers.batchNormalization({ name: 'bn' })],
      /layer 1 'bn' \(BatchNormalization\): layer class "BatchNormalization" is not supported \(supported: InputLayer, Conv2D, MaxPooling2D, Flatten, Dense, ReLU, Activation\)/],
    ['Dropout', () => [tf.layers.dense({ inputShape: [4], units: 3 }), tf.layers.dropout({ rate: 0.5, name: 'drop' })], /layer 1 'drop' \(Dropout\): layer class "Dropout" is not supported/],
    ['dilation_rate 2', () => [tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, dilationRate: 2, name: 'dil' })],
      /layer 0 'dil' \(Conv2D\): option dilation_rate = \[2,2\] is not supported \(only 1\)/],
    ["activation 'tanh'", () => [tf.layers.dense({ inputShape: [4], units: 3, activation: 'tanh', name: 'th' })],
      /layer 0 'th' \(Dense\): option activation = "tanh" is not supported \(only 'relu' and 'linear'\)/],
    ["Activation('sigmoid')", () => [tf.layers.dense({ inputShape: [4], units: 3 }), tf.layers.activation({ activation: 'sigmoid', name: 'sig' })],
      /layer 1 'sig' \(Activation\): option activation = "sigmoid" is not supported/],
    ['channels_first', () => [tf.layers.conv2d({ inputShape: [1, 6, 6], filters: 2, kernelSize: 3, dataFormat: 'channelsFirst', name: 'cf' })],
      /layer 0 'cf' \(Conv2D\): option data_format = "channels_first" is not supported \(only 'channels_last' \(NHWC\)\)/],
    ['a kernel regularizer', () => [tf.layers.dense({ inputShape: [4], units: 3, kernelRegularizer: tf.regularizers.l2(), name: 'reg' })],
      /layer 0 'reg' \(Dense\): option kernel_regularizer = \{"class_name":"L1L2","config":\{"l1":0,"l2":0.01\}\} is not supported/],
    ['ReLU max_value 6', () => [tf.layers.dense({ inputShape: [4], units: 3 }), tf.layers.reLU({ maxValue: 6, name: 'relu6' })],
      /layer 1 'relu6' \(ReLU\): option max_value = 6 is not supported \(only null: an unbounded ReLU\)/],
  ];
  for (const [what, layers, message] of cases) {
    it(`${what} is refused with a clear error`, async () => {
      const a = await saveOf(layers());
      expect(() => fromTfjsArtifacts(a)).toThrow(message);
    });
  }

  it('a functional model is refused: only Sequential models are imported', async () => {
    const input = tf.input({ shape: [4] });
    const m = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(input) as tfjs.SymbolicTensor });
    const a = await tfjsSave(tf, m);
    expect(() => fromTfjsArtifacts(a)).toThrow(/model class "Model" is not supported: only Sequential models/);
  });
});

describe('options and files tfjs would not write', () => {
  const cases: [string, Parameters<typeof edited>[0], RegExp][] = [
    ['an unknown option', (a) => (layerConfig(a, 0).foo = 1), /layer 0 'c' \(Conv2D\): option\(s\) foo = 1 not supported by this importer/],
    ["padding 'causal'", (a) => (layerConfig(a, 0).padding = 'causal'), /option padding = "causal" is not supported \(only 'valid' and 'same'\)/],
    ['Keras groups = 2', (a) => (layerConfig(a, 0).groups = 2), /layer 0 'c' \(Conv2D\): option groups = 2 is not supported \(only 1\)/],
    ['dtype float16', (a) => (layerConfig(a, 2).dtype = 'float16'), /layer 2 'd' \(Dense\): option dtype = "float16" is not supported/],
    ['a graph model', (a) => (a.format = 'graph-model'), /format "graph-model" is not supported, expected "layers-model" \(a graph model holds no layers/],
    ['a missing weight', (a) => { a.weightSpecs.pop(); a.weightData = a.weightData.slice(0, a.weightData.byteLength - 12); }, /layer 'd' needs weight 'd\/bias' \[3\], which the weights manifest lacks/],
    ['an extra weight', (a) => { a.weightSpecs.push({ name: 'x/kernel', shape: [1], dtype: 'float32' }); a.weightData = new Uint8Array([...new Uint8Array(a.weightData), 0, 0, 0, 0]).buffer; }, /the weights manifest lists 'x\/kernel', which no layer has/],
    ['a kernel of the wrong shape', (a) => (a.weightSpecs[2].shape = [3, 32]), /weight 'd\/kernel' has shape \[3, 32\] but layer 'd' needs \[32, 3\]/],
    ['truncated weight data', (a) => (a.weightData = a.weightData.slice(0, 100)), /describes 476 bytes but the weight files hold 100: a shard is truncated or missing/],
    ['too much weight data', (a) => (a.weightData = new ArrayBuffer(480)), /describes 476 bytes but the weight files hold 480: a shard is too long/],
    ['an int32 weight', (a) => (a.weightSpecs[0].dtype = 'int32'), /weight 'c\/kernel' has dtype "int32"; layer weights must be float32/],
    ['an unknown quantisation', (a) => (a.weightSpecs[1].quantization = { dtype: 'int4' }), /weight 'c\/bias' is stored as "int4", which this importer cannot read/],
    ['an input shape on a later layer', (a) => (layerConfig(a, 2).batch_input_shape = [null, 8]), /layer 2 sets the input shape, which only the first layer may do/],
    ['no input shape', (a) => delete layerConfig(a, 0).batch_input_shape, /does not record its input shape \(no InputLayer or batch_input_shape\): pass inputShape/],
    ['unknown input dimensions', (a) => (layerConfig(a, 0).batch_input_shape = [null, null, null, 1]), /input shape \[null, null, null, 1\] has unknown dimensions: pass inputShape/],
  ];
  for (const [what, edit, message] of cases) {
    it(`${what} is refused with a clear error`, () => {
      expect(() => fromTfjsArtifacts(edited(edit))).toThrow(message);
    });
  }

  it('inputShape fixes unknown input dimensions, and must agree with the known ones', async () => {
    const a = edited((x) => (layerConfig(x, 0).batch_input_shape = [null, null, null, 1]));
    expect(() => fromTfjsArtifacts(a, undefined, { inputShape: [6, 6, 2] })).toThrow(/inputShape \[6, 6, 2\] disagrees with the model's input \[null, null, null, 1\]/);
    const ours = fromTfjsArtifacts(a, undefined, { inputShape: [6, 6, 1] });
    const ref = await tf.loadLayersModel(tf.io.fromMemory(base));
    const x = seeded([2, 6, 6, 1], 3);
    // Same network, summation order aside (see tests/interop.test.ts for the tolerance).
    expectAllClose(await ourPredict(ours, x, 2), await tfjsPredict(tf, ref, x, [2, 6, 6, 1]), { atol: 1e-5, rtol: 1e-4 });
    ours.dispose();
    ref.dispose();
  });

  it('Keras (Python) files: model_config wrapper, an InputLayer with batch_shape, Keras 3 dtype policies and weight names', async () => {
    const a = edited((x) => {
      const layers = x.modelTopology.config.layers;
      delete layers[0].config.batch_input_shape;
      for (const l of layers) l.config.dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
      layers.unshift({ class_name: 'InputLayer', config: { batch_shape: [null, 6, 6, 1], dtype: 'float32', sparse: false, name: 'input_layer' } });
      x.modelTopology = { model_config: x.modelTopology, keras_version: '3.3.3', backend: 'tensorflow' };
      // Keras 3 numbers a layer's weights instead of naming them.
      x.weightSpecs.forEach((s: { name: string }) => (s.name = s.name.replace('/kernel', '/0').replace('/bias', '/1')));
    });
    const ours = fromTfjsArtifacts(a);
    expect(ours.layers.map((l) => l.name)).toEqual(['c', 'f', 'd']);
    const ref = await tf.loadLayersModel(tf.io.fromMemory(base));
    const x = seeded([2, 6, 6, 1], 4);
    expectAllClose(await ourPredict(ours, x, 2), await tfjsPredict(tf, ref, x, [2, 6, 6, 1]), { atol: 1e-5, rtol: 1e-4 });
    ours.dispose();
    ref.dispose();
  });

  it('on disk: a missing shard, a non-JSON model.json and a URL path are named', async () => {
    const dir = join(root, 'broken');
    mkdirSync(dir);
    const specs = base.weightSpecs!;
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: base.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['w1.bin'], weights: specs }] }));
    await expect(loadTfjsModel(join(dir, 'model.json'))).rejects.toThrow(`${join(dir, 'w1.bin')}: weight file not found (${join(dir, 'model.json')} names it)`);
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: base.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['https://example.com/w.bin'], weights: specs }] }));
    await expect(loadTfjsModel(dir)).rejects.toThrow(/weight path 'https:\/\/example.com\/w.bin' is not relative to model.json/);
    writeFileSync(join(dir, 'model.json'), '{"modelTopology": ');
    await expect(loadTfjsModel(dir)).rejects.toThrow(/model.json: not valid JSON/);
    await expect(loadTfjsModel(join(dir, 'nope.json'))).rejects.toThrow(/nope.json: not found/);
  });
});
