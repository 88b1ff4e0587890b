/**
 * Section 2: each kernel of the seed network at batch 128 images, timed alone (measure.ts), and
 * as a cross-check a real 64-pair training step under `profile()` (per-launch GPU timestamps),
 * whose per-kernel table goes into RESULTS.md as printed by `formatProfile`.
 */
import type { BenchArgs } from './args.js';
import { attempt, isUnavailable, reasonOf, type AdapterResult, type KernelRow, type KernelsResult, type ProfiledStep } from './result.js';
import { timeKernel } from './measure.js';
import { measurePeak, type Peak } from './peak.js';
import type { KernelCase } from './kernel-cases.js';

export const IMAGES = 128;

async function measureCase(c: KernelCase, peak: AdapterResult, runs: number, budgetMs: number): Promise<KernelRow> {
  const inputs = await c.setup();
  try {
    const before = await measurePeak({ runs: 3 });
    const t = await timeKernel(inputs.launch, runs, budgetMs);
    const after = await measurePeak({ runs: 3 });
    const ms = t.gpuMs ?? t.wallMs;
    const gflops = c.flops / (ms * 1e6);
    const gbps = c.bytes / (ms * 1e6);
    const of = (p: Peak) => (c.bound === 'compute' ? p.gflops : p.gbps);
    const rate = c.bound === 'compute' ? gflops : gbps;
    const pctPeak = (100 * rate) / (c.bound === 'compute' ? peak.peakGflops : peak.copyGbps);
    const besidePeak = Math.max(of(before), of(after));
    return {
      name: c.name,
      shape: c.shape,
      flops: c.flops,
      bytes: c.bytes,
      bound: c.bound,
      launches: t.launches,
      runs: t.runs,
      gpuMs: t.gpuMs,
      wallMs: t.wallMs,
      gflops,
      gbps,
      pctPeak,
      besidePeak,
      pctBeside: (100 * rate) / besidePeak,
      note: c.note,
    };
  } finally {
    inputs.dispose();
  }
}

/** One profiled training step of `pairs` pairs after two warm-up steps. */
export async function profileStep(pairs: number): Promise<ProfiledStep> {
  const { backend, profile, formatProfile } = await import('../src/index.js');
  const { makeOurStep } = await import('./our-step.js');
  const s = makeOurStep(pairs);
  try {
    s.step();
    s.step();
    await backend().sync();
    const p = await profile(() => s.step());
    return {
      pairs,
      timing: p.timing,
      wallMs: p.wallMs,
      gpuMs: p.gpuMs,
      launches: p.launches.length,
      table: formatProfile(p),
      kernels: p.kernels.map((k) => ({ name: k.name, calls: k.calls, gpuMs: k.gpuMs, gflops: k.gflops, gbps: k.gbps })),
    };
  } finally {
    s.dispose();
  }
}

export async function kernelsSection(a: BenchArgs, peak: AdapterResult): Promise<KernelsResult> {
  const rows: KernelsResult['rows'] = [];
  const cases: KernelCase[] = [];
  try {
    const { convCases } = await import('./conv-cases.js');
    cases.push(...(await convCases(IMAGES)));
  } catch (e) {
    rows.push({ name: 'conv1, conv2 (forward, input-grad, filter-grad)', shape: '', unavailable: reasonOf(e) });
  }
  const { otherCases } = await import('./kernel-cases.js');
  // As conv-cases.ts decides: the 'direct' convs run the pools' forward pass in their kernel.
  const { conv2dVariant } = await import('../src/kernels/conv2d.js');
  const { firstPoolBackwardRuns } = await import('./conv-cases.js');
  cases.push(...(await otherCases(IMAGES, conv2dVariant('forward') === 'direct', firstPoolBackwardRuns(IMAGES))));
  for (const c of cases) {
    const row = await attempt(c.name, () => measureCase(c, peak, a.kernelRuns, a.kernelBudgetS * 1000));
    rows.push(isUnavailable(row) ? { name: c.name, shape: c.shape, ...row } : row);
    if (!isUnavailable(row)) {
      const rate = row.bound === 'compute' ? `${row.gflops.toFixed(2)} GFLOP/s` : `${row.gbps.toFixed(2)} GB/s`;
      console.log(`  kernel ${c.name}: ${(row.gpuMs ?? row.wallMs).toFixed(2)} ms, ${rate} (${row.pctPeak.toFixed(0)}% of peak, ${row.pctBeside.toFixed(0)}% of the peak beside it)`);
    }
  }
  const profile = await attempt('profiled training step', () => profileStep(IMAGES / 2));
  return { images: IMAGES, rows, profile };
}
