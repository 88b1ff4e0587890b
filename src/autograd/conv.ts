/**
 * conv2d and fusedConv2d (bias + relu in the forward kernel), with tfjs's names, argument
 * order and semantics: NHWC input, HWIO filter, 'valid' | 'same' padding.
 */
import { isReluMasked, markReluOutput } from './relu-mask.js';
import { liveExtentOf } from './live-extent.js';
import type { Tensor } from '../engine/tensor.js';
import {
  conv2dBackpropFilter,
  conv2dBackpropFilterBias,
  conv2dBackpropInput,
  conv2dForward,
  convGeometry,
  type ConvGeometry,
  type LiveExtent,
  type Padding,
} from '../kernels/conv2d.js';
import { reduceKernel } from '../kernels/reduce.js';
import { binaryKernel } from '../kernels/elementwise.js';
import { defineOp } from './tape.js';
import { toTensor, type TensorLike } from './creation.js';
import { reshape } from './shape.js';

export type Activation = 'linear' | 'relu';

export interface FusedConv2dArgs {
  x: TensorLike;
  filter: TensorLike;
  strides: number | [number, number];
  pad: Padding;
  bias?: TensorLike | null;
  activation?: Activation;
  dataFormat?: 'NHWC';
  dilations?: number | [number, number];
}

function pair(op: string, what: string, v: number | [number, number]): [number, number] {
  const p: [number, number] = Array.isArray(v) ? v : [v, v];
  if (p.length !== 2 || p.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new Error(`${op}: ${what} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

/** Checks the arguments and returns the launch geometry; throws naming the op and the value. */
export function check(op: string, x: Tensor, f: Tensor, strides: number | [number, number], pad: string, dilations: unknown): ConvGeometry {
  if (x.rank !== 4) {
    throw new Error(
      `${op}: x must be rank 4 [batch, height, width, inChannels] or rank 3 [height, width, inChannels], got shape [${x.shape.join(', ')}]`,
    );
  }
  if (f.rank !== 4) {
    throw new Error(`${op}: filter must be rank 4 [height, width, inChannels, outChannels], got shape [${f.shape.join(', ')}]`);
  }
  if (x.shape[3] !== f.shape[2]) {
    throw new Error(
      `${op}: x has ${x.shape[3]} input channels (shape [${x.shape.join(', ')}]) but the filter expects ${f.shape[2]} ` +
        `(shape [${f.shape.join(', ')}])`,
    );
  }
  if (pad !== 'valid' && pad !== 'same') throw new Error(`${op}: pad must be 'valid' or 'same', got ${JSON.stringify(pad)}`);
  if (dilations !== undefined && dilations !== 1 && !(Array.isArray(dilations) && dilations.length === 2 && dilations.every((d) => d === 1))) {
    throw new Error(`${op}: dilations other than 1 are not supported, got ${JSON.stringify(dilations)}`);
  }
  const g = convGeometry(x.shape, f.shape, pair(op, 'strides', strides), pad);
  if (g.oh === 0 || g.ow === 0) {
    throw new Error(`${op}: a ${g.kh}x${g.kw} filter with 'valid' padding does not fit the ${g.h}x${g.w} input`);
  }
  return g;
}

export function checkFormat(op: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') throw new Error(`${op}: only dataFormat 'NHWC' is supported, got '${dataFormat}'`);
}

/** The bias argument as a tensor (null when absent); throws unless it has the filter's out channels. */
export function checkBias(op: string, bias: TensorLike | null | undefined, filter: Tensor): Tensor | null {
  if (bias == null) return null;
  const b = toTensor(bias);
  if (b.rank !== 1 || b.shape[0] !== filter.shape[3]) {
    throw new Error(`${op}: bias must have shape [${filter.shape[3]}] (the filter's out channels), got [${b.shape.join(', ')}]`);
  }
  return b;
}

const conv2dOp = defineOp(
  'conv2d',
  (x: Tensor, f: Tensor, bias: Tensor | null, g: ConvGeometry, relu: boolean) => {
    const y = conv2dForward(x, f, g, bias, relu);
    if (relu) markReluOutput(y);
    return {
      value: y,
      backward: (dy: Tensor, needs: readonly boolean[]) => {
        // relu's gradient: dy where the output is positive (tfjs takes the mask from y too),
        // unless a max-pool after the layer already applied it (relu-mask.ts).
        const d = relu && !isReluMasked(dy, y) ? binaryKernel('reluGrad', dy, y) : dy;
        // dy may be zero past a corner (a floor-rounding max-pool after the layer): the
        // kernels skip that part (live-extent.ts). relu's mask keeps those zeros.
        return convGradients(x, f, bias, g, d, liveExtentOf(dy), needs);
      },
    };
  },
  (x: Tensor, f: Tensor, bias: Tensor | null) => (bias ? [x, f, bias] : [x, f]),
);

/**
 * The gradients of a conv's x, filter and bias from d, the gradient of its output before the
 * activation (zero past `live`, when given). Only those in `needs` are computed.
 */
export function convGradients(
  x: Tensor,
  f: Tensor,
  bias: Tensor | null,
  g: ConvGeometry,
  d: Tensor,
  live: LiveExtent | undefined,
  needs: readonly boolean[],
): (Tensor | null)[] {
  // A first layer's input (the images) needs no gradient: its input-gradient kernel, as costly
  // as the forward pass, is skipped.
  const dx = needs[0] ? conv2dBackpropInput(d, f, g, live) : null;
  if (bias && needs[1] && needs[2]) {
    const { dw, db } = conv2dBackpropFilterBias(x, d, g, live);
    return [dx, dw, db];
  }
  return [dx, needs[1] ? conv2dBackpropFilter(x, d, g, live) : null, bias && needs[2] ? reduceKernel('sum', d, [0, 1, 2]) : null];
}

/** Adds a batch dim to rank-3 input (as tfjs does) and removes it from the result. */
function withBatch(x: Tensor, run: (x4: Tensor) => Tensor): Tensor {
  if (x.rank !== 3) return run(x);
  const y = run(reshape(x, [1, ...x.shape]));
  return reshape(y, y.shape.slice(1));
}

/**
 * `conv2d(x, filter, strides, pad)` as in tfjs: x [N,H,W,Cin] (or [H,W,Cin]), filter
 * [kh,kw,Cin,Cout]. `dataFormat` and `dilations` are accepted for tfjs's signature; only 'NHWC'
 * and 1 are supported.
 */
export function conv2d(
  x: TensorLike,
  filter: TensorLike,
  strides: number | [number, number],
  pad: Padding,
  dataFormat: 'NHWC' = 'NHWC',
  dilations: number | [number, number] = 1,
): Tensor {
  const xt = toTensor(x);
  const ft = toTensor(filter);
  checkFormat('conv2d', dataFormat);
  return withBatch(xt, (x4) => conv2dOp(x4, ft, null, check('conv2d', x4, ft, strides, pad, dilations), false));
}

/** tfjs's `fused.conv2d`: conv2d + bias + activation in one kernel, with gradients for all three. */
export function fusedConv2d(args: FusedConv2dArgs): Tensor {
  const xt = toTensor(args.x);
  const ft = toTensor(args.filter);
  const act = args.activation ?? 'linear';
  if (act !== 'linear' && act !== 'relu') throw new Error(`fusedConv2d: activation must be 'linear' or 'relu', got '${act}'`);
  checkFormat('fusedConv2d', args.dataFormat);
  const bias = checkBias('fusedConv2d', args.bias, ft);
  return withBatch(xt, (x4) => conv2dOp(x4, ft, bias, check('fusedConv2d', x4, ft, args.strides, args.pad, args.dilations), act === 'relu'));
}
