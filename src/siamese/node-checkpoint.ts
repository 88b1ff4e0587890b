/**
 * Node-only: a trained Siamese or triplet model on disk. A checkpoint folder holds the base
 * network in the nn format (`model.json` + `weights.bin`, src/nn/FORMAT.md, written atomically
 * by `saveModel`) and `siamese.json`, the head around it:
 *
 *   { "format": "webgpu-siamese/siamese", "formatVersion": 1, "model": "siamese" | "triplet",
 *     "distance": "euclidean" | "cosine", "margin": 1, "threshold": 0.5, ...training facts }
 *
 * `siamese.json` is written last, so a folder that has it holds a complete checkpoint.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, saveModel } from '../nn/index.js';
import { SiameseModel, TripletModel } from './model.js';
import { checkMetric, type DistanceMetric } from './distance.js';
import { writeFileAtomic } from './node-files.js';

export const CHECKPOINT_FORMAT = 'webgpu-siamese/siamese';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointHead {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  model: 'siamese' | 'triplet';
  distance: DistanceMetric;
  margin: number;
  /** "Same" when 1 − distance > threshold. */
  threshold: number;
  /** Free-form facts about the run (data, seed, epochs, steps...). */
  training?: Record<string, unknown>;
}

/** Accepts a run folder (holding checkpoint/) or a checkpoint folder; returns the latter. */
export function resolveCheckpointDir(dir: string): string {
  if (!existsSync(dir)) throw new Error(`--checkpoint ${dir}: no such folder`);
  if (!statSync(dir).isDirectory()) throw new Error(`--checkpoint ${dir}: not a folder`);
  for (const d of [join(dir, 'checkpoint'), dir]) if (existsSync(join(d, 'siamese.json'))) return d;
  throw new Error(`--checkpoint ${dir}: no checkpoint there (expected ${join(dir, 'checkpoint', 'siamese.json')} or ${join(dir, 'siamese.json')})`);
}

export async function saveCheckpoint(model: SiameseModel | TripletModel, dir: string, head: Omit<CheckpointHead, 'format' | 'formatVersion' | 'model' | 'distance'>): Promise<void> {
  await saveModel(model.base, dir);
  const full: CheckpointHead = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_VERSION,
    model: model instanceof TripletModel ? 'triplet' : 'siamese',
    distance: model.distance,
    ...head,
  };
  writeFileAtomic(join(dir, 'siamese.json'), JSON.stringify(full, null, 2) + '\n');
}

/** Reads and checks a checkpoint's `siamese.json`; errors name the file and the problem. */
export function readHead(file: string): CheckpointHead {
  let h: unknown;
  try {
    h = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message}): the checkpoint is corrupt or truncated`);
  }
  const o = h as Partial<CheckpointHead>;
  if (!o || typeof o !== 'object' || o.format !== CHECKPOINT_FORMAT) {
    throw new Error(`${file}: not a webgpu-siamese checkpoint (format ${JSON.stringify(o?.format)}, expected "${CHECKPOINT_FORMAT}")`);
  }
  if (o.formatVersion !== CHECKPOINT_VERSION) throw new Error(`${file}: format version ${JSON.stringify(o.formatVersion)} is not supported (expected ${CHECKPOINT_VERSION})`);
  if (o.model !== 'siamese' && o.model !== 'triplet') throw new Error(`${file}: "model" must be "siamese" or "triplet", got ${JSON.stringify(o.model)}`);
  try {
    checkMetric(o.distance);
  } catch {
    throw new Error(`${file}: "distance" must be "euclidean" or "cosine", got ${JSON.stringify(o.distance)}`);
  }
  for (const k of ['margin', 'threshold'] as const) {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) throw new Error(`${file}: "${k}" must be a number, got ${JSON.stringify(o[k])}`);
  }
  return o as CheckpointHead;
}

/** Loads a checkpoint saved by `saveCheckpoint` (`dir` may be the run folder). */
export async function loadCheckpoint(dir: string): Promise<{ model: SiameseModel | TripletModel; head: CheckpointHead; dir: string }> {
  const at = resolveCheckpointDir(dir);
  const head = readHead(join(at, 'siamese.json'));
  const base = await loadModel(at);
  const model = head.model === 'triplet' ? new TripletModel(base, head.distance) : new SiameseModel(base, head.distance);
  return { model, head, dir: at };
}
