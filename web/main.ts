/**
 * The page: finds the GPU, proves the engine runs here, loads the digits, and sets up training,
 * draw-to-compare and one-shot. Each part lives in its own module; this file only connects them.
 */
import { backend, ready } from './engine.js';
import { byId, el, errorText } from './dom.js';
import { GpuPanel, missingWebGpuReason } from './gpu/gpu-panel.js';
import { MemoryPanel } from './gpu/memory-panel.js';
import { ProfilePanel } from './gpu/profile-panel.js';
import { runEngineCheck, engineCheckOnCpu, maxDifference, CHECK_DIMS } from './gpu/engine-check.js';
import { loadDigits } from './data/load-digits.js';
import { classCounts, type DigitSet } from './data/digits-format.js';
import { ComparePanel } from './draw/compare-panel.js';
import { OneShotPanel } from './draw/one-shot-panel.js';
import { BundlePanel } from './bundle/bundle-panel.js';
import { TrainingPanel } from './train/training-panel.js';
import { TrainingController } from './train/controller.js';
import { samplePairs } from './train/sample-pairs.js';
import { createSession, TRAINING_UNAVAILABLE } from './train/wiring.js';
import { DEFAULT_PAGE_SETTINGS, describeSettings, settingsFromQuery, type PageTrainingSettings } from './train/url-settings.js';
import { publishState, type BurstRecord, type EvalRecord, type PageState } from './page-state.js';
import { StallMeter } from './stall-meter.js';
import type { DrawPad } from './draw/draw-pad.js';

const noModelReason = (): string =>
  createSession ? 'Press Start in Training to make a model (until it learns, its verdicts are guesses).' : 'A model is needed to judge them, and training is not wired in yet.';

/** The page address's settings; a bad address is reported and the defaults are used. */
function pageSettings(): PageTrainingSettings {
  const out = byId('train-settings');
  let s = DEFAULT_PAGE_SETTINGS;
  let problem = '';
  try {
    s = settingsFromQuery(location.search);
  } catch (e) {
    problem = `${errorText(e)}. Training with the defaults. `;
  }
  out.replaceChildren(problem ? el('span', { class: 'settings-error' }, problem) : '', `Settings: ${describeSettings(s)}.`);
  return s;
}

async function main(): Promise<void> {
  const gpu = new GpuPanel(byId('adapter'), byId('banner'));
  const training = new TrainingPanel(
    {
      controls: byId('train-controls'),
      status: byId('train-status'),
      progress: byId('train-progress'),
      charts: byId('train-charts'),
      pairs: byId('pairs'),
      pairsCaption: byId('pairs-caption'),
    },
    TRAINING_UNAVAILABLE,
  );
  const compare = new ComparePanel(byId('compare-pads'), byId('compare-result'), noModelReason);
  const oneShot = new OneShotPanel(byId('one-shot'), byId('one-shot-result'), noModelReason);
  const bundlePanel = new BundlePanel(byId('bundle'));
  let digits: DigitSet | null = null;
  let memoryPanel: MemoryPanel | null = null;
  const settings = pageSettings();
  const bursts: BurstRecord[] = [];
  const evaluations: EvalRecord[] = [];
  const stalls = new StallMeter();
  const t0 = performance.now();
  const controller = new TrainingController(
    createSession,
    () => digits,
    settings.config,
    {
      ...training.events,
      state: (s, detail) => {
        training.events.state(s, detail);
        if (s === 'running') stalls.reset(); // measure each run from its start, not the page's load
      },
      step: (r) => {
        training.events.step(r);
        const m = memoryPanel?.sample(); // also refreshes the readout at each burst
        bursts.push({ ...r, tensors: m?.numTensors ?? -1, inUseBytes: m?.inUseBytes ?? -1, at: performance.now() - t0 });
      },
      evaluation: (split, at, r) => {
        training.events.evaluation(split, at, r);
        evaluations.push({ ...r, split, step: at.step, epoch: at.epoch });
      },
      session: (s) => {
        if (!s) {
          bursts.length = 0;
          evaluations.length = 0;
        }
        compare.setSession(s);
        oneShot.setSession(s);
        profilePanel.setSession(s !== null && !!s.profileStep);
      },
    },
    settings.controller,
  );
  training.attach(controller);
  const profilePanel = new ProfilePanel(byId('profile'), () => controller.profileStep());

  const pads = (): Record<string, DrawPad> => {
    const all: Record<string, DrawPad> = {
      'compare-a': compare.a,
      'compare-b': compare.b,
      'one-shot-query': oneShot.query,
      'bundle-a': bundlePanel.a,
      'bundle-b': bundlePanel.b,
      'bundle-query': bundlePanel.query,
    };
    oneShot.classes.forEach((c, i) => (all[`one-shot-${i}`] = c.pad));
    return all;
  };
  const state: PageState = publishState(
    {
      status: 'starting',
      error: null,
      adapter: null,
      engineCheck: null,
      engineChecks: 0,
      digits: null,
      training: () => controller.state,
      settings,
      bursts: () => bursts,
      evaluations: () => evaluations,
      compareVerdict: () => compare.last,
      oneShot: () => oneShot.last,
      bundle: () => bundlePanel.info,
      bundleVerdict: () => bundlePanel.lastVerdict,
      bundleMatches: () => bundlePanel.lastMatches,
      longestStall: () => stalls.longest,
      memory: () => memoryPanel?.last ?? null,
      profile: () => (profilePanel.last ? { ...profilePanel.last, selected: profilePanel.selected } : null),
      simulateDeviceLoss: () => backend().device.destroy(),
    },
    pads,
  );

  // The digits and the drawing pads need no GPU: load them whatever happens below.
  const digitsLoaded = loadDigits().then(
    (set) => {
      digits = set;
      const perClass = classCounts(set);
      state.digits = { count: set.count, perClass };
      byId('digits-info').textContent = `${set.count} MNIST digits loaded (${perClass.join(' / ')} of 0–9), served with this page.`;
      training.grid.render(samplePairs(set, 12), 'sample pairs of the digits; held-out pairs with predictions appear once training starts');
    },
    (e: unknown) => {
      byId('digits-info').textContent = `Could not load the digits: ${errorText(e)}`;
    },
  );

  const missing = missingWebGpuReason();
  if (missing) {
    gpu.showMissing(missing);
    byId('engine-check').textContent = 'No GPU check: this browser has no WebGPU.';
    Object.assign(state, { status: 'no-webgpu', error: missing });
    await digitsLoaded;
    return;
  }

  try {
    const b = await ready();
    state.adapter = gpu.showAdapter(b);
    memoryPanel = new MemoryPanel(byId('memory'));
    memoryPanel.start();
    stalls.start();
    await showEngineCheck(state);
    gpu.onRestart = async () => {
      await controller.reset();
      await bundlePanel.reload();
      await showEngineCheck(state);
    };
    await digitsLoaded;
    state.status = 'ready';
  } catch (e) {
    gpu.showError('Could not start the GPU engine', e);
    Object.assign(state, { status: 'error', error: errorText(e) });
  }
}

/** Runs the engine check and shows its numbers next to a float64 recomputation on the CPU. */
async function showEngineCheck(state: PageState): Promise<void> {
  const out = byId('engine-check');
  const r = await runEngineCheck();
  state.engineCheck = r;
  state.engineChecks++;
  const { rows, cols, pairs } = CHECK_DIMS;
  const diff = maxDifference(r, engineCheckOnCpu());
  // float32 sums of 16 to 32 products of values below 1.4 round at about 1e-6; 1e-4 means broken.
  const ok = diff < 1e-4;
  out.replaceChildren(
    el('span', {}, `Engine check on this GPU: relu(x·w + b) [${rows}×${cols}] and ${pairs} pair distances in ${r.ms.toFixed(1)} ms; `),
    el('strong', { class: ok ? 'same' : 'different' }, ok ? 'agrees' : 'DISAGREES'),
    el('span', {}, ` with a float64 CPU computation (largest difference ${diff.toExponential(1)}).`),
  );
  out.dataset.ok = String(ok);
  out.className = 'result';
}

void main();
