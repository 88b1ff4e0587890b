/**
 * Saving and loading models on disk in Node: `<dir>/model.json` and `<dir>/weights.bin`
 * (src/nn/FORMAT.md). Node modules are imported dynamically, through a variable, so that this
 * file can sit in a browser bundle without pulling `node:fs` in (the functions throw there).
 */
import type { Sequential } from './sequential.js';
import { fromArtifacts, toArtifacts } from './artifacts.js';

export type Fs = typeof import('node:fs/promises');
export type Path = typeof import('node:path');

/** Node's fs and path, imported on demand; `browserHint` says what to use in a browser instead. */
export async function nodeModules(op: string, browserHint = 'toArtifacts/fromArtifacts'): Promise<{ fs: Fs; path: Path }> {
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) throw new Error(`${op} needs Node's file system; in a browser use ${browserHint}`);
  const fsName = 'node:fs/promises';
  const pathName = 'node:path';
  const [fs, path] = await Promise.all([import(/* @vite-ignore */ fsName) as Promise<Fs>, import(/* @vite-ignore */ pathName) as Promise<Path>]);
  return { fs, path };
}

/**
 * First half of an atomic write of `file`: writes `bytes` to a fresh temporary file in the same
 * folder, flushed to disk (fsync), and returns its path; the caller renames it over `file`. A
 * crash leaves either the old file or the new one, plus at worst a stray `.tmp` file, never a
 * half-written `file`.
 */
export async function writeAtomic(fs: Fs, path: Path, file: string, bytes: Uint8Array): Promise<string> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const h = await fs.open(tmp, 'wx');
  try {
    await h.writeFile(bytes);
    await h.sync();
  } catch (e) {
    await h.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await h.close();
  return tmp;
}

/**
 * Saves `model` to `dir` (created if needed) as `model.json` + `weights.bin`. Both files are
 * written to temporary files first and renamed into place only once both are on disk, so a
 * failure while writing leaves any earlier save untouched. (A crash between the two renames
 * can pair a new `weights.bin` with an old `model.json`; the CRC-32 in the manifest makes
 * `loadModel` refuse that pair with a clear error instead of loading wrong weights.)
 */
export async function saveModel(model: Sequential, dir: string): Promise<void> {
  const { fs, path } = await nodeModules('saveModel');
  // Everything that can fail without touching the disk happens first.
  const { manifest, weights } = await toArtifacts(model);
  const json = new TextEncoder().encode(JSON.stringify(manifest, null, 1) + '\n');
  const modelPath = path.join(dir, 'model.json');
  const weightsPath = path.join(dir, 'weights.bin');
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new Error(`saveModel: cannot create folder ${dir}: ${(e as Error).message}`);
  }
  const temps: string[] = [];
  try {
    temps.push(await writeAtomic(fs, path, weightsPath, new Uint8Array(weights)));
    temps.push(await writeAtomic(fs, path, modelPath, json));
  } catch (e) {
    await Promise.all(temps.map((t) => fs.rm(t, { force: true })));
    throw new Error(`saveModel: cannot write into ${dir}: ${(e as Error).message}`);
  }
  try {
    // weights.bin first: model.json, renamed last, is what makes the new save visible.
    await fs.rename(temps[0], weightsPath);
    await fs.rename(temps[1], modelPath);
  } catch (e) {
    await Promise.all(temps.map((t) => fs.rm(t, { force: true })));
    throw new Error(`saveModel: cannot move the new files into place in ${dir}: ${(e as Error).message}`);
  }
  // Make the renames themselves durable. Some platforms cannot open a folder for fsync.
  const d = await fs.open(dir, 'r').catch(() => null);
  if (d) await d.sync().catch(() => {}).finally(() => d.close());
}

async function readFileNamed(fs: Fs, file: string, what: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`loadModel: ${file} not found${what}`);
    throw new Error(`loadModel: cannot read ${file}: ${(e as Error).message}`);
  }
}

/** Loads a model saved by `saveModel` from `dir`. Errors name the file at fault. */
export async function loadModel(dir: string): Promise<Sequential> {
  const { fs, path } = await nodeModules('loadModel');
  const modelPath = path.join(dir, 'model.json');
  const weightsPath = path.join(dir, 'weights.bin');
  const jsonBytes = await readFileNamed(fs, modelPath, '');
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(jsonBytes));
  } catch (e) {
    throw new Error(`loadModel: ${modelPath} is not valid JSON (${(e as Error).message}): the file is corrupt, truncated or not a model`);
  }
  const weights = await readFileNamed(fs, weightsPath, ` (${modelPath} needs it)`);
  return fromArtifacts(manifest, weights, { manifest: modelPath, weights: weightsPath });
}
