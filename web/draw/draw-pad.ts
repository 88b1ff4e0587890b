/**
 * A drawing pad: a canvas that takes mouse, pen and touch through pointer events, and gives
 * the drawing as a 28×28 MNIST-style image (mnist-preprocess.ts), with a live preview of it.
 *
 * The canvas's backing store has a fixed size (PAD_PIXELS), whatever its CSS size and the
 * screen's pixel ratio, so that a drawing gives the same 28×28 image on every screen.
 */
import { el } from '../dom.js';
import { alphaOf, toMnist, MNIST_SIDE } from './mnist-preprocess.js';

/** Backing-store side of a pad: 10× MNIST's 28, so a 20-pixel pen ends up about 2 px wide. */
export const PAD_PIXELS = 280;
const PEN_WIDTH = 20;

export interface DrawPadOptions {
  label: string;
  /** Called after each stroke ends, and after clear(). */
  onChange?: (pad: DrawPad) => void;
}

export class DrawPad {
  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly preview: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  /** The one pointer drawing now (a second finger is ignored rather than joining strokes). */
  private activePointer: number | null = null;
  private last: { x: number; y: number } | null = null;
  private strokes = 0;
  private cached: Float32Array | null | undefined;

  constructor(private readonly opts: DrawPadOptions) {
    this.canvas = el('canvas', { class: 'pad', width: String(PAD_PIXELS), height: String(PAD_PIXELS) });
    this.canvas.setAttribute('aria-label', `${opts.label}: draw here with mouse, pen or finger`);
    this.preview = el('canvas', { class: 'preview', width: String(MNIST_SIDE), height: String(MNIST_SIDE), title: 'what the model sees: 28×28' });
    const clear = el('button', { type: 'button', class: 'small' }, 'Clear');
    clear.addEventListener('click', () => this.clear());
    this.root = el('div', { class: 'pad-box' }, [
      el('div', { class: 'pad-label' }, opts.label),
      this.canvas,
      el('div', { class: 'pad-foot' }, [this.preview, el('span', { class: 'muted' }, '28×28'), clear]),
    ]);
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('DrawPad: this browser gives no 2D canvas context');
    this.ctx = ctx;
    this.listen();
    this.renderPreview();
  }

  private listen(): void {
    const c = this.canvas;
    c.addEventListener('pointerdown', (e) => {
      if (this.activePointer !== null || (e.pointerType === 'mouse' && e.button !== 0)) return;
      e.preventDefault();
      this.activePointer = e.pointerId;
      c.setPointerCapture(e.pointerId);
      const p = this.toCanvas(e);
      this.last = p;
      this.dot(p);
    });
    c.addEventListener('pointermove', (e) => {
      if (e.pointerId !== this.activePointer || !this.last) return;
      e.preventDefault();
      // Coalesced events carry the points the browser merged between frames: smoother strokes.
      const points = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
      for (const ev of points.length ? points : [e]) this.lineTo(this.toCanvas(ev));
    });
    const end = (e: PointerEvent): void => {
      if (e.pointerId !== this.activePointer) return;
      this.activePointer = null;
      this.last = null;
      this.strokes++;
      this.changed();
    };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
  }

  /** Client coordinates to backing-store pixels. */
  private toCanvas(e: { clientX: number; clientY: number }): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * PAD_PIXELS, y: ((e.clientY - r.top) / r.height) * PAD_PIXELS };
  }

  private dot(p: { x: number; y: number }): void {
    const g = this.ctx;
    g.fillStyle = '#000';
    g.beginPath();
    g.arc(p.x, p.y, PEN_WIDTH / 2, 0, 2 * Math.PI);
    g.fill();
    this.cached = undefined;
  }

  private lineTo(p: { x: number; y: number }): void {
    const g = this.ctx;
    const from = this.last ?? p;
    g.strokeStyle = '#000';
    g.lineWidth = PEN_WIDTH;
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.beginPath();
    g.moveTo(from.x, from.y);
    g.lineTo(p.x, p.y);
    g.stroke();
    this.last = p;
    this.cached = undefined;
  }

  private changed(): void {
    this.cached = undefined;
    this.renderPreview();
    this.opts.onChange?.(this);
  }

  clear(): void {
    this.ctx.clearRect(0, 0, PAD_PIXELS, PAD_PIXELS);
    this.strokes = 0;
    this.changed();
  }

  get isEmpty(): boolean {
    return this.toMnist() === null;
  }

  /** Finished strokes since the last clear. */
  get strokeCount(): number {
    return this.strokes;
  }

  /** The drawing as 784 values in [0, 1] (row-major, ink = 1), or null when the pad is empty. */
  toMnist(): Float32Array | null {
    if (this.cached === undefined) {
      // Ink is black on a transparent canvas, so the alpha channel is the ink coverage.
      const rgba = this.ctx.getImageData(0, 0, PAD_PIXELS, PAD_PIXELS).data;
      this.cached = toMnist(alphaOf(rgba), PAD_PIXELS, PAD_PIXELS);
    }
    return this.cached;
  }

  private renderPreview(): void {
    const img = this.toMnist();
    const g = this.preview.getContext('2d');
    if (!g) return;
    g.putImageData(grayImage(img ?? new Float32Array(MNIST_SIDE * MNIST_SIDE), MNIST_SIDE, MNIST_SIDE), 0, 0);
  }
}

/** [0, 1] intensities to an ImageData, white ink on black as MNIST is usually shown. */
export function grayImage(values: ArrayLike<number>, width: number, height: number): ImageData {
  const img = new ImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const v = Math.round(Math.max(0, Math.min(1, values[i])) * 255);
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  return img;
}
