/**
 * Dispatchers for shaders/conv2d.wgsl: forward (with optional fused bias and relu), gradient of
 * the input, gradient of the filter. Geometry follows TensorFlow.js (NHWC, HWIO; 'same'
 * padding puts the extra row/column at the bottom/right).
 */
import { backend } from '../engine/device.js';
import { Uniforms } from '../engine/uniforms.js';
import { empty, type Tensor } from '../engine/tensor.js';
import { cover } from './grid.js';

export type Padding = 'valid' | 'same';

/** Everything a conv launch needs to know about its shapes. */
export interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  cin: number;
  kh: number;
  kw: number;
  cout: number;
  sh: number;
  sw: number;
  oh: number;
  ow: number;
  /** Padding before the first row / column. */
  pt: number;
  pl: number;
}

/** Output size and leading padding along one dim, as tfjs computes them. */
export function convOutput(size: number, k: number, s: number, pad: Padding): { out: number; before: number } {
  if (pad === 'valid') return { out: Math.max(0, Math.ceil((size - k + 1) / s)), before: 0 };
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  return { out, before: Math.floor(total / 2) };
}

export function convGeometry(xShape: readonly number[], fShape: readonly number[], strides: [number, number], pad: Padding): ConvGeometry {
  const [n, h, w, cin] = xShape;
  const [kh, kw, , cout] = fShape;
  const [sh, sw] = strides;
  const y = convOutput(h, kh, sh, pad);
  const x = convOutput(w, kw, sw, pad);
  return { n, h, w, cin, kh, kw, cout, sh, sw, oh: y.out, ow: x.out, pt: y.before, pl: x.before };
}

function uniforms(g: ConvGeometry, total: number): ArrayBuffer {
  return new Uniforms()
    .u32(g.n, g.h, g.w, g.cin, g.oh, g.ow, g.cout, total, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, 0, 0)
    .bytes();
}

const macs = (g: ConvGeometry) => g.n * g.oh * g.ow * g.cout * g.kh * g.kw * g.cin;

export function conv2dForward(x: Tensor, filter: Tensor, g: ConvGeometry, bias: Tensor | null, relu: boolean): Tensor {
  const y = empty([g.n, g.oh, g.ow, g.cout]);
  backend().dispatch({
    shader: 'conv2d',
    entry: 'forward',
    constants: { HAS_BIAS: bias ? 1 : 0, RELU: relu ? 1 : 0 },
    uniforms: uniforms(g, y.size),
    // Without a bias the filter stands in at binding 4: bound, never read.
    buffers: [x.buffer, filter.buffer, y.buffer, (bias ?? filter).buffer],
    workgroups: cover(y.size),
    flops: 2 * macs(g),
    bytes: 4 * (x.size + filter.size + y.size),
  });
  return y;
}

export function conv2dBackpropInput(dy: Tensor, filter: Tensor, g: ConvGeometry): Tensor {
  const dx = empty([g.n, g.h, g.w, g.cin]);
  backend().dispatch({
    shader: 'conv2d',
    entry: 'backprop_input',
    uniforms: uniforms(g, dx.size),
    buffers: [dy.buffer, filter.buffer, dx.buffer],
    workgroups: cover(dx.size),
    flops: 2 * macs(g),
    bytes: 4 * (dy.size + filter.size + dx.size),
  });
  return dx;
}

export function conv2dBackpropFilter(x: Tensor, dy: Tensor, g: ConvGeometry): Tensor {
  const dw = empty([g.kh, g.kw, g.cin, g.cout]);
  backend().dispatch({
    shader: 'conv2d',
    entry: 'backprop_filter',
    uniforms: uniforms(g, dw.size),
    buffers: [x.buffer, dy.buffer, dw.buffer],
    workgroups: cover(dw.size),
    flops: 2 * macs(g),
    bytes: 4 * (x.size + dy.size + dw.size),
  });
  return dw;
}
