/** Similarity search: retrieval metrics by hand, the gallery index on the GPU, save/load, errors. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { retrievalScores } from '../src/siamese/toolkit/retrieval.js';
import { GalleryIndex, resultLabels } from '../src/siamese/toolkit/gallery.js';
import { loadGallery, saveGallery } from '../src/siamese/toolkit/node-gallery.js';
import { makeImageSet } from '../src/siamese/data/image-set.js';
import { seedNetwork, SiameseModel } from '../src/siamese/model.js';
import { fromArray } from '../src/engine/tensor.js';
import { Random } from '../src/engine/random.js';

// Gallery: five points on a line, x = 0 1 2 3 4, labels 0 0 1 1 0.
// Query A at x = 1.4 (label 0): distances 1.4 .4 .6 1.6 2.6 → items 1 2 0 3 4 → labels 0 1 0 1 0.
// Query B at x = 2.5 (label 1): .5 (items 2, 3: tie → 2 first), 1.5 (items 1, 4: tie → 1), 2.5
//   → items 2 3 1 4 0 → labels 1 1 0 0 0.
const G = [0, 0, 1, 0, 2, 0, 3, 0, 4, 0];
const GL = Int32Array.from([0, 0, 1, 1, 0]);
const Q = [1.4, 0, 2.5, 0];

describe('retrieval metrics (hand-computed)', () => {
  it('recall@k, precision@k, MAP@R', () => {
    const ranked = [[0, 1, 0, 1, 0], [1, 1, 0, 0, 0]];
    const s = retrievalScores(ranked, [0, 1], GL, 2);
    expect(s.recallAtK).toBe(1); // both have a relevant item in their first 2
    expect(s.precisionAtK).toBe(0.75); // (1/2 + 2/2) / 2
    // A: R = 3, relevant at ranks 1 and 3 → (1 + 2/3) / 3 = 5/9. B: R = 2, ranks 1, 2 → 1.
    expect(s.mapAtR).toBeCloseTo((5 / 9 + 1) / 2, 12);
    expect(retrievalScores([[1, 0, 0]], [0], GL, 1)).toMatchObject({ recallAtK: 0, precisionAtK: 0 });
  });
  it('errors: a query class absent from the gallery, too few results', () => {
    expect(() => retrievalScores([[0, 0]], [7], GL, 1)).toThrow(/class 7 has no images in the gallery/);
    expect(() => retrievalScores([[0]], [0], GL, 2)).toThrow(/1 results, fewer than k = 2/);
  });
});

describe('GalleryIndex on the GPU', () => {
  it('search: nearest first, ties to the lower index', async () => {
    const g = new GalleryIndex(fromArray(G, [5, 2]), GL, 'euclidean');
    const q = fromArray(Q, [2, 2]);
    const r = await g.search(q, 5);
    expect(Array.from(r.indices)).toEqual([1, 2, 0, 3, 4, 2, 3, 1, 4, 0]);
    // float32 distances of exact inputs: 1e-6 absolute.
    [0.4, 0.6, 1.4, 1.6, 2.6, 0.5, 0.5, 1.5, 1.5, 2.5].forEach((d, i) => expect(Math.abs(r.distances[i] - d)).toBeLessThan(1e-6));
    expect(resultLabels(r, GL).map((x) => Array.from(x))).toEqual([[0, 1, 0, 1, 0], [1, 1, 0, 0, 0]]);
    await expect(g.search(q, 6)).rejects.toThrow(/k = 6 is larger than the gallery \(5 items\)/);
    await expect(g.search(fromArray([1, 2, 3], [1, 3]), 1)).rejects.toThrow(/queries must be \[count, 2\] embeddings, got \[1, 3\]/);
    q.dispose();
    g.dispose();
  });

  it('an empty gallery is refused', () => {
    expect(() => new GalleryIndex(fromArray([], [0, 2]), new Int32Array(0), 'euclidean')).toThrow(/the gallery is empty/);
  });

  it('evaluate (CPU ranking of GPU distances) equals the metrics of the GPU top-k over the whole gallery', async () => {
    const r = new Random(3);
    const img = (n: number) => Float32Array.from({ length: n * 784 }, () => r.next());
    const model = new SiameseModel(seedNetwork({ seed: 4 }), 'cosine');
    const gallery = makeImageSet({ images: img(10), labels: [0, 1, 2, 0, 1, 2, 0, 1, 2, 0], height: 28, width: 28, source: 'g' });
    const queries = makeImageSet({ images: img(6), labels: [0, 1, 2, 2, 1, 0], height: 28, width: 28, source: 'q' });
    const g = GalleryIndex.build(model, gallery);
    const viaTopk = await g.searchImages(model, queries.images, 10);
    const want = retrievalScores(resultLabels(viaTopk, g.labels), queries.labels, g.labels, 3);
    const got = await g.evaluate(model, queries, 3, { chunk: 4 });
    expect(got).toEqual(want);
    // Saved and loaded with the model: same results from the reloaded index.
    const dir = mkdtempSync(join(tmpdir(), 'gallery-'));
    try {
      await saveGallery(dir, g, 'toy');
      const back = loadGallery(dir, 'cosine', 64);
      expect(back.data).toBe('toy');
      const again = await back.index.searchImages(model, queries.images, 10);
      expect(Array.from(again.indices)).toEqual(Array.from(viaTopk.indices));
      expect(() => loadGallery(dir, 'euclidean', 64)).toThrow(/built for the cosine distance, the model uses euclidean/);
      expect(() => loadGallery(dir, 'cosine', 32)).toThrow(/embeddings of size 64, the model makes 32/);
      writeFileSync(join(dir, 'gallery', 'embeddings.bin'), new Uint8Array(12));
      expect(() => loadGallery(dir, 'cosine', 64)).toThrow(/12 bytes, expected 2560/);
      back.index.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      g.dispose();
      model.base.dispose();
    }
  });
});
