/** Dispatcher for shaders/roc.wgsl: per cut, the same and different pairs with distance below it. */
import { backend } from '../engine/device.js';
import { Uniforms } from '../engine/uniforms.js';
import { empty, type Tensor } from '../engine/tensor.js';
import { cover } from './grid.js';

/**
 * counts [t, 2] (int32): counts[k, 0] = pairs with label 1 and distance < cuts[k], counts[k, 1]
 * = pairs with label 0 and distance < cuts[k]. Inputs are checked by the op (src/autograd/roc.ts).
 */
export function countBelowKernel(distances: Tensor, labels: Tensor, cuts: Tensor): Tensor {
  const n = distances.size;
  const t = cuts.size;
  const counts = empty([t, 2], 'int32');
  backend().dispatch({
    shader: 'roc',
    entry: 'count_below',
    uniforms: new Uniforms().u32(n, t, 0, 0).bytes(),
    buffers: [distances.buffer, labels.buffer, cuts.buffer, counts.buffer],
    workgroups: cover(Math.ceil(t / 4)),
    flops: 2 * n * t,
    // Every invocation reads all n pairs (through the cache); count unique bytes.
    bytes: 4 * (2 * n + t + 2 * t),
  });
  return counts;
}
