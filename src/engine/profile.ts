/**
 * `profile(fn)`: runs `fn` with every kernel launch recorded, and returns per-launch and
 * per-kernel times, launch counts, FLOPs, bytes and the rates they make.
 *
 * Times come from one of two sources, and the result says which (`timing`):
 *   - 'gpu-timestamps': each launch gets its own compute pass with timestamp queries, where the
 *     adapter has the `timestamp-query` feature. Measured on the GPU.
 *   - 'wall-clock-estimate': without timestamps (or when asked for), each distinct launch is run
 *     again alone on scratch buffers after `fn` and timed from submit to completion on the CPU's
 *     clock, less an empty submit's wait (src/engine/launch-estimate.ts). An estimate: it
 *     includes driver overhead, and zero-filled inputs may not take a data-dependent kernel's
 *     real path. Every table and view labels these as estimates.
 *
 * Each launch also carries its pipeline (WGSL source, entry point, override constants and
 * workgroup size), so a reader can see what ran and at what dispatch size.
 */
import { backend } from './device.js';
import type { KernelRecord } from './backend.js';
import type { PipelineInfo } from './pipeline-cache.js';

export type ProfileTiming = 'gpu-timestamps' | 'wall-clock-estimate';

export interface ProfileOptions {
  /** 'auto' (default): timestamps where the adapter has them, else estimates.
   * 'wall-clock-estimate': estimates even where timestamps exist (to compare the two). */
  timing?: 'auto' | 'wall-clock-estimate';
}

export interface KernelSummary {
  /** `shader.entry`, e.g. `conv2d_forward.main`. */
  name: string;
  calls: number;
  /** Milliseconds over its launches: measured or estimated, as `Profile.timing` says. */
  ms: number;
  /** `ms` when measured with GPU timestamps; null for estimates. */
  gpuMs: number | null;
  flops: number;
  bytes: number;
  /** Achieved rates over `ms`; null where `ms` is 0 or the launches declared no FLOPs / bytes. */
  gflops: number | null;
  gbps: number | null;
  /** Its distinct pipelines (variants differ in override constants): WGSL source, workgroup size. */
  pipelines: PipelineInfo[];
  /** Its launches, in the order they ran. */
  launches: KernelRecord[];
}

export interface Profile<T> {
  result: T;
  timing: ProfileTiming;
  /** From the start of `fn` until the GPU finished its work (before any estimate re-runs). */
  wallMs: number;
  /** Sum of the per-launch GPU times from timestamps (null for estimates). */
  gpuMs: number | null;
  /** Sum of the per-launch times, measured or estimated (launches run one after another). */
  kernelMs: number;
  launches: KernelRecord[];
  /** One row per kernel name, the most time first. */
  kernels: KernelSummary[];
}

export async function profile<T>(fn: () => T | Promise<T>, opts: ProfileOptions = {}): Promise<Profile<T>> {
  const timing = opts.timing ?? 'auto';
  if (timing !== 'auto' && timing !== 'wall-clock-estimate') {
    throw new Error(`profile: timing must be 'auto' or 'wall-clock-estimate', got '${String(timing)}'`);
  }
  const forceEstimate = timing === 'wall-clock-estimate';
  const b = backend();
  await b.sync();
  b.startProfile(2048, { timestamps: !forceEstimate });
  const t0 = performance.now();
  let result: T;
  let wallMs: number;
  try {
    result = await fn();
    await b.sync();
    wallMs = performance.now() - t0;
  } catch (e) {
    await b.stopProfile({ estimate: 'never' }).catch(() => {}); // the error from fn is the one to report
    throw e;
  }
  const launches = await b.stopProfile({ estimate: forceEstimate ? 'always' : 'if-needed' });
  return summarizeProfile(result, launches, wallMs, forceEstimate);
}

/**
 * Groups recorded launches into per-kernel rows. Exported for views that build a profile from
 * records they already hold (and for tests with hand-made records).
 */
export function summarizeProfile<T>(result: T, launches: KernelRecord[], wallMs: number, preferEstimates = false): Profile<T> {
  const timed = !preferEstimates && launches.length > 0 && launches.every((l) => l.gpuNs !== null);
  if (!timed && launches.some((l) => l.estimatedNs === null)) {
    throw new Error('summarizeProfile: some launches have neither a GPU timestamp nor a wall-clock estimate');
  }
  const nsOf = (l: KernelRecord): number => (timed ? l.gpuNs! : l.estimatedNs!);
  const byName = new Map<string, KernelSummary>();
  for (const l of launches) {
    let s = byName.get(l.name);
    if (!s) byName.set(l.name, (s = { name: l.name, calls: 0, ms: 0, gpuMs: null, flops: 0, bytes: 0, gflops: null, gbps: null, pipelines: [], launches: [] }));
    s.calls++;
    s.flops += l.flops;
    s.bytes += l.bytes;
    s.ms += nsOf(l) / 1e6;
    s.launches.push(l);
    if (!s.pipelines.includes(l.pipeline)) s.pipelines.push(l.pipeline);
  }
  const kernels = [...byName.values()].map((s) => ({
    ...s,
    gpuMs: timed ? s.ms : null,
    gflops: s.ms > 0 && s.flops > 0 ? s.flops / (s.ms * 1e6) : null,
    gbps: s.ms > 0 && s.bytes > 0 ? s.bytes / (s.ms * 1e6) : null,
  }));
  kernels.sort((a, c) => c.ms - a.ms);
  const kernelMs = launches.reduce((p, l) => p + nsOf(l) / 1e6, 0);
  return {
    result,
    timing: timed ? 'gpu-timestamps' : 'wall-clock-estimate',
    wallMs,
    gpuMs: timed ? kernelMs : null,
    kernelMs,
    launches,
    kernels,
  };
}

/** The profile as a title line and rows of cells (what formatProfile and the web page show). */
export interface ProfileTable {
  title: string;
  columns: string[];
  rows: string[][];
}

const rate = (v: number | null): string => (v === null ? '-' : v.toFixed(2));

export function profileTable(p: Profile<unknown>): ProfileTable {
  const estimated = p.timing === 'wall-clock-estimate';
  const columns = ['kernel', 'calls', estimated ? 'est. ms' : 'GPU ms', '% time', 'GFLOP/s', 'GB/s'];
  const rows = p.kernels.map((k) => [
    k.name,
    String(k.calls),
    k.ms.toFixed(2),
    p.kernelMs > 0 ? ((100 * k.ms) / p.kernelMs).toFixed(1) : '-',
    rate(k.gflops),
    rate(k.gbps),
  ]);
  const title =
    `${p.launches.length} launch${p.launches.length === 1 ? '' : 'es'}, wall ${p.wallMs.toFixed(1)} ms, ` +
    (estimated
      ? `kernels ~${p.kernelMs.toFixed(1)} ms (WALL-CLOCK ESTIMATES, not GPU timestamps: each distinct launch re-run alone on scratch buffers and timed with a wait)`
      : `GPU ${p.kernelMs.toFixed(1)} ms (timestamp queries)`);
  return { title, columns, rows };
}

/** The profile as a fixed-width text table (what the CLI's --profile prints). */
export function formatProfile(p: Profile<unknown>): string {
  const t = profileTable(p);
  const all = [t.columns, ...t.rows];
  const w = t.columns.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((s, c) => (c === 0 ? s.padEnd(w[c]) : s.padStart(w[c]))).join('  ');
  return [t.title, ...all.map(line)].join('\n');
}
