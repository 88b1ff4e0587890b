/**
 * What the page exposes as `window.siamesePage`: its state, for the end-to-end test
 * (tests/browser/e2e.test.ts) and for anyone curious in the console. Read-only views, except
 * simulateDeviceLoss, which lets anyone try the recovery path a real device loss would take.
 */
import type { AdapterLine } from './gpu/gpu-panel.js';
import type { EngineCheckResult } from './gpu/engine-check.js';
import type { DrawPad } from './draw/draw-pad.js';
import type { TrainState } from './train/controller.js';
import type { MemoryInfo } from './engine.js';
import type { EvalReport, StepReport, Verdict } from './train/seams.js';
import type { PageTrainingSettings } from './train/url-settings.js';
import type { Ranked } from './draw/one-shot-panel.js';
import type { ProfileView } from './gpu/profile-view.js';
import type { BundleInfo, BundleMatchView, BundleVerdict } from './bundle/bundle-panel.js';

/** One burst of training as the page saw it, with the engine's memory right after it. */
export interface BurstRecord extends StepReport {
  /** memory() when the burst's report arrived: every step's temporaries are freed by then. */
  tensors: number;
  inUseBytes: number;
  /** Milliseconds since the page started. */
  at: number;
}

export interface EvalRecord extends EvalReport {
  split: 'train' | 'val';
  step: number;
  epoch: number;
}

export type PageStatus = 'starting' | 'ready' | 'no-webgpu' | 'error';

export interface PageState {
  status: PageStatus;
  /** Why status is 'no-webgpu' or 'error'. */
  error: string | null;
  adapter: AdapterLine | null;
  engineCheck: EngineCheckResult | null;
  /** Engine checks run so far (one at start, one after each device restart). */
  engineChecks: number;
  digits: { count: number; perClass: number[] } | null;
  training: () => TrainState;
  /** The settings training runs with (defaults, or the page address's). */
  settings: PageTrainingSettings;
  /** Every burst of the current run (cleared by Reset). */
  bursts: () => BurstRecord[];
  /** Every evaluation of the current run. */
  evaluations: () => EvalRecord[];
  /** The draw-to-compare verdict shown now (null while a pad is empty or no model exists). */
  compareVerdict: () => Verdict | null;
  /** The one-shot ranking shown now, nearest first. */
  oneShot: () => Ranked[];
  /** The bundle loaded in "Use a shipped model" (null until one loads). */
  bundle: () => BundleInfo | null;
  /** The bundle's verdict on its two pads (null while a pad is empty or no bundle is loaded). */
  bundleVerdict: () => BundleVerdict | null;
  /** The bundle's gallery matches for its query pad, nearest first. */
  bundleMatches: () => BundleMatchView[];
  /** The longest the page's main thread was blocked (ms) since training last started, as a
   * 50 ms timer saw it: how responsive the page stayed. */
  longestStall: () => number;
  memory: () => MemoryInfo | null;
  /** The kernel profile table shown now (null until "Profile a step" has run), and the kernel whose source is shown. */
  profile: () => (ProfileView & { selected: string | null }) | null;
  /** Names of the drawing pads, for readPad. */
  pads: () => string[];
  /** A pad's drawing as 784 numbers in [0, 1] (null when empty). */
  readPad: (name: string) => number[] | null;
  /** Destroys the GPU device, as a driver reset would lose it: the page must report it and offer a restart. */
  simulateDeviceLoss: () => void;
}

declare global {
  interface Window {
    siamesePage?: PageState;
  }
}

export function publishState(partial: Omit<PageState, 'pads' | 'readPad'>, pads: () => Record<string, DrawPad>): PageState {
  const state: PageState = {
    ...partial,
    pads: () => Object.keys(pads()),
    readPad: (name) => {
      const pad = pads()[name];
      if (!pad) throw new Error(`siamesePage.readPad: no pad "${name}" (pads: ${Object.keys(pads()).join(', ')})`);
      const v = pad.toMnist();
      return v ? Array.from(v) : null;
    },
  };
  window.siamesePage = state;
  return state;
}
