/** Node-only: a bundle (bundle.ts, BUNDLE.md) read from and written to a file. */
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../node-files.js';
import { decodeBundle, loadBundle, type SiameseBundle } from './bundle.js';

/**
 * The bytes of a bundle file, with its header and manifest checked (no GPU needed), so that a
 * wrong file fails before the device starts. Errors start with the file name.
 */
export function readBundleBytes(file: string): Uint8Array {
  let bytes: Buffer;
  try {
    if (statSync(file).isDirectory()) throw new Error('is a folder, not a bundle file');
    bytes = readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  decodeBundle(bytes, file);
  return bytes;
}

/** Loads a bundle file's model and gallery onto the GPU (after `ready()`). */
export function readBundleFile(file: string): SiameseBundle {
  return loadBundle(readBundleBytes(file), file);
}

export function writeBundleFile(file: string, bytes: Uint8Array): void {
  writeFileAtomic(file, bytes);
}
