/**
 * The conv kernels' cases for conv1 and conv2 at the seed's shapes: forward with the fused bias
 * and ReLU of the layer, input gradient (dy → dx) and filter gradient (x, dy → dw), each launched
 * straight through src/kernels/conv2d.ts. Where training fuses the 2x2 max-pool into the conv's
 * forward kernel (the 'direct' convs of software adapters, src/autograd/conv-pool.ts), the
 * forward case is that fused kernel, and its FLOPs count the pixels it computes (the pool's
 * windows). conv1's input gradient is measured for completeness;
 * training never runs it (nothing needs the gradient of the images). conv2's gradients are
 * measured as training runs them: its 2x2 pool reads only the first 10x10 of the 11x11 outputs,
 * so dy is zero past that corner and the kernels skip it (src/autograd/live-extent.ts); their
 * FLOPs count the 10x10 corner only. Where the filter gradient runs as the forward kernel over
 * groups of images (filterGradGrouped, src/kernels/conv2d-direct.ts), its row times all of that
 * op's launches (the conv, the sum over groups, the HWIO transpose) and says so. conv1's filter
 * gradient is measured as training runs it where the pool is fused: from the pool's dy and
 * argmax, with the bias gradient (conv2dFilterGradPooled), the pool's backward never run.
 */
import { conv2dBackpropFilter, conv2dBackpropInput, conv2dForward, conv2dVariant, convGeometry } from '../src/kernels/conv2d.js';
import { conv2dFilterGradPooled, conv2dReluMaxPoolDirect, filterGradPoolable, groupedFilterGrad } from '../src/kernels/conv2d-direct.js';
import { convMacs, seedShapes, type ConvShape, type PoolShape } from './seed-flops.js';
import { disposeAll, rand, show, type KernelCase } from './kernel-cases.js';

const F = 4;

function casesOf(label: string, c: ConvShape, training: { inputGrad: boolean; pool: PoolShape; fused: boolean }): KernelCase[] {
  const xShape = [c.batch, c.inH, c.inW, c.cin];
  const wShape = [c.k, c.k, c.cin, c.cout];
  const yShape = [c.batch, c.outH, c.outW, c.cout];
  const [xs, ws, ys] = [xShape, wShape, yShape].map((s) => s.reduce((a, b) => a * b));
  const g = convGeometry(xShape, wShape, [1, 1], 'valid');
  const flops = 2 * convMacs(c);
  // The corner of dy the pool reads (2x2 windows, stride 2, valid).
  const live = { h: 2 * training.pool.outH, w: 2 * training.pool.outW };
  const cropped = live.h < c.outH || live.w < c.outW;
  const liveFlops = (flops * live.h * live.w) / (c.outH * c.outW);
  const dyShape = `dy${show(yShape)}${cropped ? ` (${live.h}×${live.w} read by the pool)` : ''}`;
  const pooled = [c.batch, training.pool.outH, training.pool.outW, c.cout];
  const forward: KernelCase = training.fused
    ? {
        name: `${label} forward`,
        shape: `x${show(xShape)} * w${show(wShape)} + bias, relu, 2×2 max-pool → ${show(pooled)} + argmax${cropped ? ` (${live.h}×${live.w} of ${c.outH}×${c.outW} computed)` : ''}`,
        flops: liveFlops,
        bytes: F * (xs + ws + c.cout + 2 * pooled.reduce((a, b) => a * b)),
        bound: 'compute',
        setup() {
          const [x, w, bias] = [rand(xShape), rand(wShape), rand([c.cout])];
          return { launch: () => void conv2dReluMaxPoolDirect(x, w, g, bias), dispose: disposeAll([x, w, bias]) };
        },
      }
    : {
        name: `${label} forward`,
        shape: `x${show(xShape)} * w${show(wShape)} + bias, relu → ${show(yShape)}`,
        flops,
        bytes: F * (xs + ws + c.cout + ys),
        bound: 'compute',
        setup() {
          const [x, w, bias] = [rand(xShape), rand(wShape), rand([c.cout])];
          return { launch: () => void conv2dForward(x, w, g, bias, true), dispose: disposeAll([x, w, bias]) };
        },
      };
  return [
    forward,
    {
      name: `${label} input-grad`,
      shape: `${dyShape} * w → dx${show(xShape)}`,
      flops: liveFlops,
      bytes: F * (ys + ws + xs),
      bound: 'compute',
      note: training.inputGrad ? undefined : 'not run in training (first layer)',
      setup() {
        const [dy, w] = [rand(yShape), rand(wShape)];
        return { launch: () => void conv2dBackpropInput(dy, w, g, live), dispose: disposeAll([dy, w]) };
      },
    },
    readsPooledGradient(c, training)
      ? {
          name: `${label} filter-grad`,
          shape: `x${show(xShape)}, the pool's dy${show(pooled)} + argmax → dw${show(wShape)}, db[${c.cout}]`,
          flops: liveFlops,
          bytes: F * (xs + 2 * pooled.reduce((a, b) => a * b) + ws + c.cout),
          bound: 'compute',
          note: "as training runs it: reads the pool's dy through argmax (the pool's backward never runs), with the bias gradient",
          setup() {
            const [x, w, bias, dp] = [rand(xShape), rand(wShape), rand([c.cout]), rand(pooled)];
            const { y, argmax } = conv2dReluMaxPoolDirect(x, w, g, bias); // a real argmax
            y.dispose();
            return { launch: () => void conv2dFilterGradPooled(x, { dy: dp, argmax }, g), dispose: disposeAll([x, w, bias, dp, argmax]) };
          },
        }
      : {
      name: `${label} filter-grad`,
      shape: `x${show(xShape)}, ${dyShape} → dw${show(wShape)}`,
      flops: liveFlops,
      bytes: F * (xs + ys + ws),
      bound: 'compute',
      note:
        conv2dVariant('filterGrad') === 'direct' && groupedFilterGrad(g)
          ? 'as conv2d_forward.wgsl over groups of 4 images, then their sum and a transpose (3 launches)'
          : undefined,
      setup() {
        const [x, dy] = [rand(xShape), rand(yShape)];
        return { launch: () => void conv2dBackpropFilter(x, dy, g, live), dispose: disposeAll([x, dy]) };
      },
    },
  ];
}

/**
 * Whether training takes this conv's filter gradient from its pool's dy and argmax: a first
 * layer (no input gradient) whose pool is fused, on the direct kernels (src/autograd/conv-pool.ts).
 */
function readsPooledGradient(c: ConvShape, training: { inputGrad: boolean; fused: boolean }): boolean {
  const g = convGeometry([c.batch, c.inH, c.inW, c.cin], [c.k, c.k, c.cin, c.cout], [1, 1], 'valid');
  return training.fused && !training.inputGrad && conv2dVariant('filterGrad') === 'direct' && filterGradPoolable(g);
}

/** Whether the seed's first pool's backward runs in training (see readsPooledGradient). */
export function firstPoolBackwardRuns(images: number): boolean {
  const s = seedShapes(images);
  return !readsPooledGradient(s.conv1, { inputGrad: false, fused: conv2dVariant('forward') === 'direct' });
}

export async function convCases(images: number): Promise<KernelCase[]> {
  const s = seedShapes(images);
  const fused = conv2dVariant('forward') === 'direct';
  return [
    ...casesOf('conv1', s.conv1, { inputGrad: false, pool: s.pool1, fused }),
    ...casesOf('conv2', s.conv2, { inputGrad: true, pool: s.pool2, fused }),
  ];
}
