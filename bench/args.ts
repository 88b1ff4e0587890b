/**
 * Command-line flags of `npm run bench -- [flags]`. Every default is the full benchmark (about
 * ten minutes on the 2-core software adapter); `--quick` shrinks every section.
 */

export const SECTIONS = ['adapter', 'kernels', 'training', 'inference', 'memory'] as const;
export type SectionName = (typeof SECTIONS)[number];

/** Training-throughput runs that can be skipped one by one (`--skip tfjs-cpu`). */
export const TRAINING_RUNS = ['ours-node', 'ours-chromium', 'tfjs-cpu', 'tfjs-webgpu-node', 'tfjs-webgl', 'tfjs-webgpu-chromium'] as const;
export type TrainingRun = (typeof TRAINING_RUNS)[number];

export interface BenchArgs {
  quick: boolean;
  /** Print one training step's kernel profile as a table and exit (writes no results). */
  profileOnly: boolean;
  sections: SectionName[];
  skip: TrainingRun[];
  /** Timed steps of our engine per window, and windows (median of windows reported). */
  ourSteps: number;
  ourWindows: number;
  /** tfjs: warm-up steps, then timed steps, per backend. */
  tfjsWarmup: number;
  tfjsSteps: number;
  /** Kernel timing: calls measured per kernel (median reported), within a time budget. */
  kernelRuns: number;
  kernelBudgetS: number;
  /** Seconds our training may take per place (Node, Chromium): fewer steps when slow. */
  trainBudgetS: number;
  /** Leak run: training steps and pairs per batch, stopped early at its time budget. */
  leakSteps: number;
  leakBatch: number;
  leakBudgetS: number;
  /** Seconds the embedding of images may take (fewer images when slow). */
  inferenceBudgetS: number;
  /** Inference: images embedded for the rate; gallery size for search. */
  inferenceImages: number;
  gallery: number;
  /** Where RESULTS.md and results.json go. */
  outDir: string;
}

const HELP = `npm run bench -- [flags]
  --quick                reduced set (each section smaller; tfjs CPU skipped): a few minutes
  --profile              print one training step's per-kernel profile and exit
  --only a,b             sections to run: ${SECTIONS.join(', ')}
  --skip a,b             training runs to skip: ${TRAINING_RUNS.join(', ')}
  --steps N              our timed training steps per window (default 10, quick 3)
  --windows N            timing windows for our training (default 7, quick 1)
  --tfjs-warmup N        tfjs warm-up steps per backend (default 1)
  --tfjs-steps N         tfjs timed steps per backend (default 2, quick 1)
  --kernel-runs N        calls timed per kernel (default 15, quick 5)...
  --kernel-budget S      ...or as many as fit in S seconds, at least one (default 5, quick 2)
  --train-budget S       seconds for our timed training steps per place; fewer steps when slow (default 60, quick 20)
  --leak-steps N         steps of the memory run (default 1000, quick 100)...
  --leak-budget S        ...stopped after S seconds, saying so (default 300, quick 45)
  --leak-batch N         pairs per batch in the memory run (default 1)
  --inference-images N   images embedded for embeddings/s (default 10000, quick 512)...
  --inference-budget S   ...or as many as fit in S seconds (default 45, quick 15)
  --gallery N            gallery size for top-k search (default 10000)
  --out DIR              where RESULTS.md and results.json go (default bench/)`;

function positive(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench: ${flag} needs a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

function list<T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T[] {
  const items = (v ?? '').split(',').filter(Boolean);
  for (const i of items) {
    if (!allowed.includes(i as T)) throw new Error(`bench: ${flag} ${i}: expected some of ${allowed.join(', ')}`);
  }
  return items as T[];
}

export function parseArgs(argv: string[]): BenchArgs | 'help' {
  const quick = argv.includes('--quick');
  const a: BenchArgs = {
    quick,
    profileOnly: false,
    sections: [...SECTIONS],
    skip: quick ? ['tfjs-cpu'] : [],
    ourSteps: quick ? 3 : 10,
    ourWindows: quick ? 1 : 7,
    tfjsWarmup: 1,
    tfjsSteps: quick ? 1 : 2,
    kernelRuns: quick ? 5 : 15,
    kernelBudgetS: quick ? 2 : 5,
    trainBudgetS: quick ? 20 : 60,
    leakSteps: quick ? 100 : 1000,
    // One pair (two images) a step: the allocations per step are the same at any batch size, and
    // at ~0.2 s a step on SwiftShader the 1,000 steps the issue asks for fit the budget.
    leakBatch: 1,
    leakBudgetS: quick ? 45 : 300,
    inferenceBudgetS: quick ? 15 : 45,
    inferenceImages: quick ? 512 : 10000,
    gallery: 10000,
    outDir: 'bench',
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const v = argv[i + 1];
    switch (f) {
      case '--quick':
        break;
      case '--help':
      case '-h':
        return 'help';
      case '--profile':
        a.profileOnly = true;
        break;
      case '--only':
        a.sections = list(f, v, SECTIONS);
        i++;
        break;
      case '--skip':
        a.skip = [...new Set([...a.skip, ...list(f, v, TRAINING_RUNS)])];
        i++;
        break;
      case '--steps':
        a.ourSteps = positive(f, v);
        i++;
        break;
      case '--windows':
        a.ourWindows = positive(f, v);
        i++;
        break;
      case '--tfjs-warmup':
        a.tfjsWarmup = Number(v) === 0 ? 0 : positive(f, v);
        i++;
        break;
      case '--tfjs-steps':
        a.tfjsSteps = positive(f, v);
        i++;
        break;
      case '--kernel-runs':
        a.kernelRuns = positive(f, v);
        i++;
        break;
      case '--kernel-budget':
        a.kernelBudgetS = positive(f, v);
        i++;
        break;
      case '--train-budget':
        a.trainBudgetS = positive(f, v);
        i++;
        break;
      case '--leak-budget':
        a.leakBudgetS = positive(f, v);
        i++;
        break;
      case '--inference-budget':
        a.inferenceBudgetS = positive(f, v);
        i++;
        break;
      case '--leak-steps':
        a.leakSteps = positive(f, v);
        i++;
        break;
      case '--leak-batch':
        a.leakBatch = positive(f, v);
        i++;
        break;
      case '--inference-images':
        a.inferenceImages = positive(f, v);
        i++;
        break;
      case '--gallery':
        a.gallery = positive(f, v);
        i++;
        break;
      case '--out':
        if (!v) throw new Error('bench: --out needs a folder');
        a.outDir = v;
        i++;
        break;
      default:
        throw new Error(`bench: unknown flag ${f}\n${HELP}`);
    }
  }
  return a;
}

export { HELP };
