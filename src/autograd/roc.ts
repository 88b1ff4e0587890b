/**
 * countBelow: the integer accept counts behind ROC curves, EER and FAR/FRR (src/siamese/roc.ts
 * turns them into rates). Counts are integers, so the op has no gradient: taking one throws.
 */
import type { Tensor } from '../engine/tensor.js';
import { countBelowKernel } from '../kernels/roc.js';
import { defineOp } from './tape.js';

function check(distances: Tensor, labels: Tensor, cuts: Tensor): void {
  const shape = (t: Tensor) => `[${t.shape.join(', ')}]`;
  if (distances.rank !== 1 || distances.dtype !== 'float32') {
    throw new Error(`countBelow: distances must be a float32 vector [n], got ${shape(distances)} ${distances.dtype}`);
  }
  if (labels.rank !== 1 || labels.dtype !== 'int32') throw new Error(`countBelow: labels must be an int32 vector [n], got ${shape(labels)} ${labels.dtype}`);
  if (cuts.rank !== 1 || cuts.dtype !== 'float32') throw new Error(`countBelow: cuts must be a float32 vector [t], got ${shape(cuts)} ${cuts.dtype}`);
  if (labels.size !== distances.size) throw new Error(`countBelow: ${distances.size} distances but ${labels.size} labels`);
  if (distances.size === 0) throw new Error('countBelow: no pairs (distances is empty)');
  if (cuts.size === 0) throw new Error('countBelow: no cuts (cuts is empty)');
}

const countBelowOp = defineOp(
  'countBelow',
  (distances: Tensor, labels: Tensor, cuts: Tensor) => ({
    value: countBelowKernel(distances, labels, cuts),
    backward: () => {
      throw new Error('countBelow: integer counts have no gradient');
    },
  }),
  (distances: Tensor, labels: Tensor, cuts: Tensor) => [distances, labels, cuts],
);

/**
 * For each cut, how many pairs of each class lie strictly below it: [t, 2] int32, column 0 the
 * pairs labelled 1 (same), column 1 those labelled 0 (different). Labels must be 0 or 1 (the
 * caller checks: the GPU counts any label other than 1 as different). Exact: see shaders/roc.wgsl.
 */
export function countBelow(distances: Tensor, labels: Tensor, cuts: Tensor): Tensor {
  check(distances, labels, cuts);
  return countBelowOp(distances, labels, cuts);
}
