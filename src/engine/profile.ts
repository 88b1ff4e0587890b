/**
 * `profile(fn)`: runs `fn` with every kernel launch recorded, and returns per-launch and
 * per-kernel GPU times. Each launch gets its own compute pass with timestamp queries where the
 * adapter has the `timestamp-query` feature; elsewhere only the total wall-clock time is known
 * and the per-kernel times are null (said so in `timing`).
 */
import { backend } from './device.js';
import type { KernelRecord } from './backend.js';

export interface KernelSummary {
  name: string;
  calls: number;
  /** Summed GPU milliseconds (null without timestamps). */
  gpuMs: number | null;
  flops: number;
  bytes: number;
  /** Achieved rates over the GPU time (null without timestamps). */
  gflops: number | null;
  gbps: number | null;
}

export interface Profile<T> {
  result: T;
  timing: 'gpu-timestamps' | 'wall-clock-total-only';
  wallMs: number;
  /** Sum of the per-launch GPU times (launches run one after another). */
  gpuMs: number | null;
  launches: KernelRecord[];
  kernels: KernelSummary[];
}

export async function profile<T>(fn: () => T | Promise<T>): Promise<Profile<T>> {
  const b = backend();
  await b.sync();
  b.startProfile();
  const t0 = performance.now();
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    await b.stopProfile();
    throw e;
  }
  const launches = await b.stopProfile();
  const wallMs = performance.now() - t0;
  const timed = launches.length > 0 && launches.every((l) => l.gpuNs !== null);
  const byName = new Map<string, KernelSummary>();
  for (const l of launches) {
    let s = byName.get(l.name);
    if (!s) byName.set(l.name, (s = { name: l.name, calls: 0, gpuMs: timed ? 0 : null, flops: 0, bytes: 0, gflops: null, gbps: null }));
    s.calls++;
    s.flops += l.flops;
    s.bytes += l.bytes;
    if (timed) s.gpuMs! += l.gpuNs! / 1e6;
  }
  const kernels = [...byName.values()].map((s) => ({
    ...s,
    gflops: s.gpuMs ? s.flops / (s.gpuMs * 1e6) : null,
    gbps: s.gpuMs ? s.bytes / (s.gpuMs * 1e6) : null,
  }));
  kernels.sort((a, c) => (c.gpuMs ?? 0) - (a.gpuMs ?? 0));
  const gpuMs = timed ? launches.reduce((p, l) => p + l.gpuNs! / 1e6, 0) : null;
  return { result: result!, timing: timed ? 'gpu-timestamps' : 'wall-clock-total-only', wallMs, gpuMs, launches, kernels };
}

/** The profile as a fixed-width text table (what the CLI's --profile prints). */
export function formatProfile(p: Profile<unknown>): string {
  const rows = [['kernel', 'calls', 'GPU ms', '% time', 'GFLOP/s', 'GB/s']];
  for (const k of p.kernels) {
    rows.push([
      k.name,
      String(k.calls),
      k.gpuMs === null ? 'n/a' : k.gpuMs.toFixed(2),
      k.gpuMs === null || !p.gpuMs ? 'n/a' : ((100 * k.gpuMs) / p.gpuMs).toFixed(1),
      k.gflops === null ? 'n/a' : k.gflops.toFixed(2),
      k.gbps === null ? 'n/a' : k.gbps.toFixed(2),
    ]);
  }
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((s, c) => (c === 0 ? s.padEnd(w[c]) : s.padStart(w[c]))).join('  ');
  const head = `${p.launches.length} launches, wall ${p.wallMs.toFixed(1)} ms` +
    (p.gpuMs === null ? ' (no timestamp-query: per-kernel GPU times unavailable)' : `, GPU ${p.gpuMs.toFixed(1)} ms (timestamp queries)`);
  return [head, line(rows[0]), ...rows.slice(1).map(line)].join('\n');
}
