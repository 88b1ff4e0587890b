/**
 * Pairs to show before any model exists: alternately two images of one class and two of
 * different classes, picked by a fixed rule so the page looks the same on every load. Training
 * pairs and test pairs come from the training library (seams.ts), not from here.
 */
import { digitImage, type DigitSet } from '../data/digits-format.js';
import type { PairView } from './seams.js';

export function samplePairs(set: DigitSet, count: number): PairView[] {
  const byClass: number[][] = Array.from({ length: set.numClasses }, () => []);
  set.labels.forEach((l, i) => byClass[l].push(i));
  const pairs: PairView[] = [];
  for (let k = 0; k < count; k++) {
    const ca = k % set.numClasses;
    const cb = k % 2 === 0 ? ca : (ca + 1 + (k % (set.numClasses - 1))) % set.numClasses;
    const la = byClass[ca];
    const lb = byClass[cb];
    if (!la.length || !lb.length) continue;
    // Any fixed choice will do: these only fill the grid until a session's held-out pairs come.
    const ia = la[la.length - 1 - (k % la.length)];
    const ib = lb[lb.length - 1 - ((k + 5) % lb.length)];
    pairs.push({ a: digitImage(set, ia), b: digitImage(set, ib), labelA: ca, labelB: cb, verdict: null });
  }
  return pairs;
}
