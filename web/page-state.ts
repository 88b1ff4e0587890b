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
  memory: () => MemoryInfo | null;
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
