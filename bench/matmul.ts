/**
 * Times matMul on the seed network's dense layers with batch 128 (forward, and both gradients)
 * for each kernel variant, against the adapter's multiply-add peak.
 *
 *   npx tsx bench/matmul.ts [--runs 7] [--variant registers|tiled|both]
 *
 * Wall clock: the median of `runs` launches after two warm-up launches, each bracketed by
 * `await backend().sync()` (bench/timing.ts), so it includes one submit and wait (≈ 1 ms).
 * GFLOP/s = 2·M·N·K / time.
 *
 * On SwiftShader under Linux it also reports GFLOP per CPU-second of SwiftShader's worker
 * threads (named "Thread<NN>" in /proc), for the kernel and for the multiply-add peak kernel
 * (shaders/peak_fma.wgsl) measured the same way. Other processes sharing the cores slow the
 * wall clock but not this ratio, so "% of peak per CPU-second" stays meaningful on a busy
 * machine; times the core count, it estimates the unloaded GFLOP/s.
 */
import { ready, shutdown, tidy, backend } from '../src/index.js';
import { empty, fromArray, type Tensor } from '../src/engine/tensor.js';
import { Uniforms } from '../src/engine/uniforms.js';
import { grid1d } from '../src/kernels/grid.js';
import { matMulKernel, setMatMulVariant, type MatMulVariant } from '../src/kernels/matmul.js';
import { timeIt, gflops } from './timing.js';
import { measurePeak } from './peak.js';

interface Shape {
  what: string;
  /** Stored shapes of a and b, and the transpose flags, as the layer's step uses them. */
  a: [number, number];
  b: [number, number];
  ta: boolean;
  tb: boolean;
  bias?: number;
}

const B = 128;
const SHAPES: Shape[] = [
  { what: 'dense1 forward  x·W + b, relu', a: [B, 1600], b: [1600, 128], ta: false, tb: false, bias: 128 },
  { what: 'dense1 dW = xᵀ·dy', a: [B, 1600], b: [B, 128], ta: true, tb: false },
  { what: 'dense1 dx = dy·Wᵀ', a: [B, 128], b: [1600, 128], ta: false, tb: true },
  { what: 'dense2 forward  x·W + b', a: [B, 128], b: [128, 64], ta: false, tb: false, bias: 64 },
  { what: 'dense2 dW = xᵀ·dy', a: [B, 128], b: [B, 64], ta: true, tb: false },
  { what: 'dense2 dx = dy·Wᵀ', a: [B, 64], b: [128, 64], ta: false, tb: true },
];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function filled(shape: number[]): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return fromArray(Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5), shape);
}

/** CPU milliseconds used so far by SwiftShader's worker threads; null where /proc has none. */
async function workerCpuMs(): Promise<number | null> {
  try {
    const { readdirSync, readFileSync } = await import('node:fs');
    let ticks = 0;
    let found = false;
    for (const t of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!comm.startsWith('Thread<')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime + stime, in 1/100 s
      found = true;
    }
    return found ? ticks * 10 : null;
  } catch {
    return null;
  }
}

/** GFLOP per worker-CPU-second: repeats `launch` for at least a second (ticks are 10 ms). */
async function perCpuSecond(launch: () => void, flops: number): Promise<number | null> {
  const b = backend();
  await b.sync();
  const c0 = await workerCpuMs();
  if (c0 === null) return null;
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 1000 || n < 3) {
    launch();
    await b.sync();
    n++;
  }
  const cpu = (await workerCpuMs())! - c0;
  return cpu > 0 ? (flops * n) / (cpu * 1e6) : null;
}

/** The peak kernel's GFLOP per worker-CPU-second (same launch as bench/peak.ts). */
async function peakPerCpuSecond(): Promise<number | null> {
  const groups = 512;
  const iters = 256;
  const n = 64 * groups;
  const sink = empty([n]);
  const launch = () =>
    backend().dispatch({
      shader: 'peak_fma',
      entry: 'main',
      uniforms: new Uniforms().u32(n, iters).f32(1).u32(0).bytes(),
      buffers: [sink.buffer],
      workgroups: grid1d(groups),
    });
  launch();
  const r = await perCpuSecond(launch, n * iters * 8 * 4 * 2);
  sink.dispose();
  return r;
}

async function main(): Promise<void> {
  const runs = Math.max(5, Number(arg('runs', '7')));
  const which = arg('variant', 'both');
  const variants: MatMulVariant[] = which === 'both' ? ['registers', 'tiled'] : [which as MatMulVariant];
  const b = await ready();
  console.log(`adapter: ${b.adapterName} (${b.software ? 'software' : 'hardware'}); median of ${runs} runs`);
  const peak = await measurePeak();
  const peakCpu = b.software ? await peakPerCpuSecond() : null;
  console.log(
    `multiply-add peak measured now: ${peak.gflops.toFixed(2)} GFLOP/s` +
      (peakCpu ? `; ${peakCpu.toFixed(2)} GFLOP per worker-CPU-second` : '') +
      '\n',
  );
  for (const v of variants) {
    setMatMulVariant(v);
    console.log(`variant: ${v}`);
    for (const s of SHAPES) {
      const a = filled(s.a);
      const w = filled(s.b);
      const bias = s.bias ? filled([s.bias]) : null;
      const m = s.ta ? s.a[1] : s.a[0];
      const k = s.ta ? s.a[0] : s.a[1];
      const n = s.tb ? s.b[0] : s.b[1];
      const launch = () => tidy(() => void matMulKernel(a, w, { transposeA: s.ta, transposeB: s.tb, bias, relu: !!bias }));
      const t = await timeIt(launch, { warmup: 2, runs });
      const flops = 2 * m * n * k;
      const rate = gflops(flops, t.medianMs);
      let line =
        `  ${s.what.padEnd(30)} [${m}x${k}]·[${k}x${n}]  ${t.medianMs.toFixed(2).padStart(8)} ms  ` +
        `${rate.toFixed(2).padStart(6)} GFLOP/s (${((100 * rate) / peak.gflops).toFixed(0)}% of peak)`;
      const cpu = peakCpu ? await perCpuSecond(launch, flops) : null;
      if (cpu && peakCpu) line += `  ${cpu.toFixed(2)} GFLOP/CPU-s (${((100 * cpu) / peakCpu).toFixed(0)}% of peak per CPU-s)`;
      console.log(line);
      a.dispose();
      w.dispose();
      bias?.dispose();
    }
  }
  setMatMulVariant('auto');
  await backend().sync();
  shutdown();
}

main().catch((e) => {
  console.error(e);
  shutdown();
  process.exit(1);
});
