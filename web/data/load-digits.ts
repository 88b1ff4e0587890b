/**
 * Fetches the digits packed at build time (vite.config.ts) from the page's own folder, so the
 * site works offline and nothing comes from a CDN.
 */
import { decodeDigits, isGzip, type DigitSet } from './digits-format.js';

/** Relative to the page: dist/ can live in any folder of any static server. */
export const DIGITS_URL = './data/mnist-digits.bin.gz';

export async function loadDigits(url = DIGITS_URL): Promise<DigitSet> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`digits: GET ${url} answered ${res.status} ${res.statusText}; was the page built with 'npm run build'?`);
  let bytes: Uint8Array = new Uint8Array(await res.arrayBuffer());
  // A server may already have undone the gzip (Content-Encoding); then the bytes are the format itself.
  if (isGzip(bytes)) bytes = await gunzip(bytes);
  return decodeDigits(bytes);
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new Error('digits: this browser has no DecompressionStream to unpack the gzipped digits');
  }
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
