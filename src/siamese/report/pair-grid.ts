/**
 * The seed's visualisation of test pairs: each cell shows the two images side by side, the true
 * label, the prediction and the similarity score (1 − distance), green when the prediction is
 * right and red when it is wrong. Draws into a Raster (browser-safe).
 */
import { Random } from '../../engine/random.js';
import { imageAt, type ImageSet } from '../data/image-set.js';
import type { PairSet } from '../pairs.js';
import { Raster, parseColor } from './raster.js';

export interface PairGridOptions {
  /** How many pairs to show (default 24), drawn at random from `pairs` with `seed`. */
  count?: number;
  columns?: number;
  seed?: number;
  /** "Same" when 1 − distance > threshold. */
  threshold?: number;
  /** Pixel size of one image pixel (default 3). */
  scale?: number;
}

/** Picks `count` distinct pair indices at random, in increasing order. */
export function pickPairs(total: number, count: number, seed: number): number[] {
  const all = Array.from({ length: total }, (_, i) => i);
  return new Random(seed).shuffle(all).slice(0, Math.min(count, total)).sort((a, b) => a - b);
}

export function drawPairGrid(set: ImageSet, pairs: PairSet, distances: ArrayLike<number>, opts: PairGridOptions = {}): Raster {
  const { count = 24, columns = 4, seed = 0, threshold = 0.5, scale = 3 } = opts;
  if (distances.length !== pairs.labels.length) {
    throw new Error(`drawPairGrid: ${distances.length} distances for ${pairs.labels.length} pairs`);
  }
  const shown = pickPairs(pairs.labels.length, count, seed);
  const imgW = set.width * scale;
  const imgH = set.height * scale;
  const gap = 6;
  const cellW = Math.max(2 * imgW + gap, 150) + 16;
  const cellH = imgH + 44;
  const rows = Math.ceil(shown.length / columns);
  const header = 30;
  const out = new Raster(columns * cellW, header + rows * cellH + 8, [250, 250, 250]);
  const ink = parseColor('#222222');
  const good = parseColor('#1a7f37');
  const bad = parseColor('#cf222e');
  out.text(out.width / 2, 8, `TEST PAIRS: TRUE LABEL, PREDICTION, SIMILARITY (1 - DISTANCE); SAME IF > ${threshold}`, ink, 1, 'center');
  shown.forEach((p, k) => {
    const x = (k % columns) * cellW + 8;
    const y = header + Math.floor(k / columns) * cellH;
    const gray = (i: number): Float32Array => {
      // Average the channels for display (the digits have one).
      const px = imageAt(set, i);
      if (set.channels === 1) return px;
      const g = new Float32Array(set.height * set.width);
      for (let j = 0; j < g.length; j++) {
        let s = 0;
        for (let c = 0; c < set.channels; c++) s += px[j * set.channels + c];
        g[j] = s / set.channels;
      }
      return g;
    };
    out.gray(x, y, gray(pairs.left[p]), set.width, set.height, scale);
    out.gray(x + imgW + gap, y, gray(pairs.right[p]), set.width, set.height, scale);
    const score = 1 - distances[p];
    const same = pairs.labels[p] === 1;
    const predSame = score > threshold;
    const color = same === predSame ? good : bad;
    out.text(x, y + imgH + 6, `TRUE: ${same ? 'SAME' : 'DIFF'}`, ink, 1);
    out.text(x, y + imgH + 18, `PRED: ${predSame ? 'SAME' : 'DIFF'} ${score.toFixed(3)}`, color, 1);
    out.strokeRect(x - 3, y - 3, 2 * imgW + gap + 6, imgH + 6, color, 2);
  });
  return out;
}
