/**
 * One-shot and few-shot classification (Koch et al. 2015; Vinyals et al. 2016's N-way K-shot
 * episodes). An episode draws N classes, K labelled "support" images and Q "query" images of
 * each; a query is given the class whose support images are nearest on average (mean distance,
 * i.e. the mean of the Siamese scores; for K = 1 the nearest neighbour). Accuracy is averaged
 * over seeded episodes, with a 95% confidence interval (normal approximation, 1.96·s/√E).
 *
 * On the GPU: the images are embedded once ([N, D], embed.ts); each episode gathers its rows and
 * takes the [Q·N, K·N] distance matrix with the fused pairwiseDistances kernel. Each episode's
 * matrix is read back with a promise awaited only after the last episode is encoded.
 */
import { fromArray } from '../../engine/tensor.js';
import { tidy } from '../../engine/scope.js';
import { Random } from '../../engine/random.js';
import { noGrad } from '../../autograd/tape.js';
import { gather, pairwiseDistances } from '../../autograd/ops.js';
import { indicesByClass, subset, type ImageSet } from '../data/image-set.js';
import type { SiameseModel, TripletModel } from '../model.js';
import { embed } from './embed.js';

/** Parses '7-9', '0,2,4' or '0-3,8' into sorted distinct class indices. */
export function parseClassList(spec: string, numClasses?: number): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new Error(`--classes '${spec}': expected class numbers and ranges like '7-9' or '0,2,4', got '${part}'`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Error(`--classes '${spec}': range ${part} runs backwards`);
    for (let c = lo; c <= hi; c++) {
      if (numClasses !== undefined && c >= numClasses) throw new Error(`--classes '${spec}': class ${c} does not exist (the data has classes 0–${numClasses - 1})`);
      out.add(c);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * The images of `classes` only (labels kept as they are). This is how training holds classes
 * out: train on selectClasses(data.train, [0..6]), then run oneshot with --classes 7-9.
 */
export function selectClasses(set: ImageSet, classes: readonly number[]): ImageSet {
  const keep = new Set(classes);
  const idx: number[] = [];
  for (let i = 0; i < set.count; i++) if (keep.has(set.labels[i])) idx.push(i);
  if (idx.length === 0) throw new Error(`${set.source}: no images of classes ${classes.join(', ')}`);
  return subset(set, idx, `${set.source}, classes ${classes.join(',')}`);
}

export interface EpisodeOptions {
  /** N: classes per episode. */
  ways: number;
  /** K: support images per class. */
  shots: number;
  /** Query images per class (default 1). */
  queries?: number;
  episodes: number;
  seed?: number;
}

export interface Episode {
  /** The episode's classes; way w is classes[w]. */
  classes: number[];
  /** ways·shots image indices, way-major (way 0's K images first). */
  support: Int32Array;
  /** ways·queries image indices, way-major; query q belongs to way ⌊q / queries⌋. */
  query: Int32Array;
}

/** Seeded episodes over a set's classes; every class used needs shots + queries images. */
export function sampleEpisodes(set: ImageSet, { ways, shots, queries = 1, episodes, seed = 0 }: EpisodeOptions): Episode[] {
  for (const [k, v] of [['ways', ways], ['shots', shots], ['queries', queries], ['episodes', episodes]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`oneshot: ${k} must be a positive integer, got ${v}`);
  }
  if (ways < 2) throw new Error(`oneshot: ways must be at least 2, got ${ways}`);
  const byClass = indicesByClass(set);
  const present = byClass.map((idx, c) => (idx.length > 0 ? c : -1)).filter((c) => c >= 0);
  const need = shots + queries;
  const small = present.filter((c) => byClass[c].length < need);
  if (small.length) {
    const c = small[0];
    throw new Error(`oneshot: class ${c} of ${set.source} has ${byClass[c].length} image${byClass[c].length === 1 ? '' : 's'}, ${shots}-shot episodes with ${queries} quer${queries === 1 ? 'y' : 'ies'} need ${need} per class`);
  }
  if (present.length < ways) throw new Error(`oneshot: ${ways}-way episodes need ${ways} classes, ${set.source} has ${present.length}`);
  const rng = new Random(seed);
  const out: Episode[] = [];
  for (let e = 0; e < episodes; e++) {
    const classes = rng.shuffle([...present]).slice(0, ways);
    const support = new Int32Array(ways * shots);
    const query = new Int32Array(ways * queries);
    classes.forEach((c, w) => {
      const pick = rng.shuffle(Array.from(byClass[c])).slice(0, need);
      support.set(pick.slice(0, shots), w * shots);
      query.set(pick.slice(shots), w * queries);
    });
    out.push({ classes, support, query });
  }
  return out;
}

/**
 * Predicted way of each query from its distances to the support images ([Q, ways·shots],
 * row-major, way-major columns): the way of least mean distance, the lower way on a tie.
 */
export function classifyQueries(distances: ArrayLike<number>, queries: number, ways: number, shots: number): Int32Array {
  if (distances.length !== queries * ways * shots) throw new Error(`classifyQueries: ${distances.length} distances for ${queries} queries × ${ways * shots} supports`);
  const pred = new Int32Array(queries);
  for (let q = 0; q < queries; q++) {
    let best = Infinity;
    for (let w = 0; w < ways; w++) {
      let s = 0;
      for (let k = 0; k < shots; k++) s += distances[q * ways * shots + w * shots + k];
      if (s / shots < best) (best = s / shots), (pred[q] = w);
    }
  }
  return pred;
}

/** Mean, sample standard deviation and the 95% CI half-width 1.96·s/√n. */
export function meanCI(values: ArrayLike<number>): { mean: number; std: number; ci95: number } {
  const n = values.length;
  if (n === 0) throw new Error('meanCI: no values');
  let m = 0;
  for (let i = 0; i < n; i++) m += values[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (values[i] - m) ** 2;
  const std = n > 1 ? Math.sqrt(v / (n - 1)) : 0;
  return { mean: m, std, ci95: (1.96 * std) / Math.sqrt(n) };
}

export interface OneShotResult {
  accuracy: number;
  ci95: number;
  std: number;
  episodes: number;
  ways: number;
  shots: number;
  queries: number;
  /** Accuracy of each episode. */
  perEpisode: Float64Array;
}

/** N-way K-shot accuracy of a model on `set` over seeded episodes. */
export async function oneShotAccuracy(model: SiameseModel | TripletModel, set: ImageSet, opts: EpisodeOptions & { batchSize?: number }): Promise<OneShotResult> {
  const episodes = sampleEpisodes(set, opts);
  const { ways, shots } = opts;
  const queries = opts.queries ?? 1;
  const metric = model.distance === 'cosine' ? 'cosine' : 'euclidean';
  const e = embed(model, set, opts.batchSize ?? 256);
  const reads: Promise<Float32Array | Int32Array>[] = [];
  try {
    for (const ep of episodes) {
      const d = noGrad(() =>
        tidy(() => {
          const s = gather(e, fromArray(ep.support, [ep.support.length], 'int32'));
          const q = gather(e, fromArray(ep.query, [ep.query.length], 'int32'));
          return pairwiseDistances(q, s, metric);
        }),
      );
      reads.push(d.data());
      d.dispose();
    }
  } finally {
    e.dispose();
  }
  const all = await Promise.all(reads);
  const perEpisode = Float64Array.from(all, (dist) => {
    const pred = classifyQueries(dist, ways * queries, ways, shots);
    let right = 0;
    pred.forEach((p, q) => (right += p === Math.floor(q / queries) ? 1 : 0));
    return right / pred.length;
  });
  const { mean, std, ci95 } = meanCI(perEpisode);
  return { accuracy: mean, ci95, std, episodes: episodes.length, ways, shots, queries, perEpisode };
}
