/** Max-pooling under TensorFlow.js's name and argument order (NHWC). */
import type { Tensor } from '../engine/tensor.js';
import { maxPool2dKernel, maxPool2dBackwardKernel, poolGeometry, poolReadExtent, type PoolPadding } from '../kernels/maxpool2d.js';
import { defineOp } from './tape.js';
import { isReluOutput, markReluMasked } from './relu-mask.js';
import { markLiveExtent } from './live-extent.js';

const maxPoolOp = defineOp(
  'maxPool',
  (x: Tensor, filterSize: number | [number, number], strides: number | [number, number], pad: PoolPadding) => {
    const rank3 = x.rank === 3;
    if (x.rank !== 3 && x.rank !== 4) {
      throw new Error(`maxPool: expected x of rank 4 [N, H, W, C] or 3 [H, W, C], got shape [${x.shape.join(', ')}]`);
    }
    if (x.dtype !== 'float32') throw new Error(`maxPool: x must be float32, got ${x.dtype}`);
    // Check the arguments before making anything, so that a bad call leaks nothing.
    const g = poolGeometry('maxPool', rank3 ? [1, ...x.shape] : x.shape, filterSize, strides, pad);
    const x4 = rank3 ? x.viewAs([1, ...x.shape]) : x;
    const { y, argmax } = maxPool2dKernel(x4, g);
    if (rank3) x4.dispose();
    const value = rank3 ? y.viewAs(y.shape.slice(1)) : y;
    if (rank3) y.dispose();
    return {
      value,
      // argmax is only needed here; defineOp disposes it at once when no gradient is recorded.
      saved: [argmax],
      backward: (dy: Tensor) => {
        const dy4 = rank3 ? dy.viewAs([1, ...dy.shape]) : dy;
        // x came out of a relu: apply its gradient mask here, from y (relu-mask.ts).
        const mask = !rank3 && isReluOutput(x) && !value.isDisposed;
        const dx = maxPool2dBackwardKernel(dy4, argmax, g, mask ? value : null);
        if (mask) markReluMasked(dx, x);
        // Rows and columns in no window (floor rounding) get no gradient (live-extent.ts).
        markLiveExtent(dx, poolReadExtent(g));
        if (rank3) {
          dy4.dispose();
          const dx3 = dx.viewAs(x.shape);
          dx.dispose();
          return [dx3];
        }
        return [dx];
      },
    };
  },
  (x: Tensor) => [x],
);

/**
 * 2-D max-pooling of x [N, H, W, C] (or [H, W, C]) with a filterSize window moved by strides;
 * pad 'valid' keeps whole windows, 'same' pads so the output has ceil(in / stride) positions.
 * Ties go to the first position in window order (row by row), the rule of PyTorch and of
 * TensorFlow.js's CPU backend: the whole gradient of a window goes to that element.
 */
export function maxPool(
  x: Tensor,
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: PoolPadding,
): Tensor {
  return maxPoolOp(x, filterSize, strides, pad);
}
