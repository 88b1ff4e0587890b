/**
 * Retrieval metrics from ranked result lists (Musgrave, Belongie & Lim 2020, "A Metric Learning
 * Reality Check"). A gallery item is relevant to a query when their labels match; R is the
 * number of relevant items in the gallery for that query.
 *   recall@k    = fraction of queries with at least one relevant item among their first k
 *                 (the "Recall@k" of retrieval papers, not the fraction of relevant items found);
 *   precision@k = mean over queries of (relevant items among the first k) / k;
 *   MAP@R       = mean over queries of (1/R) Σ_{i ≤ R, item i relevant} precision@i,
 *                 average precision cut at R, which is 1 only when the first R are all relevant.
 * CPU code over lists read back once; browser-safe.
 */

export interface RetrievalScores {
  k: number;
  recallAtK: number;
  precisionAtK: number;
  mapAtR: number;
  queries: number;
}

/**
 * `ranked[q]`: gallery labels in order of increasing distance for query q (at least
 * max(k, R_q) of them for MAP@R to be exact; shorter lists count the missing as not relevant).
 */
export function retrievalScores(ranked: ArrayLike<number>[], queryLabels: ArrayLike<number>, galleryLabels: ArrayLike<number>, k: number): RetrievalScores {
  if (ranked.length !== queryLabels.length) throw new Error(`retrievalScores: ${ranked.length} result lists for ${queryLabels.length} queries`);
  if (ranked.length === 0) throw new Error('retrievalScores: no queries');
  if (!Number.isInteger(k) || k < 1) throw new Error(`retrievalScores: k must be a positive integer, got ${k}`);
  const count = new Map<number, number>();
  for (let i = 0; i < galleryLabels.length; i++) count.set(galleryLabels[i], (count.get(galleryLabels[i]) ?? 0) + 1);
  let hit = 0;
  let prec = 0;
  let map = 0;
  for (let q = 0; q < ranked.length; q++) {
    const l = queryLabels[q];
    const list = ranked[q];
    if (list.length < k) throw new Error(`retrievalScores: query ${q} has ${list.length} results, fewer than k = ${k}`);
    const R = count.get(l) ?? 0;
    if (R === 0) throw new Error(`retrievalScores: query ${q}'s class ${l} has no images in the gallery, so nothing can be retrieved for it`);
    let rel = 0;
    for (let i = 0; i < k; i++) if (list[i] === l) rel++;
    if (rel > 0) hit++;
    prec += rel / k;
    let found = 0;
    let ap = 0;
    for (let i = 0; i < Math.min(R, list.length); i++) {
      if (list[i] === l) ap += ++found / (i + 1);
    }
    map += ap / R;
  }
  const n = ranked.length;
  return { k, recallAtK: hit / n, precisionAtK: prec / n, mapAtR: map / n, queries: n };
}
