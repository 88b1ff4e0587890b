/**
 * A picture (RGBA pixels of any size) to a model input like an MNIST digit: grayscale, ink = 1
 * on a background of 0, the ink's bounding box scaled (aspect kept, area resampling) so that its
 * longer side is 20/28 of the field, centred on its centre of mass (LeCun et al.'s recipe).
 * Browser-safe; node-png.ts reads the PNG files.
 *
 * Polarity: MNIST is light ink on dark. A scan or a drawing is usually dark ink on white, so
 * when the image's border is brighter than mid-grey the luminance is inverted first.
 */

/** Luminance in [0, 1] of RGBA bytes, transparent pixels taken as white paper. */
export function luminance(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  if (rgba.length !== width * height * 4) throw new Error(`luminance: ${rgba.length} bytes for a ${width}×${height} RGBA image (expected ${width * height * 4})`);
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const a = rgba[4 * i + 3] / 255;
    const y = (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255;
    out[i] = a * y + (1 - a); // over white
  }
  return out;
}

/** Ink in [0, 1] (1 = ink): inverted luminance when the border is light, else luminance. */
export function inkOf(lum: Float32Array, width: number, height: number): Float32Array {
  let sum = 0;
  let n = 0;
  for (let x = 0; x < width; x++) (sum += lum[x] + lum[(height - 1) * width + x]), (n += 2);
  for (let y = 0; y < height; y++) (sum += lum[y * width] + lum[y * width + width - 1]), (n += 2);
  const invert = sum / n > 0.5;
  return invert ? lum.map((v) => 1 - v) : lum.slice();
}

/**
 * MNIST-style `side`×`side` image from ink coverage (values in [0, 1]); null when there is no
 * ink. An image already `side`×`side` is taken as it is (an MNIST image saved as PNG).
 */
export function toMnistField(ink: Float32Array, width: number, height: number, side = 28, box = 20): Float32Array | null {
  if (width === side && height === side) return ink.slice();
  let x0 = width, y0 = height, x1 = -1, y1 = -1, mass = 0, mx = 0, my = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = ink[y * width + x];
      if (v <= 0.02) continue; // paper noise and JPEG-ish speckle are not ink
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      mass += v; mx += v * (x + 0.5); my += v * (y + 0.5);
    }
  }
  if (x1 < 0) return null;
  const scale = (box * (side / 28)) / Math.max(x1 + 1 - x0, y1 + 1 - y0);
  const cx = mx / mass, cy = my / mass, c = side / 2;
  const out = new Float64Array(side * side);
  // Each source pixel is a unit square mapped to a square of side `scale`: it adds its value
  // times the overlap area to every output pixel it covers.
  for (let y = y0; y <= y1; y++) {
    const ty0 = (y - cy) * scale + c, ty1 = ty0 + scale;
    for (let x = x0; x <= x1; x++) {
      const v = ink[y * width + x];
      if (v <= 0.02) continue;
      const tx0 = (x - cx) * scale + c, tx1 = tx0 + scale;
      for (let oy = Math.max(0, Math.floor(ty0)); oy < Math.min(side, Math.ceil(ty1)); oy++) {
        const hy = Math.min(ty1, oy + 1) - Math.max(ty0, oy);
        for (let ox = Math.max(0, Math.floor(tx0)); ox < Math.min(side, Math.ceil(tx1)); ox++) {
          const hx = Math.min(tx1, ox + 1) - Math.max(tx0, ox);
          if (hx > 0 && hy > 0) out[oy * side + ox] += v * hx * hy;
        }
      }
    }
  }
  let peak = 0;
  for (const v of out) peak = Math.max(peak, v);
  if (peak <= 0) return null;
  return Float32Array.from(out, (v) => Math.min(1, v / peak));
}

/** RGBA pixels to one model input of shape [side, side, 1]. */
export function pictureToInput(rgba: ArrayLike<number>, width: number, height: number, inputShape: readonly number[], what = 'image'): Float32Array {
  const [h, w, ch] = inputShape;
  if (inputShape.length !== 3 || h !== w || ch !== 1) {
    throw new Error(`${what}: pictures can only feed a square grayscale model (H×W×1); this model takes ${inputShape.join('×')}`);
  }
  const out = toMnistField(inkOf(luminance(rgba, width, height), width, height), width, height, h);
  if (!out) throw new Error(`${what}: the ${width}×${height} picture is blank (no ink on its background)`);
  return out;
}
