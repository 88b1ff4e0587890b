/**
 * TF.js Layers models on disk in Node: `saveTfjsModel` writes `model.json` and its shard files
 * into a folder; `loadTfjsModel` reads a `model.json` (or a folder holding one) and the shards
 * its manifest names, relative to it. Node modules are imported dynamically, through a
 * variable, so this file can sit in a browser bundle (the functions throw there).
 */
import type { Sequential } from '../sequential.js';
import { toTfjsArtifacts, type TfjsExportOptions } from './tfjs-export.js';
import { fromTfjsArtifacts, type TfjsImportOptions } from './tfjs-import.js';
import { readManifest } from './tfjs-weights.js';
import { SHARD_PATH_PATTERN } from './tfjs-format.js';

import { nodeModules as nodeFs, writeAtomic as writeTemp } from '../node-io.js';

const nodeModules = (op: string) => nodeFs(op, 'toTfjsArtifacts/fromTfjsArtifacts');

/**
 * Saves `model` into `dir` (created if needed) in the TF.js Layers format. Every file is written
 * to a temporary file first; only when all are on disk are they renamed into place, shards
 * first and `model.json` last, so a failure leaves any earlier export readable. Shard files of
 * an earlier export that the new `model.json` no longer names are then removed.
 */
export async function saveTfjsModel(model: Sequential, dir: string, opts: TfjsExportOptions = {}): Promise<void> {
  const { fs, path } = await nodeModules('saveTfjsModel');
  const { modelJson, shards } = await toTfjsArtifacts(model, opts);
  const files = [
    ...shards.map((s) => ({ file: path.join(dir, s.path), bytes: s.data })),
    { file: path.join(dir, 'model.json'), bytes: new TextEncoder().encode(JSON.stringify(modelJson, null, 1) + '\n') },
  ];
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new Error(`saveTfjsModel: cannot create folder ${dir}: ${(e as Error).message}`);
  }
  const temps: string[] = [];
  try {
    for (const f of files) temps.push(await writeTemp(fs, path, f.file, f.bytes));
    for (let i = 0; i < files.length; i++) await fs.rename(temps[i], files[i].file);
  } catch (e) {
    await Promise.all(temps.map((t) => fs.rm(t, { force: true })));
    throw new Error(`saveTfjsModel: cannot write into ${dir}: ${(e as Error).message}`);
  }
  const current = new Set(shards.map((s) => s.path));
  for (const f of await fs.readdir(dir)) {
    if (SHARD_PATH_PATTERN.test(f) && !current.has(f)) await fs.rm(path.join(dir, f), { force: true });
  }
  const d = await fs.open(dir, 'r').catch(() => null);
  if (d) await d.sync().catch(() => {}).finally(() => d.close());
}

/**
 * Reads a TF.js Layers `model.json` (or the folder holding it) and the shard files its
 * manifest names, in manifest order. Errors name the file at fault.
 */
export async function readTfjsModelFiles(file: string): Promise<{ modelJson: Record<string, unknown>; shards: Uint8Array[]; modelPath: string }> {
  const { fs, path } = await nodeModules('readTfjsModelFiles');
  let modelPath = file;
  const st = await fs.stat(file).catch(() => null);
  if (!st) throw new Error(`${file}: not found`);
  if (st.isDirectory()) modelPath = path.join(file, 'model.json');
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(await fs.readFile(modelPath, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${modelPath}: not found` : `${modelPath}: not valid JSON (${(e as Error).message})`);
  }
  if (!modelJson || typeof modelJson !== 'object' || Array.isArray(modelJson)) throw new Error(`${modelPath}: expected a JSON object`);
  const m = modelJson as Record<string, unknown>;
  if (m.weightsManifest === undefined) throw new Error(`${modelPath}: has no "weightsManifest": not a TF.js Layers model.json`);
  const { paths } = readManifest(m.weightsManifest, modelPath);
  const base = path.dirname(modelPath);
  const shards = await Promise.all(
    paths.map(async (p) => {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p) || path.isAbsolute(p)) throw new Error(`${modelPath}: weight path '${p}' is not relative to model.json; only local relative paths can be read`);
      const at = path.join(base, p);
      try {
        return new Uint8Array(await fs.readFile(at));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new Error(code === 'ENOENT' ? `${at}: weight file not found (${modelPath} names it)` : `${at}: cannot read: ${(e as Error).message}`);
      }
    }),
  );
  return { modelJson: m, shards, modelPath };
}

/** Loads a TF.js Layers model from disk as a Sequential. */
export async function loadTfjsModel(file: string, opts: Omit<TfjsImportOptions, 'source'> = {}): Promise<Sequential> {
  const { modelJson, shards, modelPath } = await readTfjsModelFiles(file);
  return fromTfjsArtifacts(modelJson, shards, { ...opts, source: modelPath });
}
