/**
 * Section 4: inference. Embeddings per second of the seed network on batches of 256 images
 * (up to --inference-images, within --inference-budget seconds), and the latency of one
 * similarity search: embed one query image, its distances to every gallery embedding, the k
 * nearest, read back. The gallery is the embeddings just computed when at least `gallery`
 * images were embedded, else seeded random embeddings (the search time does not depend on
 * their values).
 *
 * The search uses a GPU top-k op when src/autograd/ops.ts has one (`topk`); until then the
 * distances are computed on the GPU and the k smallest picked on the CPU, and the row says so.
 */
import { backend, concat, keep, randomNormal, tidy, type Tensor } from '../src/index.js';
import { fromArray } from '../src/engine/tensor.js';
import * as ops from '../src/autograd/ops.js';
import { seedNetwork } from '../src/siamese/model.js';
import type { BenchArgs } from './args.js';
import { attempt, type InferenceResult } from './result.js';
import { syntheticBatches } from './batches.js';
import { FORWARD_FLOPS_PER_IMAGE } from './seed-flops.js';
import { median } from './stats.js';

const BATCH = 256;
const K = 10;

type TopK = (x: Tensor, k: number, sorted?: boolean) => { values: Tensor; indices: Tensor };

/** Indices of the k smallest values (ties: lower index first). */
function smallestK(d: Float32Array | Int32Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < d.length; i++) {
    if (best.length === k && d[i] >= d[best[k - 1]]) continue;
    let j = best.length === k ? k - 1 : best.length;
    best[j] = i;
    while (j > 0 && d[best[j - 1]] > d[i]) {
      best[j] = best[j - 1];
      best[--j] = i;
    }
  }
  return best;
}

export async function inferenceSection(a: BenchArgs): Promise<InferenceResult> {
  const b = backend();
  const net = seedNetwork({ seed: 3 });
  // Two batches of 128 pairs = 256 images each, cycled.
  const inputs = syntheticBatches(BATCH / 2, 2, 11).map((s) => s.images);
  const wanted = Math.max(1, Math.round(a.inferenceImages / BATCH));
  const parts: Tensor[] = [];
  try {
    tidy(() => void net.predict(fromArray(inputs[0], [BATCH, 28, 28, 1]))); // warm-up: pipelines, pool
    await b.sync();
    // Batches go out in groups of 4 between syncs, so the GPU stays busy while the time budget
    // is checked at group boundaries.
    const t0 = performance.now();
    let batches = 0;
    while (batches < wanted) {
      for (let g = 0; g < 4 && batches < wanted; g++, batches++) parts.push(keep(tidy(() => net.predict(fromArray(inputs[batches % 2], [BATCH, 28, 28, 1])))));
      await b.sync();
      if (performance.now() - t0 > a.inferenceBudgetS * 1000) break;
    }
    const seconds = (performance.now() - t0) / 1000;
    const images = batches * BATCH;
    const keepGallery = images >= a.gallery;
    const embeddingsPerSec = images / seconds;

    const search = await attempt('top-k search', async () => {
      const gallery = keep(
        keepGallery
          ? tidy(() => ops.slice(concat(parts, 0), [0, 0], [a.gallery, 64]))
          : randomNormal([a.gallery, 64], 0, 1, 5),
      );
      try {
        // tfjs's name is `topk`; accept `topK` too.
        const named = ops as Record<string, unknown>;
        const topk = (named.topk ?? named.topK) as TopK | undefined;
        const query = inputs[1].subarray(0, 784);
        const once = async (): Promise<number> => {
          const t = performance.now();
          if (topk) {
            const idx = tidy(() => {
              const q = net.predict(fromArray(query, [1, 28, 28, 1]));
              return topk(ops.neg(ops.pairwiseDistances(q, gallery)), K).indices;
            });
            await idx.data();
            idx.dispose();
          } else {
            const d = tidy(() => ops.pairwiseDistances(net.predict(fromArray(query, [1, 28, 28, 1])), gallery));
            const values = await d.data();
            d.dispose();
            smallestK(values, K);
          }
          return performance.now() - t;
        };
        await once();
        await once();
        const runs = a.quick ? 5 : 20;
        const times: number[] = [];
        for (let r = 0; r < runs; r++) times.push(await once());
        return {
          gallery: a.gallery,
          galleryFrom: keepGallery ? 'embeddings of the images above' : `seeded random embeddings (only ${images} images were embedded)`,
          k: K,
          method: topk ? 'GPU: embed, pairwiseDistances, topk; read back k indices' : 'GPU: embed, pairwiseDistances; CPU: k smallest of the read-back distances',
          medianMs: median(times),
          runs,
          note: topk ? undefined : 'no GPU top-k op in src/autograd/ops.ts yet',
        };
      } finally {
        gallery.dispose();
      }
    });
    return { batch: BATCH, images, imagesRequested: wanted * BATCH, embeddingsPerSec, gflops: (embeddingsPerSec * FORWARD_FLOPS_PER_IMAGE) / 1e9, search };
  } finally {
    parts.forEach((p) => p.dispose());
    net.dispose();
  }
}

export { smallestK };
