/**
 * Losses for similarity learning, composed from elementwise and reduce ops (their gradients
 * come from the tape). Labels follow the seed: 1 = same, 0 = different.
 */
import type { Tensor } from '../engine/tensor.js';
import { mean, mul, relu, square, sub, add, div } from '../autograd/ops.js';

function checkBatch(op: string, a: Tensor, b: Tensor, an: string, bn: string): void {
  if (a.rank !== 1 || b.rank !== 1 || a.shape[0] !== b.shape[0]) {
    throw new Error(`${op}: ${an} and ${bn} must both be [batch], got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  }
}

function checkMargin(op: string, margin: number): void {
  if (typeof margin !== 'number' || !(margin > 0) || !Number.isFinite(margin)) throw new Error(`${op}: margin must be a positive number, got ${margin}`);
}

/**
 * Contrastive loss (Hadsell, Chopra & LeCun 2006) as the seed defines it:
 *
 *   L = mean( y·d² + (1 − y)·max(margin − d, 0)² ) / 2,   y = 1 for same, margin 1 by default.
 *
 * Keras's mnist_siamese `contrastive_loss` computes the same mean WITHOUT the final / 2 (its
 * labels are also 1 = same). We follow the seed, i.e. the paper's ½: our loss and its gradients
 * are exactly half of Keras's, which with Adam changes nothing but the printed numbers (Adam's
 * update is invariant to scaling the loss, up to epsilon).
 */
export function contrastiveLoss(distance: Tensor, labels: Tensor, margin = 1): Tensor {
  checkBatch('contrastiveLoss', distance, labels, 'distance', 'labels');
  checkMargin('contrastiveLoss', margin);
  const same = mul(labels, square(distance));
  const different = mul(sub(1, labels), square(relu(sub(margin, distance))));
  return div(mean(add(same, different)), 2);
}

/**
 * Triplet loss (Schroff et al. 2015, FaceNet), over plain (not squared) distances:
 *
 *   L = mean( max(d(a, p) − d(a, n) + margin, 0) ).
 */
export function tripletLoss(positiveDistance: Tensor, negativeDistance: Tensor, margin = 1): Tensor {
  checkBatch('tripletLoss', positiveDistance, negativeDistance, 'positive distances', 'negative distances');
  checkMargin('tripletLoss', margin);
  return mean(relu(add(sub(positiveDistance, negativeDistance), margin)));
}
