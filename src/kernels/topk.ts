/** Dispatchers for shaders/topk.wgsl: the k smallest of each row, and their gradient. */
import { backend } from '../engine/device.js';
import { Uniforms } from '../engine/uniforms.js';
import { empty, type Tensor } from '../engine/tensor.js';
import { cover } from './grid.js';

/** The shader's list size: k above this is refused on the host. */
export const TOPK_MAX_K = 32;

/** values [rows, k] ascending and indices [rows, k] (int32) of x [rows, cols]. */
export function kSmallestKernel(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
  const [rows, cols] = x.shape;
  const values = empty([rows, k]);
  const indices = empty([rows, k], 'int32');
  backend().dispatch({
    shader: 'topk',
    entry: 'k_smallest',
    uniforms: new Uniforms().u32(rows, cols, k, 0).bytes(),
    buffers: [x.buffer, values.buffer, indices.buffer],
    workgroups: cover(rows),
    flops: rows * cols,
    bytes: 4 * (rows * cols + 2 * rows * k),
  });
  return { values, indices };
}

/** dx [rows, cols]: dy [rows, k] sent back to the columns `indices` chose. */
export function kSmallestGradKernel(dy: Tensor, indices: Tensor, cols: number): Tensor {
  const [rows, k] = dy.shape;
  const dx = empty([rows, cols]);
  if (dx.size === 0) return dx;
  backend().dispatch({
    shader: 'topk',
    entry: 'k_smallest_grad',
    uniforms: new Uniforms().u32(rows, cols, k, 0).bytes(),
    buffers: [dy.buffer, indices.buffer, dx.buffer],
    workgroups: cover(rows * cols),
    bytes: 4 * (rows * cols * (1 + 2 * k)),
  });
  return dx;
}
