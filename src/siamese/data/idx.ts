/**
 * IDX files, the format of MNIST, Fashion-MNIST, KMNIST and EMNIST (LeCun's layout):
 *
 *   bytes 0–1   zero
 *   byte  2     element type: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
 *   byte  3     number of dimensions d
 *   4·d bytes   the dimensions, unsigned 32-bit big-endian
 *   body        prod(dims) elements, big-endian, row-major
 *
 * Images are [n, rows, cols] (or [n, rows, cols, channels]); labels are [n]. Parsing works on
 * bytes already in memory and gunzipped (node-loaders.ts reads and inflates files), so this
 * module is browser-safe. Every error names the file and the problem.
 */
import { makeImageSet, type ImageSet } from './image-set.js';

export interface IdxArray {
  type: number;
  dims: number[];
  /** The elements as numbers, in file order. */
  data: Float32Array | Int32Array;
}

const TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'unsigned byte', bytes: 1 },
  0x09: { name: 'signed byte', bytes: 1 },
  0x0b: { name: 'short', bytes: 2 },
  0x0c: { name: 'int', bytes: 4 },
  0x0d: { name: 'float', bytes: 4 },
  0x0e: { name: 'double', bytes: 8 },
};

const hex = (v: number): string => '0x' + v.toString(16).padStart(2, '0');

/** Parses one IDX file's bytes. `name` is used in error messages. */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length < 4) throw new Error(`${name}: not an IDX file: only ${bytes.length} bytes, shorter than the 4-byte magic number`);
  const magic = [...bytes.subarray(0, 4)].map(hex).join(' ');
  const type = bytes[2];
  const ndims = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !TYPES[type] || ndims === 0) {
    throw new Error(
      `${name}: not an IDX file: wrong magic number ${magic} (expected 0x00 0x00, a type byte 0x08–0x0e and a dimension count)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw new Error(`${name}: short header: ${ndims} dimensions need ${headerBytes} bytes, file has ${bytes.length}`);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const { bytes: elBytes, name: typeName } = TYPES[type];
  const n = dims.reduce((a, b) => a * b, 1);
  const want = headerBytes + n * elBytes;
  if (bytes.length < want) {
    throw new Error(
      `${name}: short body: dimensions [${dims.join(', ')}] of ${typeName} need ${want} bytes, file has ${bytes.length} (truncated download?)`,
    );
  }
  if (bytes.length > want) {
    throw new Error(`${name}: ${bytes.length - want} unexpected bytes after the data (dimensions [${dims.join(', ')}] of ${typeName})`);
  }
  const isFloat = type === 0x0d || type === 0x0e;
  const data = isFloat ? new Float32Array(n) : new Int32Array(n);
  let off = headerBytes;
  for (let i = 0; i < n; i++, off += elBytes) {
    switch (type) {
      case 0x08: data[i] = bytes[off]; break;
      case 0x09: data[i] = view.getInt8(off); break;
      case 0x0b: data[i] = view.getInt16(off, false); break;
      case 0x0c: data[i] = view.getInt32(off, false); break;
      case 0x0d: data[i] = view.getFloat32(off, false); break;
      default: data[i] = view.getFloat64(off, false);
    }
  }
  return { type, dims, data };
}

export interface IdxPairOptions {
  /** EMNIST stores each image transposed (column-major); set to turn them upright. */
  transpose?: boolean;
  /** Expected number of classes (else the largest label + 1). */
  numClasses?: number;
}

/**
 * Combines an images file and a labels file into an ImageSet. Unsigned-byte pixels become
 * value / 255 in [0, 1]; float pixels are kept as they are (and must be finite).
 */
export function idxToImageSet(images: IdxArray, imagesName: string, labels: IdxArray, labelsName: string, opts: IdxPairOptions = {}): ImageSet {
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new Error(`${imagesName}: images must have 3 dimensions [count, rows, cols] (or 4 with channels), got [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1) throw new Error(`${labelsName}: labels must have 1 dimension [count], got [${labels.dims.join(', ')}]`);
  if (images.type !== 0x08 && images.type !== 0x0d && images.type !== 0x0e) {
    throw new Error(`${imagesName}: images of type ${TYPES[images.type].name} are not supported (expected unsigned byte or float)`);
  }
  if (labels.type === 0x0d || labels.type === 0x0e) throw new Error(`${labelsName}: labels must be integers, the file holds ${TYPES[labels.type].name}s`);
  const [count, rows, cols, channels = 1] = images.dims;
  if (labels.dims[0] !== count) {
    throw new Error(`${labelsName}: ${labels.dims[0]} labels for ${count} images in ${imagesName}: the counts must match`);
  }
  const scale = images.type === 0x08 ? 1 / 255 : 1;
  const pixels = new Float32Array(images.data.length);
  const per = rows * cols * channels;
  for (let i = 0; i < count; i++) {
    const base = i * per;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        for (let ch = 0; ch < channels; ch++) {
          // Transposed files hold pixel (r, c) at (c, r): read across, write down.
          const src = opts.transpose ? base + (c * rows + r) * channels + ch : base + (r * cols + c) * channels + ch;
          pixels[base + (r * cols + c) * channels + ch] = images.data[src] * scale;
        }
      }
    }
  }
  for (let i = 0; i < labels.data.length; i++) {
    const l = labels.data[i];
    if (l < 0 || (opts.numClasses !== undefined && l >= opts.numClasses)) {
      const range = opts.numClasses !== undefined ? `0–${opts.numClasses - 1}` : '>= 0';
      throw new Error(`${labelsName}: label ${i} is ${l}, out of range (expected ${range})`);
    }
  }
  return makeImageSet({
    images: pixels,
    labels: labels.data as Int32Array,
    height: rows,
    width: cols,
    channels,
    numClasses: opts.numClasses,
    source: imagesName,
  });
}

/** Writes an IDX file (unsigned bytes): used by tests and by tools that export data. */
export function encodeIdxU8(dims: number[], values: ArrayLike<number>): Uint8Array {
  const n = dims.reduce((a, b) => a * b, 1);
  if (values.length !== n) throw new Error(`encodeIdxU8: ${values.length} values for dimensions [${dims.join(', ')}]`);
  const out = new Uint8Array(4 + 4 * dims.length + n);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < n; i++) out[4 + 4 * dims.length + i] = values[i];
  return out;
}
