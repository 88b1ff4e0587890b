/**
 * Relu's gradient mask, applied once instead of twice as large.
 *
 * A conv layer with a fused relu feeding a max-pool is the seed network's pattern. Backward,
 * the pool scatters dy into dx (the size of the conv's output), then the conv multiplies dx by
 * relu's mask (output > 0): a full pass over the largest tensor of the step. But dx is zero
 * except at each window's maximum, where the conv output equals the pooled value: the pool can
 * apply the mask itself, from its 4x smaller output, as it writes dx. These two marks let the
 * ops agree on that without knowing each other:
 * - an op whose output is relu(...) marks it (`markReluOutput`);
 * - an op that applied that mask to the gradient it returns for such a tensor marks the
 *   gradient (`markReluMasked`), and the relu op then skips its own pass (`isReluMasked`).
 * A gradient summed from several consumers is a new tensor with no mark, so the relu op
 * applies its mask as before. WeakMaps: marks never keep a tensor alive.
 */
import type { Tensor } from '../engine/tensor.js';

const reluOutputs = new WeakSet<Tensor>();
const maskedFor = new WeakMap<Tensor, Tensor>();

/** `y` is relu(z) of the op that made it: its gradient mask is y > 0. */
export function markReluOutput(y: Tensor): void {
  reluOutputs.add(y);
}

export function isReluOutput(x: Tensor): boolean {
  return reluOutputs.has(x);
}

/** `grad` (the gradient of `y`) is already multiplied by relu's mask y > 0. */
export function markReluMasked(grad: Tensor, y: Tensor): void {
  maskedFor.set(grad, y);
}

export function isReluMasked(grad: Tensor, y: Tensor): boolean {
  return maskedFor.get(grad) === y;
}
