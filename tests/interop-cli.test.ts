/**
 * `siamese export` and `siamese import` (issue 7, item 3), spawned as a user runs them: a
 * checkpoint exported for TensorFlow.js loads in tfjs with the same embeddings; the export
 * imported back is a checkpoint `siamese eval` can use, with the same weights and head; bad
 * input fails with one line and the documented exit code.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { seedNetwork, SiameseModel } from '../src/siamese/model.js';
import { loadCheckpoint, saveCheckpoint } from '../src/siamese/node-checkpoint.js';
import { tfRef, seeded } from './helpers/reference.js';
import { expectAllClose } from './helpers/allclose.js';
import { fileHandler, ourPredict, tfjsPredict, tfjsSave } from './helpers/tfjs-io.js';
import { oneLine, runCli } from './helpers/cli.js';

const run = (args: string[]) => runCli(args, { timeoutMs: 120_000 });

let tf: typeof tfjs;
let dir: string;
let ckpt: string;
let model: SiameseModel;

beforeAll(async () => {
  tf = await tfRef();
  dir = mkdtempSync(join(tmpdir(), 'interop-cli-'));
  ckpt = join(dir, 'run', 'checkpoint');
  model = new SiameseModel(seedNetwork({ seed: 21 }), 'cosine');
  await saveCheckpoint(model, ckpt, { margin: 0.8, threshold: 0.3, training: { data: 'bundled' } });
});
afterAll(() => {
  model.base.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('siamese export / import', () => {
  it('export writes a TF.js model with our embeddings; import turns it back into a checkpoint eval uses', async () => {
    const exported = join(dir, 'tfjs');
    const e = await run(['export', '--checkpoint', join(dir, 'run'), '--format', 'tfjs', '--out', exported]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/232,000 parameters.*model\.json/);
    expect(existsSync(join(exported, 'group1-shard1of1.bin'))).toBe(true);

    const ref = await tf.loadLayersModel(fileHandler(join(exported, 'model.json')));
    expect(ref.getUserDefinedMetadata()).toEqual({ webgpuSiamese: { model: 'siamese', distance: 'cosine', margin: 0.8, threshold: 0.3 } });
    const x = seeded([2, 28, 28, 1], 1, 0, 1);
    // Same network in float32; summation order aside (tolerance argued in tests/interop.test.ts).
    const theirs = await tfjsPredict(tf, ref, x, [2, 28, 28, 1]);
    const scale = theirs.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expectAllClose(await ourPredict(model.base, x, 2), theirs, { atol: 1e-4 * scale, rtol: 1e-4 });
    ref.dispose();

    const imported = join(dir, 'imported');
    const i = await run(['import', join(exported, 'model.json'), '--out', imported]);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stdout).toMatch(/7 layers, 232,000 parameters, input \[28, 28, 1\], siamese model, cosine distance/);
    const back = await loadCheckpoint(imported);
    expect([back.head.model, back.head.distance, back.head.margin, back.head.threshold]).toEqual(['siamese', 'cosine', 0.8, 0.3]);
    const want = await model.base.getWeights();
    (await back.model.base.getWeights()).forEach((w, k) => expect(w, `weight ${k}`).toEqual(want[k]));
    back.model.base.dispose();

    const ev = await run(['eval', '--checkpoint', imported, '--test-pairs', '20']);
    expect(ev.code, ev.stderr).toBe(0);
    const summary = JSON.parse(ev.stdout);
    expect(summary).toMatchObject({ checkpoint: imported, distance: 'cosine', threshold: 0.3, testPairs: 20 });
  });

  it('flags override the metadata; a tfjs model without our metadata gets the train defaults', async () => {
    const m = tf.sequential();
    m.add(tf.layers.flatten({ inputShape: [4, 4, 1] }));
    m.add(tf.layers.dense({ units: 3 }));
    const a = await tfjsSave(tf, m);
    const src = join(dir, 'plain');
    mkdirSync(src);
    writeFileSync(join(src, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
    writeFileSync(join(src, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, format: a.format, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
    const r = await run(['import', join(src, 'model.json'), '--out', join(dir, 'plain-ckpt'), '--model', 'triplet', '--threshold', '0.2']);
    expect(r.code, r.stderr).toBe(0);
    const head = JSON.parse(readFileSync(join(dir, 'plain-ckpt', 'siamese.json'), 'utf8'));
    expect(head).toMatchObject({ model: 'triplet', distance: 'euclidean', margin: 1, threshold: 0.2 });
    m.dispose();
  });

  it('errors are one line: an unsupported layer (exit 1), a missing checkpoint (exit 1), a bad flag (exit 2)', async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [4], units: 3, activation: 'softmax', name: 'probs' }));
    const a = await tfjsSave(tf, m);
    const src = join(dir, 'softmax');
    mkdirSync(src);
    writeFileSync(join(src, 'w.bin'), new Uint8Array(a.weightData as ArrayBuffer));
    writeFileSync(join(src, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, format: a.format, weightsManifest: [{ paths: ['w.bin'], weights: a.weightSpecs }] }));
    m.dispose();
    const bad = await run(['import', src, '--out', join(dir, 'never')]);
    expect(bad.code).toBe(1);
    expect(oneLine(bad.stderr)).toMatch(/^siamese import: .*model\.json: layer 0 'probs' \(Dense\): option activation = "softmax" is not supported/);
    expect(existsSync(join(dir, 'never'))).toBe(false);

    const missing = await run(['export', '--checkpoint', join(dir, 'nothing'), '--out', join(dir, 'x')]);
    expect(missing.code).toBe(1);
    expect(oneLine(missing.stderr)).toMatch(/^siamese export: --checkpoint .*nothing: no such folder$/);

    const flag = await run(['export', '--checkpoint', ckpt, '--format', 'onnx', '--out', join(dir, 'x')]);
    expect(flag.code).toBe(2);
    expect(oneLine(flag.stderr)).toBe("siamese: --format: expected 'tfjs', got 'onnx'");
  });
});
