/**
 * The training card: start / pause / reset, a status line, live loss and accuracy charts
 * (training solid, validation dashed) and the grid of test pairs, all fed by a TrainingController.
 */
import { el } from '../dom.js';
import { LineChart } from '../charts/line-chart.js';
import { PairGrid } from './pair-grid.js';
import { TrainingController, type TrainState } from './controller.js';
import type { PairView } from './seams.js';

export interface TrainingPanelParts {
  controls: HTMLElement;
  status: HTMLElement;
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
    step: (r: { epoch: number; loss: number; accuracy?: number; step: number }) => {
      this.loss.add('train', r.epoch, r.loss);
      if (r.accuracy !== undefined) this.accuracy.add('train', r.epoch, r.accuracy);
      this.parts.status.dataset.step = String(r.step);
    },
    evaluation: (split: 'train' | 'val', at: { epoch: number }, r: { loss: number; accuracy: number }) => {
      if (split === 'val') this.loss.add('val', at.epoch, r.loss);
      this.accuracy.add(split, at.epoch, r.accuracy);
    },
    pairs: (pairs: PairView[]) => this.grid.render(pairs, 'held-out test pairs, judged by the current model'),
  };

  private async act(fn: () => Promise<void> | undefined): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.showState('error', e instanceof Error ? e.message : String(e));
    }
  }

  private showState(s: TrainState, detail: string): void {
    const b = this.buttons;
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
      lost: 'The GPU device was lost. Restart the device (banner above), then reset.',
      error: 'Training stopped with an error.',
    };
    this.parts.status.dataset.state = s;
    this.parts.status.textContent = detail ? `${text[s]} ${detail}` : text[s];
  }
}
