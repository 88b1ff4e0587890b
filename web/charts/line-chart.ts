/**
 * A small line chart on a canvas, reused for the loss, accuracy and memory curves.
 * Series are added point by point; redraws are batched into the next animation frame, so a
 * training loop may push points as often as it likes without costing frames.
 */
import { el } from '../dom.js';
import { formatTick, niceTicks } from './ticks.js';

export interface SeriesStyle {
  name: string;
  color: string;
  /** Dashed lines tell validation from training at a glance. */
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel?: string;
  series: SeriesStyle[];
  /** A fixed y range (accuracy: [0, 1]); otherwise the data's range, rounded to nice ticks. */
  yRange?: [number, number];
  /** Keep only the newest points of each series (a live memory trace need not grow forever). */
  maxPoints?: number;
  /** Text shown while there is no data. */
  emptyText?: string;
  format?: (v: number) => string;
}

// right: room for half of the last x tick's label, which is centred on the plot's right edge.
const MARGIN = { left: 46, right: 18, top: 24, bottom: 26 };

export class LineChart {
  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly data = new Map<string, { x: number[]; y: number[] }>();
  private frame = 0;

  constructor(private readonly opts: LineChartOptions) {
    this.canvas = el('canvas', { class: 'chart' });
    this.root = el('figure', { class: 'chart-box' }, [this.canvas]);
    for (const s of opts.series) this.data.set(s.name, { x: [], y: [] });
    // Redraw at the canvas's real pixel size whenever its box changes.
    if (typeof ResizeObserver !== 'undefined') new ResizeObserver(() => this.requestDraw()).observe(this.canvas);
    this.requestDraw();
  }

  add(series: string, x: number, y: number): void {
    const d = this.data.get(series);
    if (!d) throw new Error(`LineChart "${this.opts.title}": no series "${series}" (has ${[...this.data.keys()].join(', ')})`);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return; // a NaN loss is reported elsewhere, not drawn
    d.x.push(x);
    d.y.push(y);
    const max = this.opts.maxPoints;
    if (max && d.x.length > max) {
      d.x.splice(0, d.x.length - max);
      d.y.splice(0, d.y.length - max);
    }
    this.requestDraw();
  }

  clear(): void {
    for (const d of this.data.values()) {
      d.x.length = 0;
      d.y.length = 0;
    }
    this.requestDraw();
  }

  /** Number of points in a series (tests and status lines read it). */
  count(series: string): number {
    return this.data.get(series)?.x.length ?? 0;
  }

  private requestDraw(): void {
    if (this.frame) return;
    const raf = typeof requestAnimationFrame === 'function' ? requestAnimationFrame : (f: FrameRequestCallback) => setTimeout(() => f(0), 16);
    this.frame = raf(() => {
      this.frame = 0;
      this.draw();
    }) as number;
  }

  /** Draws now (the page normally lets requestDraw batch it). */
  draw(): void {
    const c = this.canvas;
    const dpr = globalThis.devicePixelRatio || 1;
    const w = Math.max(1, Math.round((c.clientWidth || 320) * dpr));
    const h = Math.max(1, Math.round((c.clientHeight || 180) * dpr));
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
    }
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const W = w / dpr;
    const H = h / dpr;
    g.clearRect(0, 0, W, H);
    g.font = '12px system-ui, sans-serif';
    g.fillStyle = '#222';
    g.textBaseline = 'top';
    g.fillText(this.opts.title, MARGIN.left, 4);
    this.drawLegend(g, W);

    const all = [...this.data.values()];
    const xs = all.flatMap((d) => d.x);
    const ys = all.flatMap((d) => d.y);
    const plotW = W - MARGIN.left - MARGIN.right;
    const plotH = H - MARGIN.top - MARGIN.bottom;
    if (xs.length === 0) {
      g.fillStyle = '#888';
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillText(this.opts.emptyText ?? 'no data yet', MARGIN.left + plotW / 2, MARGIN.top + plotH / 2);
      g.textAlign = 'left';
      this.frameBox(g, plotW, plotH);
      return;
    }
    const yr = this.opts.yRange ?? [Math.min(...ys), Math.max(...ys)];
    const yt = niceTicks(yr[0], yr[1], 4);
    const xt = niceTicks(Math.min(...xs), Math.max(...xs), 5);
    const X = (v: number): number => MARGIN.left + ((v - xt.lo) / (xt.hi - xt.lo)) * plotW;
    const Y = (v: number): number => MARGIN.top + plotH - ((v - yt.lo) / (yt.hi - yt.lo)) * plotH;
    const fmt = this.opts.format ?? formatTick;

    g.strokeStyle = '#e4e4e4';
    g.fillStyle = '#666';
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (const t of yt.ticks) {
      g.beginPath();
      g.moveTo(MARGIN.left, Y(t));
      g.lineTo(MARGIN.left + plotW, Y(t));
      g.stroke();
      g.fillText(fmt(t), MARGIN.left - 4, Y(t));
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (const t of xt.ticks) g.fillText(formatTick(t), X(t), MARGIN.top + plotH + 4);
    if (this.opts.xLabel) {
      g.textAlign = 'right';
      g.fillText(this.opts.xLabel, MARGIN.left + plotW, MARGIN.top + plotH + 14);
    }
    g.textAlign = 'left';
    this.frameBox(g, plotW, plotH);

    for (const s of this.opts.series) {
      const d = this.data.get(s.name)!;
      if (!d.x.length) continue;
      g.strokeStyle = s.color;
      g.fillStyle = s.color;
      g.lineWidth = 1.5;
      g.setLineDash(s.dashed ? [5, 3] : []);
      g.beginPath();
      d.x.forEach((x, i) => (i ? g.lineTo(X(x), Y(d.y[i])) : g.moveTo(X(x), Y(d.y[i]))));
      g.stroke();
      g.setLineDash([]);
      if (d.x.length === 1) g.fillRect(X(d.x[0]) - 2, Y(d.y[0]) - 2, 4, 4);
    }
  }

  private frameBox(g: CanvasRenderingContext2D, plotW: number, plotH: number): void {
    g.strokeStyle = '#bbb';
    g.lineWidth = 1;
    g.strokeRect(MARGIN.left + 0.5, MARGIN.top + 0.5, plotW, plotH);
  }

  private drawLegend(g: CanvasRenderingContext2D, W: number): void {
    let x = W - MARGIN.right;
    g.textBaseline = 'top';
    for (const s of [...this.opts.series].reverse()) {
      const d = this.data.get(s.name)!;
      const last = d.y.length ? ` ${(this.opts.format ?? formatTick)(d.y[d.y.length - 1])}` : '';
      const label = `${s.name}${last}`;
      const tw = g.measureText(label).width;
      x -= tw;
      g.fillStyle = '#444';
      g.fillText(label, x, 5);
      x -= 18;
      g.strokeStyle = s.color;
      g.lineWidth = 2;
      g.setLineDash(s.dashed ? [4, 2] : []);
      g.beginPath();
      g.moveTo(x, 11);
      g.lineTo(x + 14, 11);
      g.stroke();
      g.setLineDash([]);
      x -= 10;
    }
  }
}
