/**
 * The seed network's kernels at their real shapes (a training batch of 128 images = 64 pairs),
 * each as a case: a launcher for one call, the useful FLOPs and unique bytes counted from the
 * shapes (seed-flops.ts), and whether it is compute- or memory-bound (which peak it is held
 * against). Inputs are seeded random tensors made once per case.
 *
 * The conv cases live in conv-cases.ts, so that this file stays independent of the conv kernels.
 */
import { randomUniform, type Tensor } from '../src/index.js';
import { matMulKernel } from '../src/kernels/matmul.js';
import { maxPool2dKernel, maxPool2dBackwardKernel, poolGeometry } from '../src/kernels/maxpool2d.js';
import { denseMacs, seedShapes, type DenseShape, type PoolShape } from './seed-flops.js';

export interface KernelCase {
  name: string;
  shape: string;
  flops: number;
  bytes: number;
  bound: 'compute' | 'memory';
  note?: string;
  /** Makes the inputs; returns the launcher and what frees the inputs. */
  setup(): Promise<{ launch: () => void; dispose: () => void }> | { launch: () => void; dispose: () => void };
}

const F = 4; // bytes per float32 / int32
let seed = 100;
export const rand = (shape: number[]): Tensor => randomUniform(shape, -1, 1, seed++);
export const show = (s: readonly number[]): string => `[${s.join(',')}]`;
export const disposeAll = (ts: Tensor[]) => () => ts.forEach((t) => t.dispose());

function poolCases(label: string, p: PoolShape, forwardFused: boolean, backwardRuns = true): KernelCase[] {
  const xShape = [p.batch, p.inH, p.inW, p.channels];
  const yShape = [p.batch, p.outH, p.outW, p.channels];
  const inN = xShape.reduce((a, b) => a * b);
  const outN = yShape.reduce((a, b) => a * b);
  const g = poolGeometry('bench', xShape, 2, 2, 'valid');
  return [
    {
      name: `${label} forward`,
      shape: `${show(xShape)} → ${show(yShape)} + argmax`,
      flops: outN * 4,
      bytes: F * (inN + 2 * outN),
      bound: 'memory',
      note: forwardFused ? "not run in training (fused into the conv's forward kernel)" : undefined,
      setup() {
        const x = rand(xShape);
        return { launch: () => void maxPool2dKernel(x, g), dispose: disposeAll([x]) };
      },
    },
    {
      name: `${label} backward`,
      shape: `dy ${show(yShape)} + argmax → dx ${show(xShape)}`,
      flops: inN,
      bytes: F * (2 * outN + inN),
      bound: 'memory',
      note: backwardRuns ? undefined : "not run in training (the first conv's filter gradient reads the pool's dy through argmax)",
      setup() {
        const x = rand(xShape);
        const { y, argmax } = maxPool2dKernel(x, g);
        return { launch: () => void maxPool2dBackwardKernel(y, argmax, g), dispose: disposeAll([x, y, argmax]) };
      },
    },
  ];
}

function denseCases(label: string, d: DenseShape, relu: boolean): KernelCase[] {
  const flops = 2 * denseMacs(d);
  const [b, i, u] = [d.batch, d.inputs, d.units];
  return [
    {
      name: `${label} forward`,
      shape: `[${b},${i}]·[${i},${u}] + bias${relu ? ', relu' : ''}`,
      flops,
      bytes: F * (b * i + i * u + u + b * u),
      bound: 'compute',
      setup() {
        const [x, w, bias] = [rand([b, i]), rand([i, u]), rand([u])];
        return { launch: () => void matMulKernel(x, w, { bias, relu }), dispose: disposeAll([x, w, bias]) };
      },
    },
    {
      name: `${label} input-grad`,
      shape: `dY[${b},${u}]·Wᵀ → [${b},${i}]`,
      flops,
      bytes: F * (b * u + i * u + b * i),
      bound: 'compute',
      setup() {
        const [g, w] = [rand([b, u]), rand([i, u])];
        return { launch: () => void matMulKernel(g, w, { transposeB: true }), dispose: disposeAll([g, w]) };
      },
    },
    {
      name: `${label} filter-grad`,
      shape: `Xᵀ·dY → [${i},${u}] (K=${b})`,
      flops,
      bytes: F * (b * i + b * u + i * u),
      bound: 'compute',
      setup() {
        const [x, g] = [rand([b, i]), rand([b, u])];
        return { launch: () => void matMulKernel(x, g, { transposeA: true }), dispose: disposeAll([x, g]) };
      },
    },
  ];
}

async function adamCase(): Promise<KernelCase> {
  const { adamUpdate } = await import('../src/kernels/adam.js');
  const s = seedShapes(1);
  const shapes = [
    [3, 3, 1, 32], [32], [3, 3, 32, 64], [64], [s.dense1.inputs, 128], [128], [128, 64], [64],
  ];
  const n = shapes.reduce((a, sh) => a + sh.reduce((x, y) => x * y, 1), 0);
  let step = 1;
  return {
    name: 'Adam update, all parameters',
    shape: `${shapes.length} tensors, ${n.toLocaleString('en')} values`,
    flops: 14 * n,
    // Reads θ, g, m, v and writes θ, m, v.
    bytes: F * 7 * n,
    bound: 'memory',
    note: 'one launch per parameter tensor',
    setup() {
      // v (the second moment) is non-negative, as in training.
      const sets = shapes.map((sh) => [rand(sh), rand(sh), rand(sh), randomUniform(sh, 0, 1, seed++)]);
      const hp = { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
      return {
        launch: () => {
          for (const [p, g, m, v] of sets) adamUpdate(p, g, m, v, { ...hp, step: step++ });
        },
        dispose: disposeAll(sets.flat()),
      };
    },
  };
}

/**
 * Pool, dense and Adam cases (the convs come from conv-cases.ts). `poolFused`: training runs the
 * pools' forward pass inside the conv's kernel (conv-cases.ts says when).
 */
export async function otherCases(images: number, poolFused: boolean, firstPoolBackward = true): Promise<KernelCase[]> {
  const s = seedShapes(images);
  return [
    ...poolCases('maxPool1 2×2', s.pool1, poolFused, firstPoolBackward),
    ...poolCases('maxPool2 2×2', s.pool2, poolFused),
    ...denseCases('dense1 1600→128', s.dense1, true),
    ...denseCases('dense2 128→64', s.dense2, false),
    await adamCase(),
  ];
}
