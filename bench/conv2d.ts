/**
 * Times conv2d's three kernels at the seed network's shapes (batch of 128 images):
 *   conv1 x[128,28,28,1]  * w[3,3,1,32]  -> [128,26,26,32]
 *   conv2 x[128,13,13,32] * w[3,3,32,64] -> [128,11,11,64]   (about 85% of training FLOPs)
 * for each kernel variant (src/kernels/conv2d.ts): forward (with the layer's bias + relu),
 * input gradient and filter gradient. Each figure is the median of RUNS launches after warm-up,
 * every launch bracketed by `await backend().sync()`; GFLOP/s = 2 * MACs / time. The adapter's
 * multiply-add peak (shaders/peak_fma.wgsl) is measured before and after; "% of peak" uses the
 * higher of the two.
 *
 * On a shared machine wall times swing with other processes. Where Linux exposes per-thread CPU
 * time, the last column also gives GFLOP per CPU-second of SwiftShader's worker threads
 * (`Thread<NN>`), which is steadier; compare it with the peak's figure measured the same way.
 *
 *   npx tsx bench/conv2d.ts [--runs 7] [--variant direct|im2col|both]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { backend, ready, shutdown, tensor, type Tensor } from '../src/index.js';
import { Random } from '../src/engine/random.js';
import { Uniforms } from '../src/engine/uniforms.js';
import { empty } from '../src/engine/tensor.js';
import { grid1d } from '../src/kernels/grid.js';
import {
  conv2dBackpropFilter,
  conv2dBackpropInput,
  conv2dForward,
  convGeometry,
  convMacs,
  setConv2dVariant,
  type ConvGeometry,
} from '../src/kernels/conv2d.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const RUNS = Math.max(5, Number(arg('runs', '7')));
const VARIANTS = arg('variant', 'both') === 'both' ? (['direct', 'im2col'] as const) : ([arg('variant', 'direct')] as ('direct' | 'im2col')[]);

/** On-CPU nanoseconds of SwiftShader's worker threads so far, or null where unavailable. */
function workerCpuNs(): number | null {
  try {
    let ns = 0;
    let found = false;
    for (const t of readdirSync('/proc/self/task')) {
      try {
        if (!readFileSync(`/proc/self/task/${t}/comm`, 'utf8').startsWith('Thread<')) continue;
        ns += Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]);
        found = true;
      } catch {
        /* the thread ended meanwhile */
      }
    }
    return found ? ns : null;
  } catch {
    return null;
  }
}

interface Timing {
  ms: number;
  cpuMs: number | null;
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Median wall time (and worker CPU time) of `launch`, each run bracketed by sync(). */
async function time(launch: () => Tensor | void, runs = RUNS): Promise<Timing> {
  const b = backend();
  for (let i = 0; i < 2; i++) {
    const t = launch();
    await b.sync();
    t?.dispose();
  }
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    await b.sync();
    const c0 = workerCpuNs();
    const t0 = performance.now();
    const t = launch();
    await b.sync();
    walls.push(performance.now() - t0);
    const c1 = workerCpuNs();
    if (c0 !== null && c1 !== null) cpus.push((c1 - c0) / 1e6);
    t?.dispose();
  }
  return { ms: median(walls), cpuMs: cpus.length ? median(cpus) : null };
}

/** The adapter's multiply-add peak: 8 independent vec4 chains per invocation (shaders/peak_fma.wgsl). */
async function peak(): Promise<{ gflops: number; perCpuS: number | null }> {
  const groups = backend().software ? 512 : 16384;
  const iters = backend().software ? 256 : 4096;
  const n = 64 * groups;
  const sink = empty([n]);
  const t = await time(() =>
    backend().dispatch({
      shader: 'peak_fma',
      entry: 'main',
      uniforms: new Uniforms().u32(n, iters).f32(1).u32(0).bytes(),
      buffers: [sink.buffer],
      workgroups: grid1d(groups),
    }),
  );
  sink.dispose();
  const flops = n * iters * 8 * 4 * 2;
  return { gflops: flops / (t.ms * 1e6), perCpuS: t.cpuMs ? flops / (t.cpuMs * 1e6) : null };
}

function rand(shape: number[], seed: number): Tensor {
  const rng = new Random(seed);
  const n = shape.reduce((a, c) => a * c, 1);
  return tensor(Float32Array.from({ length: n }, () => rng.uniform(-1, 1)), shape);
}

const layers: { name: string; x: number[]; w: number[] }[] = [
  { name: 'conv1', x: [128, 28, 28, 1], w: [3, 3, 1, 32] },
  { name: 'conv2', x: [128, 13, 13, 32], w: [3, 3, 32, 64] },
];

async function main(): Promise<void> {
  const b = await ready();
  console.log(`adapter: ${b.adapterName}${b.software ? ' (software)' : ''}; median of ${RUNS} runs after 2 warm-up runs`);
  const p0 = await peak();
  const header = ['layer', 'kernel', 'variant', 'ms', 'GFLOP/s', '% of peak', 'GFLOP/cpu-s'];
  const results: { cells: string[]; gflops: number; cpu: string }[] = [];
  for (const layer of layers) {
    const g: ConvGeometry = convGeometry(layer.x, layer.w, [1, 1], 'valid');
    const flops = 2 * convMacs(g);
    const x = rand(layer.x, 1);
    const w = rand(layer.w, 2);
    const bias = rand([g.cout], 3);
    const dy = rand([g.n, g.oh, g.ow, g.cout], 4);
    const kernels: [string, () => Tensor][] = [
      ['forward (+bias, relu)', () => conv2dForward(x, w, g, bias, true)],
      ['input-grad', () => conv2dBackpropInput(dy, w, g)],
      ['filter-grad', () => conv2dBackpropFilter(x, dy, g)],
    ];
    for (const [kernel, launch] of kernels) {
      for (const v of VARIANTS) {
        setConv2dVariant(v);
        const t = await time(launch);
        const gf = flops / (t.ms * 1e6);
        results.push({
          cells: [layer.name, kernel, v, t.ms.toFixed(1), gf.toFixed(2)],
          gflops: gf,
          cpu: t.cpuMs ? (flops / (t.cpuMs * 1e6)).toFixed(2) : '-',
        });
      }
    }
    for (const t of [x, w, bias, dy]) t.dispose();
  }
  setConv2dVariant('auto');
  const p1 = await peak();
  const top = Math.max(p0.gflops, p1.gflops);
  const rows = [header, ...results.map((r) => [...r.cells, ((100 * r.gflops) / top).toFixed(0), r.cpu])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  const fmt = (p: { gflops: number; perCpuS: number | null }) =>
    `${p.gflops.toFixed(2)} GFLOP/s${p.perCpuS ? `, ${p.perCpuS.toFixed(2)} GFLOP/cpu-s` : ''}`;
  console.log(`peak multiply-add: before ${fmt(p0)}; after ${fmt(p1)} ("% of peak" uses the higher)`);
  shutdown();
}

main().catch((e) => {
  console.error(e);
  shutdown();
  process.exit(1);
});
