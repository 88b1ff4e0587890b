/** Dispatcher for shaders/gather.wgsl: gather along an axis and its scatter-add gradient. */
import { backend } from '../engine/device.js';
import { Uniforms } from '../engine/uniforms.js';
import { empty, type Tensor } from '../engine/tensor.js';
import { cover } from './grid.js';

/** x viewed as [outer, axisLen, inner] around `axis`. */
function around(shape: readonly number[], axis: number): { outer: number; axisLen: number; inner: number } {
  const prod = (a: readonly number[]) => a.reduce((p, d) => p * d, 1);
  return { outer: prod(shape.slice(0, axis)), axisLen: shape[axis], inner: prod(shape.slice(axis + 1)) };
}

/**
 * out = x taken at `indices` (int32, any shape) along `axis`: shape x[:axis] + indices + x[axis+1:].
 * Indices outside [0, x.shape[axis]) give 0 (see the shader).
 */
export function gatherKernel(x: Tensor, indices: Tensor, axis: number): Tensor {
  const { axisLen, inner } = around(x.shape, axis);
  const out = empty([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
  const n = out.size;
  backend().dispatch({
    shader: 'gather',
    entry: 'gather',
    uniforms: new Uniforms().u32(n, axisLen, indices.size, inner).bytes(),
    buffers: [x.buffer, indices.buffer, out.buffer],
    workgroups: cover(n),
    bytes: 4 * (2 * n + indices.size),
  });
  return out;
}

/** The gradient of gather: dx of `xShape` with dy summed into the rows its indices name. */
export function gatherGradKernel(dy: Tensor, indices: Tensor, xShape: readonly number[], axis: number): Tensor {
  const { axisLen, inner } = around(xShape, axis);
  const dx = empty(xShape);
  const n = dx.size;
  backend().dispatch({
    shader: 'gather',
    entry: 'gather_grad',
    uniforms: new Uniforms().u32(n, axisLen, indices.size, inner).bytes(),
    buffers: [dy.buffer, indices.buffer, dx.buffer],
    workgroups: cover(n),
    flops: n * indices.size,
    bytes: 4 * (n + dy.size + n * indices.size),
  });
  return dx;
}
