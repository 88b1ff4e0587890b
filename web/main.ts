/**
 * The page: finds the GPU, proves the engine runs here, loads the digits, and sets up training,
 * draw-to-compare and one-shot. Each part lives in its own module; this file only connects them.
 */
import { backend, ready } from './engine.js';
import { byId, el } from './dom.js';
import { GpuPanel, missingWebGpuReason } from './gpu/gpu-panel.js';
import { MemoryPanel } from './gpu/memory-panel.js';
import { runEngineCheck, engineCheckOnCpu, maxDifference, CHECK_DIMS } from './gpu/engine-check.js';
import { loadDigits } from './data/load-digits.js';
import { classCounts, type DigitSet } from './data/digits-format.js';
import { ComparePanel } from './draw/compare-panel.js';
import { OneShotPanel } from './draw/one-shot-panel.js';
import { TrainingPanel } from './train/training-panel.js';
import { TrainingController } from './train/controller.js';
import { samplePairs } from './train/sample-pairs.js';
import { DEFAULT_CONFIG } from './train/seams.js';
import { createSession, TRAINING_UNAVAILABLE } from './train/wiring.js';
import { publishState, type PageState } from './page-state.js';
import type { DrawPad } from './draw/draw-pad.js';

const noModelReason = (): string =>
  createSession ? 'Press Start in Training to make a model (until it learns, its verdicts are guesses).' : 'A model is needed to judge them, and training is not wired in yet.';

async function main(): Promise<void> {
  const gpu = new GpuPanel(byId('adapter'), byId('banner'));
  const training = new TrainingPanel(
    { controls: byId('train-controls'), status: byId('train-status'), charts: byId('train-charts'), pairs: byId('pairs'), pairsCaption: byId('pairs-caption') },
    TRAINING_UNAVAILABLE,
  );
  const compare = new ComparePanel(byId('compare-pads'), byId('compare-result'), noModelReason);
  const oneShot = new OneShotPanel(byId('one-shot'), byId('one-shot-result'), noModelReason);
  let digits: DigitSet | null = null;
  let memoryPanel: MemoryPanel | null = null;
  const controller = new TrainingController(createSession, () => digits, DEFAULT_CONFIG, {
    ...training.events,
    session: (s) => {
      compare.setSession(s);
      oneShot.setSession(s);
    },
  });
  training.attach(controller);

  const pads = (): Record<string, DrawPad> => {
    const all: Record<string, DrawPad> = { 'compare-a': compare.a, 'compare-b': compare.b, 'one-shot-query': oneShot.query };
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
      memory: () => memoryPanel?.last ?? null,
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
      training.grid.render(samplePairs(set, 12), 'sample pairs from the held-out end of each class; predictions appear once a model is trained');
    },
    (e: unknown) => {
      byId('digits-info').textContent = `Could not load the digits: ${e instanceof Error ? e.message : String(e)}`;
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
    await showEngineCheck(state);
    gpu.onRestart = async () => {
      await controller.reset();
      await showEngineCheck(state);
    };
    await digitsLoaded;
    state.status = 'ready';
  } catch (e) {
    gpu.showError('Could not start the GPU engine', e);
    Object.assign(state, { status: 'error', error: e instanceof Error ? e.message : String(e) });
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
