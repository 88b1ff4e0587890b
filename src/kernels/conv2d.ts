/**
 * conv2d's three kernels (forward with fused bias + relu, gradient of the input, gradient of the
 * filter) and the choice between two implementations of each:
 *  - 'direct' (conv2d-direct.ts): implicit GEMMs in barrier-free register blocks that read x, dy
 *    and the filter straight from storage; the filter gradient is split-K with a fixed-order sum.
 *  - 'im2col' (conv2d-im2col.ts): a patch matrix and the matmul kernel, whose shared-memory tiled
 *    variant runs on hardware GPUs.
 * 'auto' picks 'direct' on software adapters: on SwiftShader (16 quiet cores) it ran the seed's
 * second conv 1.7x (forward), 1.3x (input gradient) and 3.3x (filter gradient) faster than
 * 'im2col'. On a hardware GPU (an H200) forward and input gradient take 'im2col' (as fast or
 * faster there), but the filter gradient stays 'direct': without split-K the matmul reduces
 * conv1's 86,528 pixels in a handful of workgroups (4.6 ms against 0.3 ms).
 * Both follow TensorFlow.js's geometry (NHWC, HWIO; conv2d-geometry.ts).
 */
import { backend } from '../engine/device.js';
import type { Tensor } from '../engine/tensor.js';
import type { ConvGeometry, LiveExtent } from './conv2d-geometry.js';
import { conv2dFilterGradDirect, conv2dForwardDirect, conv2dInputGradDirect } from './conv2d-direct.js';
import { conv2dFilterGradIm2col, conv2dForwardIm2col, conv2dInputGradIm2col } from './conv2d-im2col.js';
import { reduceKernel } from './reduce.js';

export { convGeometry, convOutput, convMacs, type ConvGeometry, type LiveExtent, type Padding } from './conv2d-geometry.js';
export { im2col } from './conv2d-im2col.js';

export type Conv2dVariant = 'auto' | 'direct' | 'im2col';
let variant: Conv2dVariant = 'auto';

/** Forces a variant (tests cover both on any adapter); returns the previous setting. */
export function setConv2dVariant(v: Conv2dVariant): Conv2dVariant {
  if (v !== 'auto' && v !== 'direct' && v !== 'im2col') {
    throw new Error(`setConv2dVariant: expected 'auto', 'direct' or 'im2col', got '${String(v)}'`);
  }
  const prev = variant;
  variant = v;
  return prev;
}

type Kernel = 'forward' | 'inputGrad' | 'filterGrad';

/** The variant the next launch of `kernel` will use. */
export function conv2dVariant(kernel: Kernel = 'forward'): 'direct' | 'im2col' {
  if (variant !== 'auto') return variant;
  return backend().software || kernel === 'filterGrad' ? 'direct' : 'im2col';
}

/** y = act(conv2d(x, filter) + bias); relu and bias are applied in the kernel's output write. */
export function conv2dForward(x: Tensor, filter: Tensor, g: ConvGeometry, bias: Tensor | null, relu: boolean): Tensor {
  return conv2dVariant('forward') === 'direct'
    ? conv2dForwardDirect(x, filter, g, bias, relu)
    : conv2dForwardIm2col(x, filter, g, bias, relu);
}

/**
 * The gradient of conv2d with respect to x, given dy. `live`: dy is zero past that corner
 * (src/autograd/live-extent.ts); 'direct' skips the work there, 'im2col' does it all.
 */
export function conv2dBackpropInput(dy: Tensor, filter: Tensor, g: ConvGeometry, live?: LiveExtent): Tensor {
  return conv2dVariant('inputGrad') === 'direct' ? conv2dInputGradDirect(dy, filter, g, live) : conv2dInputGradIm2col(dy, filter, g);
}

/** The gradient of conv2d with respect to the filter, given x and dy (`live` as above). */
export function conv2dBackpropFilter(x: Tensor, dy: Tensor, g: ConvGeometry, live?: LiveExtent): Tensor {
  return conv2dVariant('filterGrad') === 'direct' ? conv2dFilterGradDirect(x, dy, g, false, live) : conv2dFilterGradIm2col(x, dy, g);
}

/**
 * The gradients of the filter and of a bias (the sum of dy over batch and pixels). 'direct'
 * computes the bias's as one more row of the filter gradient, reading dy once for both (on
 * SwiftShader a separate reduction of conv1's dy cost a third of its filter gradient).
 */
export function conv2dBackpropFilterBias(x: Tensor, dy: Tensor, g: ConvGeometry, live?: LiveExtent): { dw: Tensor; db: Tensor } {
  if (conv2dVariant('filterGrad') === 'direct') return conv2dFilterGradDirect(x, dy, g, true, live);
  return { dw: conv2dFilterGradIm2col(x, dy, g), db: reduceKernel('sum', dy, [0, 1, 2]) };
}
