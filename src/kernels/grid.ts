/**
 * Dispatch geometry shared by the kernels. WebGPU caps each grid dimension (65,535 workgroups
 * on most adapters), so a long 1-D launch is folded into x and y; shaders rebuild the linear
 * index as `wid.x + wid.y * nwg.x` (see shaders/common/index.wgsl).
 */
import { backend } from '../engine/device.js';

export function grid1d(workgroups: number): [number, number, number] {
  const lim = backend().device.limits.maxComputeWorkgroupsPerDimension;
  if (workgroups <= lim) return [Math.max(workgroups, 0), 1, 1];
  const y = Math.ceil(workgroups / lim);
  if (y > lim) throw new Error(`launch of ${workgroups} workgroups exceeds this adapter's ${lim}x${lim} grid`);
  return [Math.ceil(workgroups / y), y, 1];
}

/** Workgroups of `size` invocations that cover `n` items, folded as grid1d does. */
export function cover(n: number, size = 64): [number, number, number] {
  return grid1d(Math.ceil(n / size));
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
