/** Node-only: a PNG file to one model input (see preprocess.ts), through npm `pngjs`. */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { pictureToInput } from './preprocess.js';

export function readPngInput(file: string, inputShape: readonly number[]): Float32Array {
  let png: PNG;
  try {
    png = PNG.sync.read(readFileSync(file));
  } catch (e) {
    throw new Error(`${file}: cannot read as PNG (${(e as Error).message})`);
  }
  return pictureToInput(png.data, png.width, png.height, inputShape, file);
}
