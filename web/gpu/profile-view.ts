/**
 * What the profiler panel shows, as plain data (no DOM, so that it is tested in Node): the
 * per-kernel table of a profiled training step, labelled with how its times were taken, and for
 * one kernel its WGSL source, pipeline variants and every launch's dispatch size.
 */
import { profileTable, type KernelSummary, type PipelineInfo, type Profile, type ProfileTiming } from '../engine.js';

export interface ProfileView {
  /** Launches, wall time and total kernel time, and how the times were taken. */
  title: string;
  timing: ProfileTiming;
  /** A short badge: 'GPU timestamps' or 'wall-clock estimates'. */
  timingLabel: string;
  columns: string[];
  /** One row per kernel, the most time first; rows[i][0] is the kernel's name. */
  rows: string[][];
}

export function profileView(p: Profile<unknown>): ProfileView {
  const t = profileTable(p);
  return {
    title: t.title,
    timing: p.timing,
    timingLabel: p.timing === 'gpu-timestamps' ? 'GPU timestamps' : 'wall-clock estimates',
    columns: t.columns,
    rows: t.rows,
  };
}

const dims = (d: readonly number[]): string => d.join('×');

/** "12×1×1 workgroups × 64×1×1 threads = 768 invocations" (threads unknown: "? threads"). */
export function dispatchSize(workgroups: readonly [number, number, number], workgroupSize: readonly [number, number, number] | null): string {
  const groups = workgroups[0] * workgroups[1] * workgroups[2];
  if (!workgroupSize) return `${dims(workgroups)} workgroups (${groups.toLocaleString('en-US')}) × ? threads (workgroup size not readable from the WGSL)`;
  const per = workgroupSize[0] * workgroupSize[1] * workgroupSize[2];
  return `${dims(workgroups)} workgroups × ${dims(workgroupSize)} threads = ${(groups * per).toLocaleString('en-US')} invocations`;
}

/** Override constants as "CG=4, QUAD=1", or "no override constants". */
export function constantsText(c: Readonly<Record<string, number>>): string {
  const keys = Object.keys(c).sort();
  return keys.length ? keys.map((k) => `${k}=${c[k]}`).join(', ') : 'no override constants';
}

export interface KernelVariant {
  /** "variant 1 of 2: CG=4, QUAD=1 · workgroup 64×1×1". */
  label: string;
  /** WGSL file the source comes from, e.g. shaders/conv2d_forward.wgsl, and its entry point. */
  shader: string;
  entry: string;
  wgsl: string;
}

export interface KernelDetail {
  name: string;
  variants: KernelVariant[];
  /** One line per launch, in the order they ran: its variant, dispatch size and time. */
  launches: string[];
}

export function kernelDetail(k: KernelSummary, timing: ProfileTiming): KernelDetail {
  const variantOf = (pl: PipelineInfo): number => k.pipelines.indexOf(pl);
  const variants = k.pipelines.map((pl, i) => ({
    label: `variant ${i + 1} of ${k.pipelines.length}: ${constantsText(pl.constants)} · workgroup ${pl.workgroupSize ? dims(pl.workgroupSize) : '?'}`,
    shader: `shaders/${pl.shader}.wgsl`,
    entry: pl.entry,
    wgsl: pl.wgsl,
  }));
  const unit = timing === 'gpu-timestamps' ? 'ms GPU' : 'ms estimated';
  const launches = k.launches.map((l, i) => {
    const ns = timing === 'gpu-timestamps' ? l.gpuNs : l.estimatedNs;
    const v = k.pipelines.length > 1 ? `variant ${variantOf(l.pipeline) + 1} · ` : '';
    return `#${i + 1} ${v}${dispatchSize(l.workgroups, l.pipeline.workgroupSize)} · ${ns === null ? '?' : (ns / 1e6).toFixed(2)} ${unit}`;
  });
  return { name: k.name, variants, launches };
}
