/**
 * A small RGBA canvas for PNG reports, drawn in plain JavaScript so that Node needs no native
 * canvas: filled rectangles, anti-aliased lines (Xiaolin Wu's algorithm, thickened by drawing
 * parallel copies), dots, 5×7 bitmap text and grayscale images. Browser-safe; PNG encoding is
 * done by the caller (pngjs in Node, a canvas in the browser).
 */
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from './font5x7.js';

export type Rgb = [number, number, number];

export function parseColor(hex: string): Rgb {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`parseColor: expected #rrggbb, got ${hex}`);
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export class Raster {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new Error(`Raster: size must be positive integers, got ${width}×${height}`);
    }
    this.data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      this.data.set(background, 4 * i);
      this.data[4 * i + 3] = 255;
    }
  }

  /** Blends `color` over pixel (x, y) with coverage `alpha` in [0, 1]. */
  blend(x: number, y: number, color: Rgb, alpha = 1): void {
    x = Math.floor(x);
    y = Math.floor(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const a = Math.min(1, alpha);
    const i = 4 * (y * this.width + x);
    for (let c = 0; c < 3; c++) this.data[i + c] = Math.round(this.data[i + c] * (1 - a) + color[c] * a);
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    for (let yy = Math.max(0, Math.floor(y)); yy < Math.min(this.height, Math.floor(y + h)); yy++) {
      for (let xx = Math.max(0, Math.floor(x)); xx < Math.min(this.width, Math.floor(x + w)); xx++) this.blend(xx, yy, color);
    }
  }

  strokeRect(x: number, y: number, w: number, h: number, color: Rgb, thickness = 1): void {
    this.fillRect(x, y, w, thickness, color);
    this.fillRect(x, y + h - thickness, w, thickness, color);
    this.fillRect(x, y, thickness, h, color);
    this.fillRect(x + w - thickness, y, thickness, h, color);
  }

  /** An anti-aliased line; `width` > 1 draws parallel copies across the line. */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, width = 1): void {
    const len = Math.hypot(x1 - x0, y1 - y0) || 1;
    const nx = -(y1 - y0) / len;
    const ny = (x1 - x0) / len;
    const copies = Math.max(1, Math.round(width));
    for (let k = 0; k < copies; k++) {
      const o = k - (copies - 1) / 2;
      this.wuLine(x0 + nx * o, y0 + ny * o, x1 + nx * o, y1 + ny * o, color);
    }
  }

  private wuLine(x0: number, y0: number, x1: number, y1: number, color: Rgb): void {
    const steep = Math.abs(y1 - y0) > Math.abs(x1 - x0);
    if (steep) [x0, y0, x1, y1] = [y0, x0, y1, x1];
    if (x0 > x1) [x0, y0, x1, y1] = [x1, y1, x0, y0];
    const dx = x1 - x0;
    const gradient = dx === 0 ? 1 : (y1 - y0) / dx;
    const plot = (x: number, y: number, a: number): void => (steep ? this.blend(y, x, color, a) : this.blend(x, y, color, a));
    for (let x = Math.round(x0); x <= Math.round(x1); x++) {
      const y = y0 + gradient * (x - x0);
      const fy = Math.floor(y);
      plot(x, fy, 1 - (y - fy));
      plot(x, fy + 1, y - fy);
    }
  }

  /** A filled disc of radius r centred at (cx, cy), with soft edges. */
  dot(cx: number, cy: number, r: number, color: Rgb): void {
    for (let y = Math.floor(cy - r - 1); y <= Math.ceil(cy + r + 1); y++) {
      for (let x = Math.floor(cx - r - 1); x <= Math.ceil(cx + r + 1); x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        this.blend(x, y, color, Math.max(0, Math.min(1, r + 0.5 - d)));
      }
    }
  }

  /** Draws `text` with its top-left corner at (x, y), each font pixel `scale`×`scale`. */
  text(x: number, y: number, text: string, color: Rgb, scale = 1, align: 'left' | 'center' | 'right' = 'left'): void {
    const w = textWidth(text, scale);
    let left = align === 'left' ? x : align === 'center' ? x - w / 2 : x - w;
    left = Math.round(left);
    for (const ch of text) {
      const rows = glyph(ch);
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        for (let c = 0; c < GLYPH_WIDTH; c++) {
          if (rows[r] & (1 << (GLYPH_WIDTH - 1 - c))) this.fillRect(left + c * scale, Math.round(y) + r * scale, scale, scale, color);
        }
      }
      left += GLYPH_ADVANCE * scale;
    }
  }

  /** Draws text rotated 90° counter-clockwise (for a y-axis label), centred on (x, y). */
  textVertical(x: number, y: number, text: string, color: Rgb, scale = 1): void {
    const w = textWidth(text, scale);
    let top = Math.round(y + w / 2);
    for (const ch of text) {
      const rows = glyph(ch);
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        for (let c = 0; c < GLYPH_WIDTH; c++) {
          if (rows[r] & (1 << (GLYPH_WIDTH - 1 - c))) this.fillRect(Math.round(x) + r * scale, top - (c + 1) * scale, scale, scale, color);
        }
      }
      top -= GLYPH_ADVANCE * scale;
    }
  }

  /** Draws a grayscale image (values in [0, 1], row-major h×w) scaled up by `scale`, white on black. */
  gray(x: number, y: number, values: ArrayLike<number>, w: number, h: number, scale = 1): void {
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const v = Math.round(255 * Math.max(0, Math.min(1, values[r * w + c])));
        this.fillRect(x + c * scale, y + r * scale, scale, scale, [v, v, v]);
      }
    }
  }
}
