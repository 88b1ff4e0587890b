/**
 * The training card: start / pause / reset, a status line, a progress line, live loss and
 * accuracy charts and the grid of test pairs, all fed by a TrainingController.
 *
 * The training curves (solid) are the bursts' own numbers: each burst's mean loss and pair
 * accuracy over the batches it trained on (as Keras's running `loss`/`accuracy`), read back once
 * per burst. The validation curves (dashed) are evaluations of fixed held-out pairs.
 */
import { el, errorText } from '../dom.js';
import { LineChart } from '../charts/line-chart.js';
import { PairGrid } from './pair-grid.js';
import { TrainingController, type EvalPoint, type TrainState } from './controller.js';
import type { EvalReport, PairView, StepReport } from './seams.js';

export interface TrainingPanelParts {
  controls: HTMLElement;
  status: HTMLElement;
  /** Step, epoch, the last burst's numbers and the speed. */
  progress: HTMLElement;
  charts: HTMLElement;
  pairs: HTMLElement;
  pairsCaption: HTMLElement;
}

export class TrainingPanel {
  readonly loss = new LineChart({
    title: 'Loss',
    xLabel: 'epoch',
    series: [
      { name: 'train', color: '#2c6fbb' },
      { name: 'val', color: '#e67e22', dashed: true },
    ],
    emptyText: 'no loss yet',
  });
  readonly accuracy = new LineChart({
    title: 'Pair accuracy',
    xLabel: 'epoch',
    series: [
      { name: 'train', color: '#2c6fbb' },
      { name: 'val', color: '#e67e22', dashed: true },
    ],
    yRange: [0, 1],
    emptyText: 'no evaluation yet',
  });
  readonly grid: PairGrid;
  private readonly buttons: Record<'start' | 'pause' | 'reset', HTMLButtonElement>;
  private controller: TrainingController | null = null;
  /** The previous burst's end (time, step), for the speed. */
  private lastBurst: { t: number; step: number } | null = null;

  constructor(
    private readonly parts: TrainingPanelParts,
    private readonly unavailableReason: string,
  ) {
    const button = (id: string, text: string): HTMLButtonElement => el('button', { type: 'button', id: `train-${id}` }, text);
    this.buttons = { start: button('start', 'Start'), pause: button('pause', 'Pause'), reset: button('reset', 'Reset') };
    parts.controls.replaceChildren(this.buttons.start, this.buttons.pause, this.buttons.reset);
    parts.charts.replaceChildren(this.loss.root, this.accuracy.root);
    this.grid = new PairGrid(parts.pairsCaption);
    parts.pairs.replaceChildren(this.grid.root);
    this.buttons.start.addEventListener('click', () => void this.act(() => this.controller?.start()));
    this.buttons.pause.addEventListener('click', () => void this.act(() => this.controller?.pause()));
    this.buttons.reset.addEventListener('click', () =>
      void this.act(async () => {
        await this.controller?.reset();
        this.loss.clear();
        this.accuracy.clear();
        this.lastBurst = null;
        this.parts.progress.textContent = '';
      }),
    );
    this.showState('unavailable', '');
  }

  /** Connects the controller whose events feed this panel. */
  attach(controller: TrainingController): void {
    this.controller = controller;
    this.showState(controller.state, '');
  }

  /** Handlers for TrainingController's events. */
  readonly events = {
    state: (s: TrainState, detail: string) => this.showState(s, detail),
    step: (r: StepReport) => {
      this.loss.add('train', r.epoch, r.loss);
      if (r.accuracy !== undefined) this.accuracy.add('train', r.epoch, r.accuracy);
      this.parts.status.dataset.step = String(r.step);
      const now = performance.now();
      const prev = this.lastBurst;
      // Speed between consecutive bursts of one run (a pause in between would understate it).
      const rate = prev && r.step > prev.step && this.controller?.state === 'running' ? ((r.step - prev.step) * 1000) / (now - prev.t) : null;
      this.lastBurst = { t: now, step: r.step };
      const acc = r.accuracy !== undefined ? ` · pair accuracy ${(100 * r.accuracy).toFixed(1)}%` : '';
      const speed = rate !== null ? ` · ${rate >= 1 ? rate.toFixed(1) : rate.toFixed(2)} steps/s` : '';
      this.parts.progress.textContent = `step ${r.step} · epoch ${r.epoch.toFixed(2)} · loss ${r.loss.toFixed(4)}${acc}${speed}`;
    },
    evaluation: (split: 'train' | 'val', at: EvalPoint, r: EvalReport) => {
      // The training curves come from the bursts; an evaluation of training pairs is not drawn.
      if (split !== 'val') return;
      this.loss.add('val', at.epoch, r.loss);
      this.accuracy.add('val', at.epoch, r.accuracy);
      this.parts.progress.dataset.valAccuracy = String(r.accuracy);
    },
    pairs: (pairs: PairView[]) => this.grid.render(pairs, 'held-out test pairs, judged by the current model'),
  };

  private async act(fn: () => Promise<void> | undefined): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.showState('error', errorText(e));
    }
  }

  private showState(s: TrainState, detail: string): void {
    const b = this.buttons;
    if (s === 'paused' || s === 'idle') this.lastBurst = null;
    b.start.disabled = !['idle', 'paused'].includes(s);
    b.start.textContent = s === 'paused' ? 'Resume' : 'Start';
    b.pause.disabled = s !== 'running';
    b.reset.disabled = !['idle', 'paused', 'error', 'lost'].includes(s);
    const text: Record<TrainState, string> = {
      unavailable: this.unavailableReason,
      idle: 'Ready to train.',
      starting: 'Starting…',
      running: 'Training…',
      pausing: 'Pausing…',
      paused: 'Paused.',
      lost: 'The GPU device was lost. Restart the device (banner above) to train again from the start.',
      error: 'Training stopped with an error.',
    };
    this.parts.status.dataset.state = s;
    this.parts.status.textContent = detail ? `${text[s]} ${detail}` : text[s];
  }
}
