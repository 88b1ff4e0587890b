/**
 * Start / pause / reset for a training run, without any DOM: the panel renders what this
 * reports. Training goes in bursts of a few steps, each ending with one loss readback, and the
 * loop yields to the page between bursts so that drawing and scrolling stay smooth.
 */
import type { DigitSet } from '../data/digits-format.js';
import type { EvalReport, PairView, SessionFactory, StepReport, TrainingConfig, TrainingSession } from './seams.js';

/** What a profiled step gives back (the engine's Profile of one step), as the session returns it. */
export type StepProfile = Awaited<ReturnType<NonNullable<TrainingSession['profileStep']>>>;

/** Where in a run an evaluation was taken (step 0: the untrained model). */
export type EvalPoint = Pick<StepReport, 'step' | 'epoch'>;

export type TrainState = 'unavailable' | 'idle' | 'starting' | 'running' | 'pausing' | 'paused' | 'lost' | 'error';

export interface ControllerEvents {
  state?(state: TrainState, detail: string): void;
  step?(report: StepReport): void;
  evaluation?(split: 'train' | 'val', at: EvalPoint, report: EvalReport): void;
  pairs?(pairs: PairView[]): void;
  /** A session was made (or, with null, dropped): the draw-to-compare and one-shot panels use it. */
  session?(session: TrainingSession | null): void;
}

export interface ControllerOptions {
  /** Steps per burst: more means fewer readbacks, fewer page updates. */
  stepsPerBurst: number;
  /** Evaluate both splits every this many steps. */
  evalEvery: number;
  /** Pairs per evaluation. */
  evalPairs: number;
  /** Splits evaluated every evalEvery steps. The page evaluates 'val' only: its training curve
   * comes from the bursts themselves, at no extra GPU work. */
  evalSplits: ('train' | 'val')[];
  /** Test pairs shown in the grid. */
  gridPairs: number;
  /** Lets the page breathe between bursts. */
  yieldToPage: () => Promise<void>;
}

const DEFAULT_OPTIONS: ControllerOptions = {
  stepsPerBurst: 4,
  evalEvery: 40,
  evalPairs: 256,
  evalSplits: ['val'],
  gridPairs: 12,
  yieldToPage: () => new Promise((r) => setTimeout(r, 0)),
};

export class TrainingController {
  private stateNow: TrainState;
  private current: TrainingSession | null = null;
  private loop: Promise<void> | null = null;
  private stopRequested = false;
  private lastEvalStep = -Infinity;
  /** Profile requests made while the loop runs: served between two bursts, never inside one. */
  private profileQueue: { resolve: (p: StepProfile) => void; reject: (e: unknown) => void }[] = [];
  /** A profiled step running while paused; start() and reset() wait for it. */
  private profiling: Promise<unknown> | null = null;
  readonly options: ControllerOptions;

  constructor(
    private readonly factory: SessionFactory | null,
    private readonly digits: () => DigitSet | null,
    private readonly config: TrainingConfig,
    private readonly events: ControllerEvents = {},
    options: Partial<ControllerOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    this.stateNow = factory ? 'idle' : 'unavailable';
  }

  get state(): TrainState {
    return this.stateNow;
  }

  get session(): TrainingSession | null {
    return this.current;
  }

  /** Starts or resumes training; resolves once the loop is running (not when it ends). */
  async start(): Promise<void> {
    if (!this.factory || this.loop) return;
    await this.profiling;
    if (this.stateNow === 'lost') throw new Error('training: the GPU device was lost; restart the device, then reset');
    if (!this.current) {
      const digits = this.digits();
      if (!digits) throw new Error('training: the digits have not loaded yet');
      this.set('starting', 'building the model and the pairs');
      try {
        this.current = await this.factory(digits, this.config);
      } catch (e) {
        this.fail(e);
        return;
      }
      this.events.session?.(this.current);
    }
    this.stopRequested = false;
    this.set('running', '');
    this.loop = this.run(this.current);
  }

  /** Asks the loop to stop after its current burst, and waits for it. */
  async pause(): Promise<void> {
    if (!this.loop) return;
    this.stopRequested = true;
    this.set('pausing', 'finishing the current steps');
    await this.loop;
  }

  /** Stops, frees the session (weights and all) and clears the run; start() begins afresh. */
  async reset(): Promise<void> {
    await this.pause();
    await this.profiling;
    const s = this.current;
    this.current = null;
    this.lastEvalStep = -Infinity;
    if (s) {
      try {
        s.dispose();
      } catch {
        /* a session on a lost device may fail to free; its device is gone anyway */
      }
      this.events.session?.(null);
    }
    this.set(this.factory ? 'idle' : 'unavailable', '');
  }

  /**
   * Profiles one training step of the live session, running or paused. While running, the step
   * runs between two bursts; it is a real step, reported through the `step` event like a burst.
   */
  async profileStep(): Promise<StepProfile> {
    const s = this.current;
    if (!s) throw new Error('profile: there is no training session yet; press Start first');
    if (!s.profileStep) throw new Error('profile: this training session cannot profile a step');
    if (this.stateNow === 'lost' || this.stateNow === 'error') throw new Error(`profile: training is in state '${this.stateNow}'; reset it first`);
    if (this.loop) return new Promise<StepProfile>((resolve, reject) => this.profileQueue.push({ resolve, reject }));
    if (this.profiling) throw new Error('profile: a step is being profiled already');
    const run = this.profileNow(s);
    this.profiling = run.catch(() => {});
    try {
      return await run;
    } finally {
      this.profiling = null;
    }
  }

  private async profileNow(s: TrainingSession): Promise<StepProfile> {
    const p = await s.profileStep!();
    this.events.step?.(p.result);
    return p;
  }

  /** Serves the profile requests made during the last burst. */
  private async serveProfiles(s: TrainingSession): Promise<void> {
    while (this.profileQueue.length) {
      const req = this.profileQueue.shift()!;
      try {
        req.resolve(await this.profileNow(s));
      } catch (e) {
        req.reject(e);
        throw e; // a failed step fails the run too, as a failed burst would
      }
    }
  }

  private async run(s: TrainingSession): Promise<void> {
    try {
      // A new run is first measured untrained, so that its curves start where learning starts.
      if (this.lastEvalStep < 0) await this.evaluate(s, { step: 0, epoch: 0 });
      while (!this.stopRequested) {
        const r = await s.runSteps(this.options.stepsPerBurst);
        this.events.step?.(r);
        if (r.step - this.lastEvalStep >= this.options.evalEvery) await this.evaluate(s, r);
        await this.serveProfiles(s);
        await this.options.yieldToPage();
      }
      await this.serveProfiles(s); // asked for while the last burst finished
      this.set('paused', '');
    } catch (e) {
      for (const req of this.profileQueue.splice(0)) req.reject(e);
      this.fail(e);
    } finally {
      this.loop = null;
    }
  }

  /** Evaluates the splits and refreshes the test pairs' verdicts. */
  private async evaluate(s: TrainingSession, at: EvalPoint): Promise<void> {
    this.lastEvalStep = at.step;
    for (const split of this.options.evalSplits) this.events.evaluation?.(split, at, await s.evaluate(split, this.options.evalPairs));
    await this.refreshPairs(s);
  }

  private async refreshPairs(s: TrainingSession): Promise<void> {
    if (this.events.pairs) this.events.pairs(await s.testPairs(this.options.gridPairs));
  }

  private fail(e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    // Matched by name so that this file needs no engine import (DeviceLostError in src/engine).
    this.set(err.name === 'DeviceLostError' ? 'lost' : 'error', err.message);
  }

  private set(state: TrainState, detail: string): void {
    this.stateNow = state;
    this.events.state?.(state, detail);
  }
}
