import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tensor } from '../src/index.js';
import { nn } from '../src/index.js';
import { seeded } from './helpers/reference.js';

const { Sequential, Conv2D, MaxPooling2D, Flatten, Dense, saveModel, loadModel, toArtifacts, fromArtifacts, crc32 } = nn;
type Model = InstanceType<typeof Sequential>;

function smallNet(seed: number): Model {
  return new Sequential(
    [
      new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 5, activation: 'relu' }),
      new Dense({ units: 3, useBias: false }),
    ],
    { inputShape: [8, 8, 1], seed, name: 'small' },
  );
}

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nn-save-'));
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** A folder holding a fresh save of smallNet(seed). */
async function savedCopy(name: string, seed = 1): Promise<string> {
  const dir = path.join(root, name);
  const m = smallNet(seed);
  await saveModel(m, dir);
  m.dispose();
  return dir;
}

/** Every file in `dir` with its bytes, to show that a failed call changed nothing. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]));
}

describe('artifacts', () => {
  it('CRC-32 gives the standard check value', () => {
    // The CRC-32/ISO-HDLC check value of "123456789" (the catalogue of parametrised CRCs).
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('toArtifacts lays the weights out as the manifest says, little-endian', async () => {
    const m = smallNet(2);
    const { manifest, weights } = await toArtifacts(m);
    expect(manifest.format).toBe('webgpu-siamese/sequential');
    expect(manifest.formatVersion).toBe(1);
    expect(manifest.inputShape).toEqual([8, 8, 1]);
    expect(manifest.layers.map((l) => l.className)).toEqual(['Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dense']);
    expect(manifest.weights.entries.map((e) => [e.name, e.shape, e.offset])).toEqual([
      ['conv2d_1/kernel', [3, 3, 1, 4], 0],
      ['conv2d_1/bias', [4], 144],
      ['dense_1/kernel', [36, 5], 160],
      ['dense_1/bias', [5], 880],
      ['dense_2/kernel', [5, 3], 900],
    ]);
    expect(weights.byteLength).toBe(960);
    const values = await m.getWeights();
    const view = new DataView(weights);
    // dense_1/kernel's 8th value, read back at its documented byte position.
    expect(view.getFloat32(160 + 4 * 7, true)).toBe(values[2][7]);
    // A JSON round trip (what a file does) still loads.
    const back = fromArtifacts(JSON.parse(JSON.stringify(manifest)), new Uint8Array(weights));
    expect(await back.getWeights()).toEqual(values);
    back.dispose();
    m.dispose();
  });
});

describe('saveModel / loadModel', () => {
  it('save → load gives identical weights, configs and outputs', async () => {
    const m = smallNet(3);
    const dir = path.join(root, 'roundtrip');
    await saveModel(m, dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const back = await loadModel(dir);
    expect(back.summary()).toBe(m.summary());
    expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    const x = tensor(seeded([2, 8, 8, 1], 4, 0, 1), [2, 8, 8, 1]);
    const [y1, y2] = [m.predict(x), back.predict(x)];
    // Same weights and kernels: bit-identical outputs.
    expect(Array.from(await y2.data())).toEqual(Array.from(await y1.data()));
    for (const t of [x, y1, y2]) t.dispose();
    m.dispose();
    back.dispose();
  });

  it('a second save replaces the first and leaves no temporary files', async () => {
    const dir = await savedCopy('replace', 1);
    const m2 = smallNet(2);
    await saveModel(m2, dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const back = await loadModel(dir);
    expect(await back.getWeights()).toEqual(await m2.getWeights());
    back.dispose();
    m2.dispose();
  });

  it('a save that fails overwrites nothing', async () => {
    const dir = await savedCopy('failed-save');
    const before = snapshot(dir);
    const disposed = smallNet(5);
    disposed.dispose();
    await expect(saveModel(disposed, dir)).rejects.toThrow(/used after dispose/);
    expect(snapshot(dir)).toEqual(before);
    // A target that is a file, not a folder.
    const file = path.join(root, 'not-a-folder');
    fs.writeFileSync(file, 'x');
    const m = smallNet(1);
    await expect(saveModel(m, file)).rejects.toThrow(new RegExp(`saveModel: cannot create folder ${file}`));
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
    m.dispose();
  });
});

describe('loadModel refuses bad files with errors that name them', () => {
  /** Saves a copy, applies `damage` to it, and expects loadModel to throw `message` and change nothing. */
  async function expectRefused(name: string, damage: (dir: string) => void, message: RegExp): Promise<void> {
    const dir = await savedCopy(name);
    damage(dir);
    const before = snapshot(dir);
    await expect(loadModel(dir)).rejects.toThrow(message);
    expect(snapshot(dir)).toEqual(before);
  }
  const editManifest = (dir: string, edit: (m: any) => void) => {
    const f = path.join(dir, 'model.json');
    const m = JSON.parse(fs.readFileSync(f, 'utf8'));
    edit(m);
    fs.writeFileSync(f, JSON.stringify(m));
  };
  const q = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

  it('missing folder or files', async () => {
    const nowhere = path.join(root, 'nowhere');
    await expect(loadModel(nowhere)).rejects.toThrow(new RegExp(`${q(path.join(nowhere, 'model.json'))} not found`));
    await expectRefused('no-weights', (d) => fs.rmSync(path.join(d, 'weights.bin')), /weights\.bin not found \(.*model\.json needs it\)/);
  });

  it('a truncated or corrupt model.json', async () => {
    await expectRefused(
      'truncated-json',
      (d) => {
        const f = path.join(d, 'model.json');
        fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 100));
      },
      /model\.json is not valid JSON .*corrupt, truncated or not a model/,
    );
    await expectRefused('empty-json', (d) => fs.writeFileSync(path.join(d, 'model.json'), ''), /model\.json is not valid JSON/);
  });

  it('foreign files: another format, a tfjs model, a newer version', async () => {
    await expectRefused('foreign', (d) => editManifest(d, (m) => (m.format = 'keras')), /model\.json: not a webgpu-siamese model: format is "keras"/);
    await expectRefused(
      'tfjs',
      (d) => fs.writeFileSync(path.join(d, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [] })),
      /model\.json: not a webgpu-siamese model.*looks like a TensorFlow\.js model/,
    );
    await expectRefused('v2', (d) => editManifest(d, (m) => (m.formatVersion = 2)), /format version 2 is not supported.*written by a newer version/);
  });

  it('an unknown layer class or option', async () => {
    await expectRefused(
      'unknown-class',
      (d) => editManifest(d, (m) => (m.layers[1].className = 'BatchNormalization')),
      /model\.json: layer 1: unknown layer class "BatchNormalization" \(known: Conv2D, MaxPooling2D, Dense, Flatten, ReLU\)/,
    );
    await expectRefused(
      'unknown-option',
      (d) => editManifest(d, (m) => (m.layers[3].config.kernelInitializer = 'heNormal')),
      /model\.json: layer 3 \(Dense\): unknown option\(s\) kernelInitializer/,
    );
    await expectRefused('bad-option', (d) => editManifest(d, (m) => (m.layers[0].config.filters = -2)), /layer 0: Conv2D 'conv2d_1': filters must be a positive integer, got -2/);
  });

  it('a truncated, padded or corrupt weights.bin', async () => {
    const w = (d: string) => path.join(d, 'weights.bin');
    await expectRefused('short', (d) => fs.writeFileSync(w(d), fs.readFileSync(w(d)).subarray(0, 500)), /weights\.bin holds 500 bytes but .*model\.json expects 960: the file is truncated/);
    await expectRefused('long', (d) => fs.appendFileSync(w(d), Buffer.alloc(4)), /weights\.bin holds 964 bytes .* too long/);
    await expectRefused(
      'flipped',
      (d) => {
        const b = fs.readFileSync(w(d));
        b[321] ^= 0x10;
        fs.writeFileSync(w(d), b);
      },
      /weights\.bin does not match .*model\.json \(CRC-32 0x[0-9a-f]{8}, expected 0x[0-9a-f]{8}\): the file is corrupt, or comes from a different save/,
    );
    // Weights from another model of the same byte length: the checksum still tells them apart.
    const other = await savedCopy('other', 9);
    await expectRefused('swapped', (d) => fs.copyFileSync(w(other), w(d)), /does not match .*CRC-32/);
  });

  it('a weights manifest that does not match the layers', async () => {
    await expectRefused(
      'renamed',
      (d) => editManifest(d, (m) => (m.weights.entries[0].name = 'conv2d_9/kernel')),
      /the layers need weight 'conv2d_1\/kernel' \[3, 3, 1, 4\], which the weights manifest lacks/,
    );
    await expectRefused(
      'reshaped',
      // Same byte length, other shape.
      (d) => editManifest(d, (m) => (m.weights.entries[2].shape = [5, 36])),
      /weight 'dense_1\/kernel' has shape \[5, 36\] but its layer needs \[36, 5\]/,
    );
    await expectRefused('gap', (d) => editManifest(d, (m) => (m.weights.entries[1].offset = 148)), /weights entry 1 'conv2d_1\/bias': expected offset 144/);
    await expectRefused('float16', (d) => editManifest(d, (m) => (m.weights.entries[0].dtype = 'float16')), /dtype "float16" is not supported/);
  });
});
