/**
 * A drawing to a 28×28 MNIST-style image, following MNIST's own recipe (LeCun et al.): the ink's
 * bounding box is scaled, keeping its aspect ratio, so that its longer side is 20 pixels, with
 * anti-aliasing; then it is placed in a 28×28 field so that its centre of mass sits at the
 * field's centre. Values are in [0, 1], 0 = background, 1 = ink.
 *
 * Pure code over an array of ink coverage (the canvas's alpha channel), so Node tests can
 * check it without a DOM.
 */

export const MNIST_SIDE = 28;
/** MNIST fits each digit's bounding box into 20×20 inside the 28×28 field. */
export const MNIST_BOX = 20;

export interface PreprocessOptions {
  /** Longer side of the scaled bounding box, in output pixels (MNIST: 20). */
  box?: number;
  /** Output side (MNIST: 28). */
  side?: number;
  /**
   * Scale the result so that its brightest pixel is 1. MNIST strokes reach full intensity;
   * a drawing made with a pen that is thin for its size would otherwise stay grey.
   */
  normalizePeak?: boolean;
  /** The coverage value that means full ink (255 for a canvas's alpha channel). */
  fullInk?: number;
}

/** Ink bounding box in source pixels: columns [x0, x1), rows [y0, y1). */
export interface InkBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The bounding box of every pixel with coverage above zero, or null for an empty drawing. */
export function inkBox(coverage: ArrayLike<number>, width: number, height: number): InkBox | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (coverage[row + x] > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/**
 * Converts ink coverage (`width*height` values, 0..`fullInk`, e.g. a canvas's alpha) to a
 * `side*side` Float32Array in [0, 1], or null when nothing is drawn.
 *
 * Resampling is by exact area: each source pixel, a unit square, maps to a square of side
 * `scale` in the output and adds its value times the overlap to every output pixel it covers.
 * The mapping puts the source's centre of mass on the field's centre; the output's lands there
 * too up to the sub-pixel shifts of area resampling, which cancel over a stroke's many pixels
 * (about 1e-4 px), unless ink falls outside the field and is cut off (MNIST's recipe allows it).
 */
export function toMnist(coverage: ArrayLike<number>, width: number, height: number, opts: PreprocessOptions = {}): Float32Array | null {
  const box = opts.box ?? MNIST_BOX;
  const side = opts.side ?? MNIST_SIDE;
  if (coverage.length !== width * height) {
    throw new Error(`toMnist: ${coverage.length} coverage values for a ${width}x${height} drawing (expected ${width * height})`);
  }
  const bb = inkBox(coverage, width, height);
  if (!bb) return null;

  // Centre of mass in continuous coordinates (pixel x covers [x, x+1), its centre is x + 0.5).
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = bb.y0; y < bb.y1; y++) {
    for (let x = bb.x0; x < bb.x1; x++) {
      const v = coverage[y * width + x];
      if (v <= 0) continue;
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const cx = mx / mass;
  const cy = my / mass;
  const scale = box / Math.max(bb.x1 - bb.x0, bb.y1 - bb.y0);
  const centre = side / 2;

  const out = new Float64Array(side * side);
  for (let y = bb.y0; y < bb.y1; y++) {
    // The source row's span in output coordinates, and the output rows it touches.
    const ty0 = (y - cy) * scale + centre;
    const ty1 = ty0 + scale;
    const ry0 = Math.max(0, Math.floor(ty0));
    const ry1 = Math.min(side, Math.ceil(ty1));
    if (ry0 >= ry1) continue;
    for (let x = bb.x0; x < bb.x1; x++) {
      const v = coverage[y * width + x];
      if (v <= 0) continue;
      const tx0 = (x - cx) * scale + centre;
      const tx1 = tx0 + scale;
      const rx0 = Math.max(0, Math.floor(tx0));
      const rx1 = Math.min(side, Math.ceil(tx1));
      for (let oy = ry0; oy < ry1; oy++) {
        const hy = Math.min(ty1, oy + 1) - Math.max(ty0, oy);
        if (hy <= 0) continue;
        for (let ox = rx0; ox < rx1; ox++) {
          const hx = Math.min(tx1, ox + 1) - Math.max(tx0, ox);
          if (hx > 0) out[oy * side + ox] += v * hx * hy;
        }
      }
    }
  }

  let peak = 0;
  for (const v of out) if (v > peak) peak = v;
  if (peak <= 0) return null; // all ink fell outside the field
  // Without normalising, a fully inked output pixel holds `fullInk`, so divide by that.
  const div = opts.normalizePeak === false ? (opts.fullInk ?? 255) : peak;
  const result = new Float32Array(side * side);
  for (let i = 0; i < out.length; i++) result[i] = Math.min(1, out[i] / div);
  return result;
}

/** The alpha channel of RGBA pixels (what a canvas's getImageData returns). */
export function alphaOf(rgba: ArrayLike<number>): Uint8Array {
  const n = rgba.length >> 2;
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = rgba[4 * i + 3];
  return a;
}
