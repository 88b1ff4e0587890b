/**
 * A gallery index for similarity search: the gallery's embeddings stay on the GPU; a search is
 * one fused pairwiseDistances launch ([Q, M]) and one top-k launch (kSmallest, ties to the lower
 * index), and only the [Q, k] result comes back. Browser-safe; node-gallery.ts saves it.
 */
import type { Tensor } from '../../engine/tensor.js';
import { tidy } from '../../engine/scope.js';
import { noGrad } from '../../autograd/tape.js';
import { pairwiseDistances, kSmallest, slice } from '../../autograd/ops.js';
import type { ImageSet } from '../data/image-set.js';
import type { DistanceMetric } from '../distance.js';
import type { SiameseModel, TripletModel } from '../model.js';
import { embed, type ImagesLike } from './embed.js';
import { retrievalScores, type RetrievalScores } from './retrieval.js';

export interface SearchResult {
  k: number;
  /** [Q·k] gallery indices, each query's nearest first. */
  indices: Int32Array;
  /** [Q·k] distances, ascending per query. */
  distances: Float32Array;
}

export class GalleryIndex {
  constructor(
    /** [M, D] embeddings, owned by the index (dispose() frees them). */
    readonly embeddings: Tensor,
    /** One label per gallery item. */
    readonly labels: Int32Array,
    readonly metric: DistanceMetric,
  ) {
    if (embeddings.rank !== 2) throw new Error(`GalleryIndex: embeddings must be [count, dim], got [${embeddings.shape.join(', ')}]`);
    if (embeddings.shape[0] === 0) throw new Error('GalleryIndex: the gallery is empty: add at least one image');
    if (labels.length !== embeddings.shape[0]) throw new Error(`GalleryIndex: ${embeddings.shape[0]} embeddings but ${labels.length} labels`);
  }

  /** Embeds a labelled set (on the GPU, batched) as the gallery. */
  static build(model: SiameseModel | TripletModel, set: ImageSet, batchSize = 256): GalleryIndex {
    if (set.count === 0) throw new Error(`GalleryIndex: ${set.source} is empty`);
    return new GalleryIndex(embed(model, set, batchSize), set.labels.slice(), model.distance);
  }

  get size(): number {
    return this.embeddings.shape[0];
  }

  get dim(): number {
    return this.embeddings.shape[1];
  }

  /** The k nearest gallery items of each query embedding ([Q, D] on the GPU). */
  async search(queries: Tensor, k: number): Promise<SearchResult> {
    if (queries.rank !== 2 || queries.shape[1] !== this.dim) {
      throw new Error(`search: queries must be [count, ${this.dim}] embeddings, got [${queries.shape.join(', ')}]`);
    }
    if (!Number.isInteger(k) || k < 1) throw new Error(`search: k must be a positive integer, got ${k}`);
    if (k > this.size) throw new Error(`search: k = ${k} is larger than the gallery (${this.size} item${this.size === 1 ? '' : 's'})`);
    const { values, indices } = noGrad(() =>
      tidy(() => kSmallest(pairwiseDistances(queries, this.embeddings, this.metric === 'cosine' ? 'cosine' : 'euclidean'), k)),
    );
    const [d, i] = await Promise.all([values.data(), indices.data()]);
    values.dispose();
    indices.dispose();
    for (let j = 0; j < d.length; j++) if (!Number.isFinite(d[j])) throw new Error(`search: distance ${d[j]} in the results: the model or the gallery holds NaN or Inf`);
    return { k, indices: i as Int32Array, distances: d as Float32Array };
  }

  /** Embeds query images with `model`, then searches. */
  async searchImages(model: SiameseModel | TripletModel, images: ImagesLike, k: number): Promise<SearchResult> {
    const q = embed(model, images);
    try {
      return await this.search(q, k);
    } finally {
      q.dispose();
    }
  }

  /**
   * recall@k, precision@k and MAP@R over labelled queries (retrieval.ts). MAP@R needs each
   * query's first R results (R = its class's gallery count, often far above top-k's limit of
   * 32), so here the distance rows ([chunk, M], computed on the GPU) are read back and ranked on
   * the CPU by a stable sort, the same order kSmallest gives. Queries are assumed not to be in
   * the gallery (a query found in it would count itself as a hit).
   */
  async evaluate(model: SiameseModel | TripletModel, queries: ImageSet, k: number, { chunk = 256 }: { chunk?: number } = {}): Promise<RetrievalScores> {
    if (k > this.size) throw new Error(`evaluate: k = ${k} is larger than the gallery (${this.size} items)`);
    const q = embed(model, queries);
    const m = this.size;
    const ranked: Int32Array[] = [];
    try {
      for (let s = 0; s < queries.count; s += chunk) {
        const n = Math.min(chunk, queries.count - s);
        const d = noGrad(() => tidy(() => pairwiseDistances(slice(q, [s, 0], [n, q.shape[1]]), this.embeddings, this.metric === 'cosine' ? 'cosine' : 'euclidean')));
        const rows = await d.data();
        d.dispose();
        for (let r = 0; r < n; r++) {
          const base = r * m;
          const order = Array.from({ length: m }, (_, j) => j).sort((a, b) => rows[base + a] - rows[base + b] || a - b);
          ranked.push(Int32Array.from(order, (j) => this.labels[j]));
        }
      }
    } finally {
      q.dispose();
    }
    return retrievalScores(ranked, queries.labels, this.labels, k);
  }

  dispose(): void {
    this.embeddings.dispose();
  }
}

/** Gallery labels of search results, per query, for retrievalScores. */
export function resultLabels(r: SearchResult, labels: Int32Array): Int32Array[] {
  const out: Int32Array[] = [];
  for (let q = 0; q < r.indices.length / r.k; q++) out.push(Int32Array.from(r.indices.subarray(q * r.k, (q + 1) * r.k), (i) => labels[i]));
  return out;
}
