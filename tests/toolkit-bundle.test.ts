/**
 * The one-file bundle (src/siamese/toolkit/bundle.ts, BUNDLE.md): a round trip gives the same
 * verify, search and embed answers as the model and gallery it was made from; truncated,
 * foreign, newer and corrupt files fail with one line naming the file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedNetwork, SiameseModel } from '../src/siamese/model.js';
import { makeImageSet } from '../src/siamese/data/image-set.js';
import { GalleryIndex } from '../src/siamese/toolkit/gallery.js';
import { Verifier } from '../src/siamese/toolkit/verifier.js';
import { embed } from '../src/siamese/toolkit/embed.js';
import { calibrate } from '../src/siamese/toolkit/calibration.js';
import { bundleModel, decodeBundle, loadBundle, type BundleCalibration } from '../src/siamese/toolkit/bundle.js';
import { Random } from '../src/engine/random.js';

const SIDE = 12; // small images keep the model (and the file) small
function images(n: number, seed: number): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n * SIDE * SIDE }, () => r.next());
}

let model: SiameseModel;
let gallery: GalleryIndex;
let calibration: BundleCalibration;
let bytes: Uint8Array;
const names = ['zero', 'one', 'two'];

beforeAll(async () => {
  model = new SiameseModel(seedNetwork({ inputShape: [SIDE, SIDE, 1], embeddingSize: 16, seed: 3 }), 'cosine');
  const set = makeImageSet({ images: images(9, 1), labels: [0, 1, 2, 0, 1, 2, 0, 1, 2], height: SIDE, width: SIDE, source: 'nine' });
  gallery = GalleryIndex.build(model, set);
  calibration = { ...(await calibrate([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [1, 1, 0, 1, 0, 0], 'eer')), metric: 'cosine', data: 'hand-made' };
  bytes = await bundleModel(model, { margin: 1, threshold: 0.5 }, calibration, { index: gallery, data: 'nine', classNames: names });
});

afterAll(() => {
  gallery.dispose();
  model.base.dispose();
});

describe('bundle round trip', () => {
  it('layout: magic, version 1, manifest length, 4-byte aligned parts', () => {
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x57, 0x53, 0x42, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(view.getUint32(8, true)).toBe(1);
    const { manifest, data } = decodeBundle(bytes, 'm.siamese');
    expect(manifest.head).toEqual({ model: 'siamese', distance: 'cosine', margin: 1, threshold: 0.5 });
    expect(manifest.gallery).toMatchObject({ count: 9, dim: 16, metric: 'cosine', classNames: names, data: 'nine' });
    expect((bytes.byteLength - data.byteLength) % 4).toBe(0);
    expect(manifest.sections.gallery!.offset % 4).toBe(0);
    // Header, manifest, padding, weights, gallery and nothing else.
    expect(data.byteLength).toBe(manifest.sections.gallery!.offset + 9 * 16 * 4);
    expect(16 + view.getUint32(12, true)).toBeLessThanOrEqual(bytes.byteLength - data.byteLength);
  });

  it('verify, search and embed give the same answers as the model and gallery it came from', async () => {
    const b = loadBundle(bytes.slice().buffer, 'm.siamese');
    try {
      expect(b.distanceThreshold).toBe(calibration.distanceThreshold);
      expect(b.calibration).toEqual(calibration);
      const x = images(2, 7);
      const [a, c] = [x.subarray(0, SIDE * SIDE), x.subarray(SIDE * SIDE)];
      // Same weights, same kernels: bit-identical distances.
      expect(await b.verify(a, c)).toEqual(await new Verifier(model, calibration.distanceThreshold).verify(a, c));
      const q = images(3, 8);
      const want = await gallery.searchImages(model, q, 4);
      const got = await b.search(q, 4);
      expect(got.flatMap((r) => r.map((m) => m.item))).toEqual(Array.from(want.indices));
      expect(got.flatMap((r) => r.map((m) => m.distance))).toEqual(Array.from(want.distances));
      expect(got[0].map((m) => m.rank)).toEqual([1, 2, 3, 4]);
      for (const m of got.flat()) expect(m.name).toBe(names[m.label]);
      const e = embed(model, q);
      expect(Array.from(await b.embed(q))).toEqual(Array.from(await e.data()));
      e.dispose();
    } finally {
      b.dispose();
    }
  });

  it('a bundle without calibration or gallery verifies with the model threshold and refuses search', async () => {
    const plain = await bundleModel(model, { margin: 1, threshold: 0.3 }, null, null);
    const b = loadBundle(plain, 'plain.siamese');
    try {
      expect(b.distanceThreshold).toBeCloseTo(0.7, 12);
      await expect(b.search(images(1, 2), 1)).rejects.toThrow(/this bundle has no gallery/);
    } finally {
      b.dispose();
    }
  });
});

describe('bad bundles: one line naming the file', () => {
  it('truncated anywhere: in the header, the manifest, the weights or the gallery', () => {
    const { data } = decodeBundle(bytes);
    const dataStart = bytes.byteLength - data.byteLength;
    for (const end of [4, 12, 40, dataStart + 100, bytes.byteLength - 1]) {
      expect(() => loadBundle(bytes.subarray(0, end), 'cut.siamese'), `cut at ${end}`).toThrow(/^cut\.siamese: truncated: /);
    }
  });

  it('foreign files, a newer version, corrupt weights or gallery', () => {
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13);
    expect(() => loadBundle(png, 'photo.png')).toThrow(/^photo\.png: not a webgpu-siamese bundle/);
    expect(() => loadBundle(new TextEncoder().encode('{"format":"webgpu-siamese/sequential"}'), 'model.json')).toThrow(/^model\.json: not a webgpu-siamese bundle/);
    expect(() => loadBundle(new Uint8Array(0), 'empty')).toThrow(/^empty: not a webgpu-siamese bundle/);
    const newer = bytes.slice();
    newer[8] = 2;
    expect(() => loadBundle(newer, 'new.siamese')).toThrow(/^new\.siamese: bundle format version 2 is not supported \(this library reads version 1\); it was written by a newer version/);
    const { data, manifest } = decodeBundle(bytes);
    const dataStart = bytes.byteLength - data.byteLength;
    const badWeights = bytes.slice();
    badWeights[dataStart + 10] ^= 0xff;
    expect(() => loadBundle(badWeights, 'w.siamese')).toThrow(/^w\.siamese \(weights\) does not match .*CRC-32/);
    const badGallery = bytes.slice();
    badGallery[dataStart + manifest.sections.gallery!.offset + 5] ^= 0xff;
    expect(() => loadBundle(badGallery, 'g.siamese')).toThrow(/^g\.siamese: the gallery embeddings fail their CRC-32 check/);
  });
});
