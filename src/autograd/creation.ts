/** Making tensors: from arrays, filled, and seeded random. None of these take gradients. */
import { fromArray, empty, Tensor, Variable, checkShape, sizeOf, type DType, type Shape } from '../engine/tensor.js';
import { backend } from '../engine/device.js';
import { Random } from '../engine/random.js';
import { Uniforms } from '../engine/uniforms.js';
import { cover } from '../kernels/grid.js';
import { registerVariable } from './variables.js';

export type NestedArray = number | NestedArray[];
export type TensorLike = Tensor | NestedArray | Float32Array | Int32Array;

function inferShape(v: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as NestedArray;
  }
  return shape;
}

/** Makes a tensor from nested arrays or a flat typed array (then `shape` is required). */
export function tensor(values: NestedArray | Float32Array | Int32Array | number[], shape?: Shape, dtype: DType = 'float32'): Tensor {
  if (values instanceof Float32Array || values instanceof Int32Array) {
    return fromArray(values, shape ?? [values.length], dtype);
  }
  const inferred = inferShape(values as NestedArray);
  const flat = (Array.isArray(values) ? (values as unknown[]).flat(Infinity) : [values]) as number[];
  for (const x of flat) if (typeof x !== 'number') throw new Error(`tensor: expected numbers, got ${typeof x}`);
  if (shape && sizeOf(shape) !== flat.length) {
    throw new Error(`tensor: ${flat.length} values do not fill shape [${shape.join(', ')}]`);
  }
  if (!shape && sizeOf(inferred) !== flat.length) throw new Error('tensor: nested arrays are ragged');
  return fromArray(flat, shape ?? inferred, dtype);
}

export function scalar(v: number, dtype: DType = 'float32'): Tensor {
  return fromArray([v], [], dtype);
}

/** A tensor for `x`: itself when already one, else made from the numbers. */
export function toTensor(x: TensorLike): Tensor {
  if (x instanceof Tensor) return x;
  return tensor(x as NestedArray);
}

/** A tensor of `shape` with every element `value`, filled on the GPU. */
export function fill(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
  checkShape(shape);
  const out = empty(shape, dtype);
  if (out.size === 0) return out;
  if (dtype === 'int32') {
    backend().write(out.buffer, new Int32Array(out.size).fill(value));
    return out;
  }
  backend().dispatch({
    shader: 'fill',
    entry: 'main',
    uniforms: new Uniforms().u32(out.size).f32(value).bytes(),
    buffers: [out.buffer],
    workgroups: cover(out.size),
    bytes: 4 * out.size,
  });
  return out;
}

export const zeros = (shape: Shape): Tensor => fill(shape, 0);
export const ones = (shape: Shape): Tensor => fill(shape, 1);
export const zerosLike = (t: Tensor): Tensor => fill(t.shape, 0);
export const onesLike = (t: Tensor): Tensor => fill(t.shape, 1);

/** Normal samples (seeded; the same seed gives the same numbers in Node and browsers). */
export function randomNormal(shape: Shape, mean = 0, stdDev = 1, seed?: number): Tensor {
  checkShape(shape);
  const rng = new Random(seed ?? (Math.random() * 2 ** 32) >>> 0);
  const v = new Float32Array(sizeOf(shape));
  for (let i = 0; i < v.length; i++) v[i] = mean + stdDev * rng.normal();
  return fromArray(v, shape);
}

/** Uniform samples in [minval, maxval) (seeded). */
export function randomUniform(shape: Shape, minval = 0, maxval = 1, seed?: number): Tensor {
  checkShape(shape);
  const rng = new Random(seed ?? (Math.random() * 2 ** 32) >>> 0);
  const v = new Float32Array(sizeOf(shape));
  for (let i = 0; i < v.length; i++) v[i] = rng.uniform(minval, maxval);
  return fromArray(v, shape);
}

/** A trainable variable holding a copy of `initial`'s value (kernels may update it in place). */
export function variable(initial: Tensor, trainable = true, name?: string): Variable {
  const copy = empty(initial.shape, initial.dtype);
  if (initial.size) backend().copy(initial.buffer, copy.buffer, initial.size * 4);
  const v = new Variable(copy, trainable, name ?? `variable_${copy.id}`);
  copy.dispose();
  registerVariable(v);
  return v;
}
