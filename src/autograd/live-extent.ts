/**
 * Gradients known to be zero past a corner, so that the conv's backward kernels skip that work.
 *
 * Max-pooling with 'valid' windows (floor rounding) leaves the last rows and columns of its
 * input in no window when the size does not divide: the seed network's second conv makes
 * 11 x 11 outputs and its 2 x 2 pool reads 10 x 10 of them. Backward, the pool's dx is then zero
 * outside that corner, and the conv's input and filter gradients computed from it would spend
 * 17% of their multiply-adds on those zeros. The pool marks the gradient it returns with the
 * corner that can be non-zero (`markLiveExtent`); the conv reads the mark (`liveExtentOf`) and
 * passes it to its kernels (src/kernels/conv2d-direct.ts). A gradient summed from several
 * consumers is a new tensor with no mark, and gets the full computation. A WeakMap: marks never
 * keep a tensor alive.
 */
import type { Tensor } from '../engine/tensor.js';
import type { LiveExtent } from '../kernels/conv2d.js';

const extents = new WeakMap<Tensor, LiveExtent>();

/** `grad` ([N, H, W, C]) is zero outside rows 0..h-1 and columns 0..w-1. */
export function markLiveExtent(grad: Tensor, extent: LiveExtent): void {
  if (extent.h < grad.shape[1] || extent.w < grad.shape[2]) extents.set(grad, extent);
}

/** The corner of `grad` that can be non-zero, or undefined when all of it can be. */
export function liveExtentOf(grad: Tensor): LiveExtent | undefined {
  return extents.get(grad);
}
