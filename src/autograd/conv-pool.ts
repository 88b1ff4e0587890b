/**
 * A relu conv layer and the 2x2 max-pool after it as one op: the seed network's pattern, twice.
 *
 * Apart, the conv writes its whole output (conv1's is the step's largest tensor, 11 MB at batch
 * 128) and the pool reads it back; with odd sizes the conv also computes a last row and column
 * that no window reads (the second conv's 11x11 outputs under a pool that reads 10x10). Fused
 * (POOL in shaders/conv2d_forward.wgsl), the conv's kernel takes the maximum of each window as
 * it writes and stores only the pooled values and where each came from. Backward, the pool's
 * kernel scatters dy to those positions (relu's mask is already in argmax: -1 where the maximum
 * is 0) and the conv's gradient kernels skip the unread corner (live-extent.ts); for a first
 * layer, whose input needs no gradient, the filter-gradient kernel reads the pool's dy through
 * argmax itself and nothing is scattered (POOLED in shaders/conv2d_filter_grad.wgsl).
 *
 * The same values as maxPool(fusedConv2d(...), 2, 2, 'valid'), forward and backward: the same
 * sums, in the same order, then the same comparisons (only a zero gradient may differ in sign:
 * relu's mask multiplies a negative dy by 0, argmax -1 writes +0). Where the fused kernel does
 * not apply (the 'im2col' conv of hardware GPUs, rank-3 input) it is those two ops.
 */
import type { Tensor } from '../engine/tensor.js';
import { conv2dFilterGradPooled, conv2dReluMaxPoolDirect, filterGradPoolable } from '../kernels/conv2d-direct.js';
import { conv2dVariant, type ConvGeometry } from '../kernels/conv2d.js';
import { maxPool2dBackwardKernel, poolGeometry, poolReadExtent } from '../kernels/maxpool2d.js';
import { check, checkBias, checkFormat, convGradients, fusedConv2d, type FusedConv2dArgs } from './conv.js';
import { toTensor } from './creation.js';
import { maxPool } from './pool.js';
import { defineOp } from './tape.js';

const convReluMaxPoolOp = defineOp(
  'conv2dReluMaxPool',
  (x: Tensor, f: Tensor, bias: Tensor | null, g: ConvGeometry) => {
    const { y, argmax } = conv2dReluMaxPoolDirect(x, f, g, bias);
    const pg = poolGeometry('maxPool', [g.n, g.oh, g.ow, g.cout], 2, 2, 'valid');
    return {
      value: y,
      saved: [argmax],
      backward: (dy: Tensor, needs: readonly boolean[]) => {
        // A first layer (no input gradient) with a bias: its filter-gradient kernel reads the
        // pool's gradient through argmax, and the conv's gradient is never written.
        if (!needs[0] && needs[1] && bias && needs[2] && conv2dVariant('filterGrad') === 'direct' && filterGradPoolable(g)) {
          const { dw, db } = conv2dFilterGradPooled(x, { dy, argmax }, g);
          return [null, dw, db];
        }
        const d = maxPool2dBackwardKernel(dy, argmax, pg);
        const grads = convGradients(x, f, bias, g, d, poolReadExtent(pg), needs);
        d.dispose();
        return grads;
      },
    };
  },
  (x: Tensor, f: Tensor, bias: Tensor | null) => (bias ? [x, f, bias] : [x, f]),
);

/**
 * maxPool(fusedConv2d({ ...args, activation: 'relu' }), 2, 2, 'valid'), in one kernel where it
 * can be (see above). x [N, H, W, Cin] (or [H, W, Cin]), filter [kh, kw, Cin, Cout].
 */
export function fusedConv2dReluMaxPool(args: Omit<FusedConv2dArgs, 'activation'>): Tensor {
  const xt = toTensor(args.x);
  const ft = toTensor(args.filter);
  const apart = () => maxPool(fusedConv2d({ ...args, activation: 'relu' }), 2, 2, 'valid');
  if (xt.rank !== 4 || conv2dVariant('forward') !== 'direct') return apart();
  checkFormat('fusedConv2dReluMaxPool', args.dataFormat);
  const bias = checkBias('fusedConv2dReluMaxPool', args.bias, ft);
  const g = check('fusedConv2dReluMaxPool', xt, ft, args.strides, args.pad, args.dilations);
  if (g.oh < 2 || g.ow < 2) {
    throw new Error(`fusedConv2dReluMaxPool: the conv's ${g.oh}x${g.ow} output is smaller than the 2x2 pooling window`);
  }
  return convReluMaxPoolOp(xt, ft, bias, g);
}
