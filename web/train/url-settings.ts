/**
 * Training settings from the page's address, so that a run can be shared as a link and the
 * end-to-end test can train a small, fast configuration through the same page a user gets:
 *
 *   ?seed=3&batch=16&lr=0.002&epochPairs=2000&burst=4&evalEvery=8&evalPairs=64
 *
 * Anything not given keeps the default (DEFAULT_CONFIG, the recipe measured with TensorFlow.js).
 * DOM-free, so that Node tests can check it.
 */
import { DEFAULT_CONFIG, type TrainingConfig } from './seams.js';
import type { ControllerOptions } from './controller.js';

export interface PageTrainingSettings {
  config: TrainingConfig;
  controller: Pick<ControllerOptions, 'stepsPerBurst' | 'evalEvery' | 'evalPairs'>;
}

export const DEFAULT_PAGE_SETTINGS: PageTrainingSettings = {
  config: DEFAULT_CONFIG,
  // A burst of 4 steps of 64 pairs is about a second of GPU work on a laptop GPU and several on
  // a software one: long enough that one readback per burst costs nothing, short enough that
  // the charts move and Pause answers promptly.
  controller: { stepsPerBurst: 4, evalEvery: 40, evalPairs: 256 },
};

type Kind = 'int' | 'number';
interface Param {
  kind: Kind;
  /** Inclusive bounds. */
  min: number;
  max: number;
  set(s: PageTrainingSettings, v: number): void;
}

const PARAMS: Record<string, Param> = {
  seed: { kind: 'int', min: 0, max: 2 ** 32 - 1, set: (s, v) => (s.config.seed = v) },
  batch: { kind: 'int', min: 2, max: 1024, set: (s, v) => (s.config.batchPairs = v) },
  lr: { kind: 'number', min: 1e-6, max: 0.1, set: (s, v) => (s.config.learningRate = v) },
  epochPairs: { kind: 'int', min: 2, max: 1_000_000, set: (s, v) => (s.config.pairsPerEpoch = v) },
  valFraction: { kind: 'number', min: 0.01, max: 0.9, set: (s, v) => (s.config.valFraction = v) },
  threshold: { kind: 'number', min: -0.99, max: 0.99, set: (s, v) => (s.config.threshold = v) },
  burst: { kind: 'int', min: 1, max: 1000, set: (s, v) => (s.controller.stepsPerBurst = v) },
  evalEvery: { kind: 'int', min: 1, max: 1_000_000, set: (s, v) => (s.controller.evalEvery = v) },
  evalPairs: { kind: 'int', min: 2, max: 100_000, set: (s, v) => (s.controller.evalPairs = v) },
};

/** Names the page understands in its address, for messages. */
export const SETTING_NAMES = Object.keys(PARAMS);

/**
 * Reads `search` (location.search). Throws on an unknown name or a bad value, naming it and
 * what was expected; the page then shows the message and trains with the defaults.
 */
export function settingsFromQuery(search: string): PageTrainingSettings {
  const s: PageTrainingSettings = { config: { ...DEFAULT_PAGE_SETTINGS.config }, controller: { ...DEFAULT_PAGE_SETTINGS.controller } };
  for (const [name, raw] of new URLSearchParams(search)) {
    const p = PARAMS[name];
    if (!p) throw new Error(`page address: unknown setting "${name}" (known: ${SETTING_NAMES.join(', ')})`);
    const v = raw.trim() === '' ? NaN : Number(raw);
    const ok = Number.isFinite(v) && (p.kind === 'number' || Number.isInteger(v)) && v >= p.min && v <= p.max;
    if (!ok) throw new Error(`page address: ${name}=${raw} is not ${p.kind === 'int' ? 'an integer' : 'a number'} in [${p.min}, ${p.max}]`);
    p.set(s, v);
  }
  if (s.config.pairsPerEpoch < s.config.batchPairs) {
    throw new Error(`page address: epochPairs (${s.config.pairsPerEpoch}) must be at least batch (${s.config.batchPairs})`);
  }
  return s;
}

/** One line describing the settings, for the page. */
export function describeSettings({ config: c, controller: o }: PageTrainingSettings): string {
  return (
    `seed ${c.seed} · ${c.batchPairs} pairs per step · Adam ${c.learningRate} · ${c.pairsPerEpoch} balanced pairs per epoch · ` +
    `${Math.round(c.valFraction * 100)}% of each class held out · "same" when 1 − distance > ${c.threshold} · ` +
    `${o.stepsPerBurst} steps per readback · validation on ${o.evalPairs} pairs every ${o.evalEvery} steps`
  );
}
