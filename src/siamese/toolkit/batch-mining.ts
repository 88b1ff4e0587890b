/**
 * The triplet loss of a P×K batch with online mining, all on the GPU inside the training step:
 * the same triplets mining.ts's `mineTriplets` chooses (its header defines each strategy), but
 * chosen with 0/1 masks over the batch's [B, B] distance matrix instead of on the CPU, so a
 * training step needs no readback and the optimizer's one forward pass suffices.
 * `mineTriplets` + `minedTripletLoss` stay the readable reference; tests/train-mining.test.ts
 * checks that both give the same loss and the same gradients.
 *
 * With D the [B, B] distances, pos[a,p] = (same label, p ≠ a), neg[a,n] = (other label):
 *  - batch-hard: per anchor, max_p D[a,p] over pos, min_n D[a,n] over neg (reductions over
 *    masked rows; a large penalty keeps the masked-out entries from winning);
 *  - batch-all: the [B, B, B] cube D[a,p] − D[a,n] + m over valid (a,p,n); the mean over the
 *    entries > 0 (the zero-loss ones would only dilute it);
 *  - semi-hard: per (a,p), the least D[a,n] inside the band D[a,p] < D[a,n] < D[a,p] + m; when the
 *    band is empty and no negative is farther than the positive, the farthest negative; when
 *    the band is empty but some negative lies beyond the margin, the pair is left out.
 * Each loss is the mean over the chosen triplets of max(D[a,p] − D[a,n] + m, 0); 0 when none
 * is chosen. Gradients reach D (hence the embeddings) through the reductions, which send them
 * to the chosen entries; the masks themselves are constants, as the choice is piecewise constant.
 *
 * Also the batch's triplet accuracy: the fraction of ALL valid triplets (a,p,n) of the batch
 * with D[a,p] < D[a,n], whatever the strategy mines; the same quantity random-triplet training
 * reports, measured on every triplet the batch holds.
 */
import { fromArray, type Tensor } from '../../engine/tensor.js';
import { noGrad } from '../../autograd/tape.js';
import { add, div, greater, max, maximum, min, mul, relu, reshape, sub, sum } from '../../autograd/ops.js';
import { MINING_STRATEGIES, type MiningStrategy } from './mining.js';

/** Added to masked-out distances so a min (or, subtracted, a max) never picks them. */
const EXCLUDED = 1e30;

export interface BatchMiningLoss {
  /** Scalar loss over the mined triplets (0 when none). */
  loss: Tensor;
  /** Scalar: fraction of the batch's valid triplets with d(a,p) < d(a,n) (no gradient). */
  accuracy: Tensor;
  /** Scalar: how many triplets the strategy chose (no gradient). */
  mined: Tensor;
  /** Valid (a, p, n) triplets in the batch, known from the labels. */
  validTriplets: number;
}

/** The label masks of a batch, built on the CPU. */
function labelMasks(labels: ArrayLike<number>) {
  const b = labels.length;
  const pos = new Float32Array(b * b);
  const neg = new Float32Array(b * b);
  const anchor = new Float32Array(b);
  let valid = 0;
  for (let a = 0; a < b; a++) {
    let np = 0;
    let nn = 0;
    for (let j = 0; j < b; j++) {
      if (j === a) continue;
      if (labels[j] === labels[a]) (pos[a * b + j] = 1), np++;
      else (neg[a * b + j] = 1), nn++;
    }
    // An anchor needs a positive and a negative to be in any triplet (mineTriplets skips it).
    anchor[a] = np > 0 && nn > 0 ? 1 : 0;
    valid += np * nn;
  }
  if (anchor.every((v) => v === 0)) throw new Error(`batchMiningLoss: no anchor of the batch has both a positive and a negative (labels ${Array.from(labels).join(',')})`);
  // Positives of anchors that have a negative: the (a, p) pairs mining may use.
  for (let a = 0; a < b; a++) if (!anchor[a]) pos.fill(0, a * b, (a + 1) * b);
  const notPos = pos.map((v) => (1 - v) * EXCLUDED);
  const notNeg = neg.map((v) => (1 - v) * EXCLUDED);
  return { b, pos, neg, anchor, notPos, notNeg, valid };
}

/**
 * Loss and accuracy of a batch from its distance matrix `distances` [B, B] (pairwiseDistances of
 * the batch's embeddings with itself) and its B labels.
 */
export function batchMiningLoss(distances: Tensor, labels: ArrayLike<number>, strategy: MiningStrategy, margin = 1): BatchMiningLoss {
  const b = labels.length;
  if (distances.rank !== 2 || distances.shape[0] !== b || distances.shape[1] !== b) {
    throw new Error(`batchMiningLoss: a batch of ${b} labels needs a [${b}, ${b}] distance matrix, got [${distances.shape.join(', ')}]`);
  }
  if (!MINING_STRATEGIES.includes(strategy)) throw new Error(`batchMiningLoss: strategy must be ${MINING_STRATEGIES.map((s) => `'${s}'`).join(', ')}, got ${JSON.stringify(strategy)}`);
  if (!(margin > 0) || !Number.isFinite(margin)) throw new Error(`batchMiningLoss: margin must be a positive number, got ${margin}`);
  const m = labelMasks(labels);
  const pos = fromArray(m.pos, [b, b]);
  const neg = fromArray(m.neg, [b, b]);
  const notPos = fromArray(m.notPos, [b, b]);
  const notNeg = fromArray(m.notNeg, [b, b]);
  // D[a,p] along the middle axis, D[a,n] along the last: the [B, B, B] triplet cube.
  const dap = reshape(distances, [b, b, 1]);
  const dan = reshape(distances, [b, 1, b]);
  const valid = noGrad(() => mul(reshape(pos, [b, b, 1]), reshape(neg, [b, 1, b])));

  let loss: Tensor;
  let mined: Tensor;
  if (strategy === 'batch-hard') {
    const anchors = fromArray(m.anchor, [b]);
    const hardestPos = max(sub(distances, notPos), 1);
    const hardestNeg = min(add(distances, notNeg), 1);
    const perAnchor = mul(relu(add(sub(hardestPos, hardestNeg), margin)), anchors);
    const count = m.anchor.reduce((s, v) => s + v, 0);
    loss = div(sum(perAnchor), count);
    mined = noGrad(() => sum(anchors));
  } else if (strategy === 'batch-all') {
    const cube = add(sub(dap, dan), margin);
    const active = noGrad(() => mul(valid, greater(cube, 0)));
    mined = noGrad(() => sum(active));
    // active·cube = active·max(cube, 0): active entries are positive by definition.
    loss = div(sum(mul(active, cube)), noGrad(() => maximum(mined, 1)));
  } else {
    const farther = noGrad(() => mul(reshape(neg, [b, 1, b]), greater(dan, dap)));
    const inBand = noGrad(() => mul(farther, greater(add(dap, margin), dan)));
    const hasBand = noGrad(() => max(inBand, 2));
    // Pairs used: a band negative exists, or no negative at all is farther than the positive.
    const use = noGrad(() => mul(pos, maximum(hasBand, sub(1, max(farther, 2)))));
    const bandNeg = min(add(dan, noGrad(() => mul(sub(1, inBand), EXCLUDED))), 2);
    const farthestNeg = reshape(max(sub(distances, notNeg), 1), [b, 1]);
    // Where the band is empty bandNeg is about 1e30: multiplying it by 0 gives exactly 0.
    const chosenNeg = add(mul(hasBand, bandNeg), mul(noGrad(() => sub(1, hasBand)), farthestNeg));
    mined = noGrad(() => sum(use));
    loss = div(sum(mul(use, relu(add(sub(distances, chosenNeg), margin)))), noGrad(() => maximum(mined, 1)));
  }
  const accuracy = noGrad(() => div(sum(mul(valid, greater(dan, dap))), Math.max(m.valid, 1)));
  return { loss, accuracy, mined, validTriplets: m.valid };
}
