/**
 * The adapter's own limits, measured with our micro-kernels (shaders/peak_*.wgsl): float32
 * multiply-add GFLOP/s and copy GB/s. Every other figure in bench/ is reported against these.
 */
import { backend } from '../src/index.js';
import { empty } from '../src/engine/tensor.js';
import { Uniforms } from '../src/engine/uniforms.js';
import { grid1d } from '../src/kernels/grid.js';
import { timeIt } from './timing.js';

export interface Peak {
  gflops: number;
  gbps: number;
}

/** `runs`: timed launches of each micro-kernel (the median is taken); fewer for a quick look. */
export async function measurePeak({ runs = 9 }: { runs?: number } = {}): Promise<Peak> {
  const b = backend();
  // Enough invocations to fill every core and SIMD lane; iters chosen so a launch takes
  // tens of milliseconds on the software adapter (well above timer resolution).
  const wg = 64;
  const groups = b.software ? 512 : 16384;
  const n = wg * groups;
  const iters = b.software ? 256 : 4096;
  const sink = empty([n]);
  const fma = () =>
    b.dispatch({
      shader: 'peak_fma',
      entry: 'main',
      uniforms: new Uniforms().u32(n, iters).f32(1).u32(0).bytes(),
      buffers: [sink.buffer],
      workgroups: grid1d(groups),
    });
  const tf = await timeIt(fma, { runs });
  const flops = n * iters * 8 * 4 * 2;

  const vecs = b.software ? 1 << 20 : 1 << 24; // 16 MiB / 256 MiB per buffer
  const src = empty([vecs * 4]);
  const dst = empty([vecs * 4]);
  const copy = () =>
    b.dispatch({
      shader: 'peak_copy',
      entry: 'main',
      uniforms: new Uniforms().u32(vecs).bytes(),
      buffers: [src.buffer, dst.buffer],
      workgroups: grid1d(Math.ceil(vecs / 64)),
    });
  const tc = await timeIt(copy, { runs });
  sink.dispose();
  src.dispose();
  dst.dispose();
  return { gflops: flops / (tf.medianMs * 1e6), gbps: (2 * 16 * vecs) / (tc.medianMs * 1e6) };
}
