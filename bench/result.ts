/**
 * The shape of bench/results.json, and `attempt()`, which turns a section that cannot run yet
 * (a missing op, no Chromium, a tfjs backend that fails) into a "not available: <reason>" entry
 * instead of a crash, so one run always writes a complete report.
 */

/** A measurement that could not be taken, and why. */
export interface Unavailable {
  unavailable: string;
}

export type Maybe<T> = T | Unavailable;

export function isUnavailable(x: unknown): x is Unavailable {
  return !!x && typeof x === 'object' && 'unavailable' in x;
}

/** The first line of an error, short enough for a table cell. */
export function reasonOf(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const line = msg.split('\n').find((l) => l.trim()) ?? 'unknown error';
  return line.length > 240 ? `${line.slice(0, 237)}...` : line.trim();
}

/**
 * Node's module loader reports a module that failed to link (e.g. a missing export) once; later
 * imports of anything depending on it fail with an opaque "not in cache" message. The first
 * link error is remembered and given as the reason instead.
 */
let firstLinkError: string | null = null;

/** Runs `fn`; on failure logs the reason and returns it as Unavailable. */
export async function attempt<T>(what: string, fn: () => Promise<T>): Promise<Maybe<T>> {
  try {
    return await fn();
  } catch (e) {
    let unavailable = reasonOf(e);
    if (/does not provide an export|Cannot find module/i.test(unavailable)) firstLinkError ??= unavailable;
    else if (/not in cache/i.test(unavailable) && firstLinkError) unavailable = `a module it needs did not load: ${firstLinkError}`;
    console.log(`  ${what}: not available: ${unavailable}`);
    if (process.env.BENCH_DEBUG) console.error(e);
    return { unavailable };
  }
}

export interface AdapterResult {
  name: string;
  software: boolean;
  timestamps: boolean;
  /** Whether our shaders ran with Dawn's bounds checks (src/engine/node-gpu.ts, BoundsChecks). */
  boundsChecks?: boolean;
  /** fp32 multiply-add GFLOP/s and copy GB/s from shaders/peak_*.wgsl: the best of `samples`. */
  peakGflops: number;
  copyGbps: number;
  /** Each measurement (at the start and at the end of the run): a busy machine shows here. */
  samples: { gflops: number; gbps: number }[];
}

export interface KernelRow {
  name: string;
  shape: string;
  flops: number;
  bytes: number;
  bound: 'compute' | 'memory';
  launches: number;
  /** Calls timed (fewer than --kernel-runs when a call is slow: see --kernel-budget). */
  runs: number;
  /** Median GPU time per call from timestamp queries (null without them). */
  gpuMs: number | null;
  /** Median wall time per call, submit and wait included. */
  wallMs: number;
  gflops: number;
  gbps: number;
  /** Of the measured multiply-add peak (compute-bound) or copy bandwidth (memory-bound): the run's best. */
  pctPeak: number;
  /**
   * The same peak measured just before and just after this kernel's timing (the better of the
   * two, GFLOP/s or GB/s as `bound` says), and the kernel's percentage of it: this machine's
   * speed drifts within a run (its peak has moved 1.6x in one), and a kernel timed in a slow
   * minute is held here against what the adapter did in that same minute.
   */
  besidePeak: number;
  pctBeside: number;
  note?: string;
}

export interface ProfiledStep {
  pairs: number;
  timing: string;
  wallMs: number;
  gpuMs: number | null;
  launches: number;
  table: string;
  kernels: { name: string; calls: number; gpuMs: number | null; gflops: number | null; gbps: number | null }[];
}

export interface KernelsResult {
  images: number;
  rows: (KernelRow | ({ name: string; shape: string } & Unavailable))[];
  profile: Maybe<ProfiledStep>;
}

export interface TrainingRow {
  id: string;
  engine: string;
  where: 'Node' | 'Chromium';
  backend: string;
  pairsPerSec: number;
  msPerStep: number;
  warmup: number;
  steps: number;
  /** Each timed step's (or window's per-step) milliseconds. */
  stepMs: number[];
  /** The peak measured in the same place (Chromium measures its own). */
  peakGflops?: number;
  adapter?: string;
  note?: string;
}

export interface TrainingResult {
  flopsPerPair: number;
  runs: Record<string, Maybe<TrainingRow>>;
}

export interface InferenceResult {
  batch: number;
  /** Images embedded (fewer than asked when the time budget ran out). */
  images: number;
  imagesRequested: number;
  embeddingsPerSec: number;
  gflops: number;
  search: Maybe<{
    gallery: number;
    galleryFrom: string;
    k: number;
    method: string;
    medianMs: number;
    runs: number;
    note?: string;
  }>;
}

export interface MemoryResult {
  pairs: number;
  peakStepBytes: number;
  /** Live bytes before the step (weights, moments): the step's own share is the difference. */
  baselineBytes: number;
  leak: Maybe<{
    pairs: number;
    stepsRequested: number;
    stepsRun: number;
    /** True when the time budget ended the run before stepsRequested. */
    stoppedByBudget: boolean;
    samples: { step: number; tensorBytes: number; inUseBytes: number; tensors: number; buffersCreated: number }[];
    seconds: number;
  }>;
}

export interface GoalRow {
  goal: string;
  target: string;
  measured: string;
  status: 'met' | 'missed' | 'not measured';
  /** How far off, when missed. */
  by?: string;
}

export interface BenchResults {
  meta: {
    date: string;
    command: string;
    node: string;
    platform: string;
    cpus: number;
    quick: boolean;
    seconds: number;
  };
  adapter: Maybe<AdapterResult>;
  kernels: Maybe<KernelsResult>;
  training: Maybe<TrainingResult>;
  inference: Maybe<InferenceResult>;
  memory: Maybe<MemoryResult>;
  goals: GoalRow[];
  limits: string[];
}
