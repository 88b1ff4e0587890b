/**
 * Interop with TensorFlow.js (issue 7): our base network exported in the TF.js Layers format and
 * loaded by @tensorflow/tfjs (CPU backend) through `tf.loadLayersModel`; tfjs models saved by
 * tfjs itself and imported here; and the round trip tfjs → import → train here → export → tfjs.
 *
 * Tolerance for "same embeddings": both sides compute the same float32 network, so outputs can
 * differ only by rounding in the different summation orders of the convs and matmuls. The
 * error of a float32 sum of K products is bounded by about K·2⁻²⁴ times the sum of the terms'
 * magnitudes; with K ≤ 1600 (the first dense layer of the seed network) that is ≤ 1e-4 of the
 * output scale, and a random-walk rounding makes it ~sqrt(K)·2⁻²⁴ ≈ 2.4e-6 in practice. We
 * assert |ours − tfjs| ≤ 1e-4 · max|tfjs| (+ rtol 1e-4): loose enough for any summation order,
 * tight enough to catch a wrong layout (transposed kernel, wrong Flatten order), which gives
 * errors of order 1.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { tensor, mean, squaredDifference, nn, toTfjsArtifacts, fromTfjsArtifacts, saveTfjsModel, loadTfjsModel } from '../src/index.js';
import { seedNetwork } from '../src/siamese/model.js';
import { tfRef, seeded } from './helpers/reference.js';
import { expectAllClose } from './helpers/allclose.js';
import { artifactsOf, concat, fileHandler, maxRelError, ourPredict, tfjsPredict, tfjsSave } from './helpers/tfjs-io.js';

let tf: typeof tfjs;
let root: string;
beforeAll(async () => {
  tf = await tfRef();
  root = mkdtempSync(join(tmpdir(), 'interop-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Ours vs tfjs within the tolerance argued at the top of this file. */
function expectSameEmbeddings(ours: Float32Array, ref: Float32Array, what: string): void {
  const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expect(scale, `${what}: the reference must not be all zeros`).toBeGreaterThan(1e-3);
  expectAllClose(ours, ref, { atol: 1e-4 * scale, rtol: 1e-4, what });
}

/** A tfjs model using every supported layer and option combination we can express. */
// Seeded initializers: unseeded, this small relu network's outputs were all zero in one run out
// of many, and the test stopped on its "reference must not be all zeros" check.
function tfjsModel(): tfjs.Sequential {
  const k = (seed: number) => tf.initializers.glorotUniform({ seed });
  const m = tf.sequential({ name: 'tfjs_built' });
  m.add(tf.layers.inputLayer({ inputShape: [10, 9, 2] }));
  m.add(tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1', kernelInitializer: k(1) }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: [2, 1], name: 'p1' }));
  m.add(tf.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], useBias: false, name: 'c2', kernelInitializer: k(2) }));
  m.add(tf.layers.reLU({ name: 'r1' }));
  m.add(tf.layers.maxPooling2d({ poolSize: [2, 2], padding: 'same', name: 'p2' }));
  m.add(tf.layers.flatten({ name: 'f' }));
  m.add(tf.layers.dense({ units: 6, name: 'd1', kernelInitializer: k(3), biasInitializer: tf.initializers.randomNormal({ seed: 4 }) }));
  m.add(tf.layers.activation({ activation: 'relu', name: 'a_relu' }));
  m.add(tf.layers.activation({ activation: 'linear', name: 'a_linear' }));
  m.add(tf.layers.dense({ units: 5, activation: 'relu', name: 'd2', kernelInitializer: k(5), biasInitializer: tf.initializers.randomUniform({ seed: 6 }) }));
  m.add(tf.layers.dense({ units: 4, name: 'embedding', kernelInitializer: k(7) }));
  return m;
}

describe('export to TensorFlow.js', () => {
  it('the seed base network, written as shards, loads in tf.loadLayersModel and gives the same embeddings', async () => {
    const ours = seedNetwork({ seed: 11 });
    const dir = join(root, 'seed-export');
    // 232,000 float32 = 928,000 bytes: 300 kB shards give 4 files, cut inside weights.
    await saveTfjsModel(ours, dir, { shardBytes: 300_000 });
    expect(readdirSync(dir).sort()).toEqual(['group1-shard1of4.bin', 'group1-shard2of4.bin', 'group1-shard3of4.bin', 'group1-shard4of4.bin', 'model.json']);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(typeof json.generatedBy).toBe('string');
    expect('convertedBy' in json).toBe(true);
    expect(json.weightsManifest[0].weights).toEqual([
      { name: 'conv2d_1/kernel', shape: [3, 3, 1, 32], dtype: 'float32' },
      { name: 'conv2d_1/bias', shape: [32], dtype: 'float32' },
      { name: 'conv2d_2/kernel', shape: [3, 3, 32, 64], dtype: 'float32' },
      { name: 'conv2d_2/bias', shape: [64], dtype: 'float32' },
      { name: 'dense_1/kernel', shape: [1600, 128], dtype: 'float32' },
      { name: 'dense_1/bias', shape: [128], dtype: 'float32' },
      { name: 'dense_2/kernel', shape: [128, 64], dtype: 'float32' },
      { name: 'dense_2/bias', shape: [64], dtype: 'float32' },
    ]);
    const layers = json.modelTopology.config.layers;
    expect(layers.map((l: { class_name: string }) => l.class_name)).toEqual(['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dense']);
    expect(layers[0].config).toMatchObject({ name: 'conv2d_1', filters: 32, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', use_bias: true, data_format: 'channels_last', dilation_rate: [1, 1], batch_input_shape: [null, 28, 28, 1] });
    expect(layers[1].config).toMatchObject({ pool_size: [2, 2], strides: [2, 2], padding: 'valid', data_format: 'channels_last' });
    expect(layers[6].config).toMatchObject({ name: 'dense_2', units: 64, activation: 'linear', use_bias: true });

    const ref = await tf.loadLayersModel(fileHandler(join(dir, 'model.json')));
    // The weights tfjs holds are bit for bit ours.
    const refWeights = await Promise.all(ref.getWeights().map((w) => w.data()));
    const ourWeights = await ours.getWeights();
    refWeights.forEach((w, i) => expect(w, `weight ${i}`).toEqual(ourWeights[i]));

    const x = seeded([4, 28, 28, 1], 5, 0, 1);
    const mine = await ourPredict(ours, x, 4);
    const theirs = await tfjsPredict(tf, ref, x, [4, 28, 28, 1]);
    expectSameEmbeddings(mine, theirs, 'seed network embeddings');
    console.log(`seed network export: max |ours - tfjs| / max|tfjs| = ${maxRelError(mine, theirs).toExponential(2)}`);

    // "Unchanged": what tfjs re-serialises from the loaded model is exactly what we wrote.
    const resaved = await tfjsSave(tf, ref);
    expect((resaved.modelTopology as Record<string, any>).config.layers).toEqual(layers);
    expect(resaved.weightSpecs).toEqual(json.weightsManifest[0].weights);
    ref.dispose();
    ours.dispose();
  });

  it('toTfjsArtifacts is pure (browser-safe): manifest, bytes and shard views agree; metadata travels', async () => {
    const ours = seedNetwork({ seed: 3, inputShape: [12, 12, 1], embeddingSize: 8 });
    const { modelJson, weightData, shards } = await toTfjsArtifacts(ours, { shardBytes: 1000, metadata: { note: 'hi' } });
    expect(shards.length).toBe(Math.ceil(weightData.byteLength / 1000));
    expect(modelJson.weightsManifest[0].paths).toEqual(shards.map((s) => s.path));
    expect(new Uint8Array(concat(shards.map((s) => s.data)))).toEqual(new Uint8Array(weightData));
    const ref = await tf.loadLayersModel(tf.io.fromMemory(artifactsOf(modelJson as unknown as Record<string, any>, weightData)));
    expect(ref.getUserDefinedMetadata()).toEqual({ note: 'hi' });
    const x = seeded([3, 12, 12, 1], 6, 0, 1);
    expectSameEmbeddings(await ourPredict(ours, x, 3), await tfjsPredict(tf, ref, x, [3, 12, 12, 1]), 'small seed network');
    ref.dispose();
    ours.dispose();
  });

  it('a re-export into the same folder replaces the files and removes shards no longer named', async () => {
    const dir = join(root, 'reexport');
    const a = seedNetwork({ seed: 1, inputShape: [12, 12, 1], embeddingSize: 8 });
    await saveTfjsModel(a, dir, { shardBytes: 4096 });
    const many = readdirSync(dir).filter((f) => f.endsWith('.bin')).length;
    expect(many).toBeGreaterThan(2);
    await saveTfjsModel(a, dir);
    expect(readdirSync(dir).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    const back = await loadTfjsModel(dir);
    const w = await back.getWeights();
    (await a.getWeights()).forEach((v, i) => expect(w[i]).toEqual(v));
    a.dispose();
    back.dispose();
  });
});

describe('import from TensorFlow.js', () => {
  it("a tf.sequential saved by tfjs's own model.save imports and gives the same outputs", async () => {
    const ref = tfjsModel();
    const saved = await tfjsSave(tf, ref);
    const ours = fromTfjsArtifacts(saved);
    expect(ours.inputShape).toEqual([10, 9, 2]);
    // Activation('linear') has no effect and is dropped; Activation('relu') becomes a ReLU layer.
    expect(ours.layers.map((l) => `${l.name}:${l.className}`)).toEqual([
      'c1:Conv2D', 'p1:MaxPooling2D', 'c2:Conv2D', 'r1:ReLU', 'p2:MaxPooling2D', 'f:Flatten', 'd1:Dense', 'a_relu:ReLU', 'd2:Dense', 'embedding:Dense',
    ]);
    const x = seeded([3, 10, 9, 2], 8);
    const theirs = await tfjsPredict(tf, ref, x, [3, 10, 9, 2]);
    expectSameEmbeddings(await ourPredict(ours, x, 3), theirs, 'imported tfjs model');
    ours.dispose();
    ref.dispose();
  });

  it('reads weights split over several groups and shard files from disk, and keeps frozen layers frozen', async () => {
    const ref = tfjsModel();
    ref.getLayer('c1').trainable = false;
    const saved = await tfjsSave(tf, ref);
    const specs = saved.weightSpecs!;
    const bytes = new Uint8Array(saved.weightData as ArrayBuffer);
    // Group 1: the first 3 weights in two shards cut mid-weight; group 2: the rest in one.
    const size = (s: { shape: number[] }) => 4 * s.shape.reduce((a, b) => a * b, 1);
    const cut = specs.slice(0, 3).reduce((n, s) => n + size(s), 0);
    const dir = join(root, 'tfjs-shards');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a1.bin'), bytes.subarray(0, 10));
    writeFileSync(join(dir, 'a2.bin'), bytes.subarray(10, cut));
    writeFileSync(join(dir, 'b.bin'), bytes.subarray(cut));
    const modelJson = {
      modelTopology: saved.modelTopology,
      format: saved.format,
      generatedBy: saved.generatedBy,
      convertedBy: saved.convertedBy,
      weightsManifest: [
        { paths: ['a1.bin', 'a2.bin'], weights: specs.slice(0, 3) },
        { paths: ['b.bin'], weights: specs.slice(3) },
      ],
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
    const ours = await loadTfjsModel(join(dir, 'model.json'));
    const x = seeded([2, 10, 9, 2], 9);
    expectSameEmbeddings(await ourPredict(ours, x, 2), await tfjsPredict(tf, ref, x, [2, 10, 9, 2]), 'sharded import');
    expect(ours.weights.map((w) => `${w.name}:${w.trainable}`)).toEqual([
      'c1/kernel:false', 'c1/bias:false', 'c2/kernel:true', 'd1/kernel:true', 'd1/bias:true', 'd2/kernel:true', 'd2/bias:true', 'embedding/kernel:true', 'embedding/bias:true',
    ]);
    // ... and the export says so too, as tfjs does.
    const back = await toTfjsArtifacts(ours);
    expect(back.modelJson.modelTopology.config.layers[0].config.trainable).toBe(false);
    ours.dispose();
    ref.dispose();
  });

  it('dequantises uint8, uint16 and float16 weights exactly as tfjs does', async () => {
    const ref = tfjsModel();
    const saved = await tfjsSave(tf, ref);
    const src = new Float32Array(saved.weightData as ArrayBuffer);
    const kinds = ['uint8', 'uint16', 'float16'] as const;
    const parts: Uint8Array[] = [];
    let at = 0;
    const specs = saved.weightSpecs!.map((s, i) => {
      const n = s.shape.reduce((a, b) => a * b, 1);
      const v = src.subarray(at, at + n);
      at += n;
      const dtype = kinds[i % 3];
      if (dtype === 'float16') {
        parts.push(new Uint8Array(Uint16Array.from(v, toHalf).buffer));
        return { ...s, quantization: { dtype } };
      }
      const lo = Math.min(...v);
      const levels = dtype === 'uint8' ? 255 : 65535;
      const scale = (Math.max(...v) - lo) / levels || 1;
      const q = Array.from(v, (x) => Math.round((x - lo) / scale));
      parts.push(new Uint8Array((dtype === 'uint8' ? Uint8Array.from(q) : Uint16Array.from(q)).buffer));
      return { ...s, quantization: { dtype, scale, min: lo } };
    });
    const weightData = concat(parts);
    const quantised = { ...saved, weightSpecs: specs, weightData };
    const ours = fromTfjsArtifacts(quantised);
    // tfjs's own decoder is the reference: the same arithmetic, so exactly equal values.
    const want = tf.io.decodeWeights(weightData, specs);
    const got = await ours.getWeights();
    await Promise.all(specs.map(async (s, i) => expect(got[i], s.name).toEqual(await want[s.name].data())));
    const refQ = await tf.loadLayersModel(tf.io.fromMemory(quantised));
    const x = seeded([2, 10, 9, 2], 10);
    expectSameEmbeddings(await ourPredict(ours, x, 2), await tfjsPredict(tf, refQ, x, [2, 10, 9, 2]), 'quantised import');
    ours.dispose();
    ref.dispose();
    refQ.dispose();
  });
});

describe('round trip (issue 7, item 4)', () => {
  it('tfjs model → import → 3 Adam steps here → export → tfjs gives the embeddings our engine gives', async () => {
    const ref = tfjsModel();
    const original = await tfjsSave(tf, ref);
    const ours = fromTfjsArtifacts(original);
    const x = tensor(seeded([4, 10, 9, 2], 12), [4, 10, 9, 2]);
    const target = tensor(seeded([4, 4], 13), [4, 4]);
    const opt = new nn.Adam({ learningRate: 0.01 });
    const losses: number[] = [];
    for (let step = 0; step < 3; step++) {
      const loss = opt.minimize(() => mean(squaredDifference(ours.apply(x), target)), ours.trainableWeights);
      losses.push((await loss.data())[0]);
      loss.dispose();
    }
    expect(losses[2], `training lowered the loss: ${losses.join(', ')}`).toBeLessThan(losses[0]);

    const { modelJson, weightData } = await toTfjsArtifacts(ours);
    const back = await tf.loadLayersModel(tf.io.fromMemory(artifactsOf(modelJson as unknown as Record<string, any>, weightData)));
    const probe = seeded([3, 10, 9, 2], 14);
    const mine = await ourPredict(ours, probe, 3);
    const theirs = await tfjsPredict(tf, back, probe, [3, 10, 9, 2]);
    expectSameEmbeddings(mine, theirs, 'fine-tuned model in tfjs');
    // The trained network is not the one we started from (so the match above is not trivial).
    const before = await tfjsPredict(tf, ref, probe, [3, 10, 9, 2]);
    expect(maxRelError(theirs, before)).toBeGreaterThan(1e-2);
    // Names survive the trip, so tfjs users find their layers.
    expect(back.layers.map((l) => l.name)).toEqual(ours.layers.map((l) => l.name));
    opt.dispose();
    x.dispose();
    target.dispose();
    ours.dispose();
    ref.dispose();
    back.dispose();
  });
});

/** float32 → IEEE half, rounding to nearest (enough for test data in half's normal range). */
function toHalf(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign; // flush tiny values to zero
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | Math.round((u & 0x7fffff) / 8192);
}
