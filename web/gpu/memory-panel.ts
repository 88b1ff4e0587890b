/**
 * The engine's `memory()`, live: tensors, bytes held, bytes pooled, peak, and buffers ever
 * created. During training the in-use line should stay flat after warm-up; a rising one is a
 * leak (a tensor made outside tidy(), or never disposed).
 */
import { memory, type MemoryInfo } from '../engine.js';
import { el, formatBytes } from '../dom.js';
import { LineChart } from '../charts/line-chart.js';

const MiB = 1024 * 1024;

export class MemoryPanel {
  readonly chart: LineChart;
  private readonly table: HTMLElement;
  private timer: ReturnType<typeof setInterval> | null = null;
  private t0 = performance.now();
  last: MemoryInfo | null = null;

  constructor(root: HTMLElement) {
    this.table = el('dl', { class: 'memory' });
    this.chart = new LineChart({
      title: 'GPU memory (MiB)',
      xLabel: 'seconds',
      series: [
        { name: 'in use', color: '#c0392b' },
        { name: 'pooled', color: '#7f8c8d', dashed: true },
      ],
      maxPoints: 600,
    });
    root.replaceChildren(this.table, this.chart.root);
  }

  /** Samples every `ms` milliseconds; a device that is not ready yet just skips a sample. */
  start(ms = 500): void {
    this.stop();
    this.sample();
    this.timer = setInterval(() => this.sample(), ms);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads memory() and shows it; returns it (null without a device). */
  sample(): MemoryInfo | null {
    let m: MemoryInfo;
    try {
      m = memory();
    } catch {
      return null; // no device (yet, or lost): nothing to show
    }
    this.last = m;
    const rows: [string, string][] = [
      ['tensors', String(m.numTensors)],
      ['tensor bytes', formatBytes(m.numBytes)],
      ['in use', formatBytes(m.inUseBytes)],
      ['pooled', formatBytes(m.pooledBytes)],
      ['peak', formatBytes(m.peakBytes)],
      ['buffers created', String(m.buffersCreated)],
    ];
    this.table.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-key': k }, v)]));
    const t = (performance.now() - this.t0) / 1000;
    this.chart.add('in use', t, m.inUseBytes / MiB);
    this.chart.add('pooled', t, m.pooledBytes / MiB);
    return m;
  }
}
