/**
 * `--profile` for `siamese train` and `siamese eval`: runs one piece of GPU work under the
 * engine's profile() and prints its per-kernel table (formatProfile) on stderr, so that stdout
 * keeps only the results. Training then goes on as usual; the profiled step is a real step.
 */
import { formatProfile, profile } from '../engine/profile.js';
import type { BatchLogs, Trainer } from '../siamese/trainer.js';

/** `train --profile` profiles the second step of the process: the first compiles every pipeline. */
export const PROFILED_STEP = 2;

/** Steps the trainer, profiling step PROFILED_STEP of this process when enabled. */
export class StepProfiler {
  private stepsHere = 0;
  /** True once the profile has been printed. */
  done = false;

  constructor(
    private readonly enabled: boolean,
    private readonly write: (s: string) => void = (s) => process.stderr.write(s),
  ) {}

  async step(trainer: Trainer): Promise<BatchLogs> {
    this.stepsHere++;
    if (!this.enabled || this.stepsHere !== PROFILED_STEP) return trainer.step();
    const p = await profile(() => trainer.step());
    // A newline first: the progress bar may be mid-line on a terminal.
    this.write(`\nprofile of training step ${trainer.steps} (step ${PROFILED_STEP} of this run, after a warm-up step that compiled the kernels):\n${formatProfile(p)}\n`);
    this.done = true;
    return p.result;
  }

  /** Says so when training ended before the step that would have been profiled. */
  finish(): void {
    if (this.enabled && !this.done) {
      this.write(`--profile: nothing profiled: training ended after ${this.stepsHere} step${this.stepsHere === 1 ? '' : 's'}, before step ${PROFILED_STEP} (the first only compiles the kernels); train for more steps\n`);
    }
  }
}

/** Runs `fn` under profile() when enabled and prints the table, headed by `what`. */
export async function maybeProfiled<T>(enabled: boolean, what: string, fn: () => Promise<T>, write: (s: string) => void = (s) => process.stderr.write(s)): Promise<T> {
  if (!enabled) return fn();
  const p = await profile(fn);
  write(`profile of ${what}:\n${formatProfile(p)}\n`);
  return p.result;
}
