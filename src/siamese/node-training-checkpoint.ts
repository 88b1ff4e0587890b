/**
 * Node-only: resumable training checkpoints. A checkpoint folder (a run's `checkpoint/`) holds
 * the model exactly as node-checkpoint.ts saves it (`model.json`, `weights.bin`, `siamese.json`,
 * so `eval` and the toolkit read it as any checkpoint) plus the trainer's state,
 * `training.json` (head) and `training.bin` (arrays), see training-state.ts.
 *
 * A save never writes into the live folder. The new checkpoint is written whole into a sibling
 * `.checkpoint.new/` (every file flushed to disk, `siamese.json` last, so a folder holding it is
 * complete) and swapped in by two renames: `checkpoint/` → `.checkpoint.old/`, then
 * `.checkpoint.new/` → `checkpoint/`; the old one is then removed. A process killed at any
 * moment therefore leaves a whole checkpoint: the previous `checkpoint/` while the new one is
 * written, and, if it dies between the two renames, the complete `.checkpoint.new/` (the newest)
 * beside `.checkpoint.old/`. `findTrainingCheckpoint` looks there too, and the next save first
 * finishes such an interrupted swap.
 */
import { existsSync, fsyncSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readHead, saveCheckpoint, type CheckpointHead } from './node-checkpoint.js';
import type { SiameseModel, TripletModel } from './model.js';
import { decodeTrainerState, encodeTrainerState, type TrainerState } from './training-state.js';

export const STATE_HEAD_FILE = 'training.json';
export const STATE_BLOB_FILE = 'training.bin';
/** Written last into a new checkpoint: a folder that has it is complete. */
const COMPLETE_MARK = 'siamese.json';

/** Where a resumable checkpoint was found. */
export interface FoundCheckpoint {
  /** The folder holding its files (normally `checkpoint`, after a crash `.checkpoint.new`). */
  dir: string;
  /** Where the run's checkpoints live and later saves go. */
  checkpointDir: string;
  /** The run folder: the one holding `checkpointDir`. */
  runDir: string;
}

export interface TrainingCheckpoint {
  dir: string;
  state: TrainerState;
  /** What the caller stored with the state (the CLI: its flags and data fingerprint). */
  run?: Record<string, unknown>;
  head: CheckpointHead;
}

const staging = (dir: string) => join(dirname(dir), `.${basename(dir)}.new`);
const retired = (dir: string) => join(dirname(dir), `.${basename(dir)}.old`);
const complete = (dir: string) => existsSync(join(dir, COMPLETE_MARK));

/** Flushes a file or folder to disk (some platforms cannot open folders: then skip). */
function fsyncPath(p: string): void {
  let fd: number;
  try {
    fd = openSync(p, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // A folder that cannot be synced (some file systems): the data files were.
  } finally {
    closeSync(fd);
  }
}

function writeSynced(file: string, data: string | Uint8Array): void {
  writeFileSync(file, data);
  fsyncPath(file);
}

/** Finishes a swap that a killed process left half done (no `dir`, a complete `.new` or `.old`). */
function finishInterruptedSave(dir: string): void {
  if (existsSync(dir)) return;
  for (const candidate of [staging(dir), retired(dir)]) {
    if (complete(candidate)) {
      renameSync(candidate, dir);
      return;
    }
  }
}

/**
 * Saves the model and the trainer's state as the checkpoint in `dir` (replacing any there, as
 * described above). `head` goes into siamese.json, `run` into training.json.
 */
export async function saveTrainingCheckpoint(
  dir: string,
  model: SiameseModel | TripletModel,
  state: TrainerState,
  { head, run }: { head: Omit<CheckpointHead, 'format' | 'formatVersion' | 'model' | 'distance'>; run?: Record<string, unknown> },
): Promise<void> {
  const { head: stateHead, bytes } = encodeTrainerState(state, run);
  const next = staging(dir);
  const old = retired(dir);
  try {
    mkdirSync(dirname(dir), { recursive: true });
    finishInterruptedSave(dir);
    rmSync(next, { recursive: true, force: true });
    mkdirSync(next);
    writeSynced(join(next, STATE_BLOB_FILE), bytes);
    writeSynced(join(next, STATE_HEAD_FILE), JSON.stringify(stateHead) + '\n');
  } catch (e) {
    throw new Error(`cannot write the checkpoint into ${next}: ${(e as Error).message}`);
  }
  await saveCheckpoint(model, next, head); // model.json, weights.bin, then siamese.json
  fsyncPath(join(next, COMPLETE_MARK));
  fsyncPath(next);
  try {
    if (existsSync(dir)) {
      rmSync(old, { recursive: true, force: true });
      renameSync(dir, old);
    }
    renameSync(next, dir);
    fsyncPath(dirname(dir));
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    throw new Error(`cannot move the new checkpoint into ${dir}: ${(e as Error).message}`);
  }
}

/**
 * Finds the checkpoint to resume from `path`: a run folder (holding `checkpoint/`) or a
 * checkpoint folder, including one a killed save left in `.checkpoint.new/` or `.checkpoint.old/`.
 */
export function findTrainingCheckpoint(path: string, flag = '--resume'): FoundCheckpoint {
  const p = resolve(path);
  const asCheckpoint = (c: string): FoundCheckpoint | null => {
    for (const dir of [c, staging(c), retired(c)]) if (complete(dir)) return { dir, checkpointDir: c, runDir: dirname(c) };
    return null;
  };
  if (!existsSync(p)) {
    // The checkpoint folder itself, missing because a save was killed mid-swap.
    const found = existsSync(dirname(p)) ? asCheckpoint(p) : null;
    if (found) return found;
    throw new Error(`${flag} ${path}: no such folder`);
  }
  if (!statSync(p).isDirectory()) throw new Error(`${flag} ${path}: not a folder`);
  const found = (complete(p) ? { dir: p, checkpointDir: p, runDir: dirname(p) } : null) ?? asCheckpoint(join(p, 'checkpoint'));
  if (!found) throw new Error(`${flag} ${path}: no checkpoint there (expected ${join(p, 'checkpoint', STATE_HEAD_FILE)} or ${join(p, STATE_HEAD_FILE)})`);
  if (!existsSync(join(found.dir, STATE_HEAD_FILE))) {
    throw new Error(`${flag} ${path}: ${found.dir} holds a model but no training state (${STATE_HEAD_FILE}); it was not saved by 'siamese train' with checkpoints and cannot be resumed`);
  }
  return found;
}

/**
 * Reads and checks a checkpoint's head and trainer state (no GPU needed: the model's weights are
 * loaded later by `loadCheckpoint`). Every error names the file at fault and the problem.
 */
export function readTrainingCheckpoint(dir: string): TrainingCheckpoint {
  const head = readHead(join(dir, COMPLETE_MARK));
  const headFile = join(dir, STATE_HEAD_FILE);
  const blobFile = join(dir, STATE_BLOB_FILE);
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `${file} not found${what}` : `cannot read ${file}: ${(e as Error).message}`);
    }
  };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(read(headFile, '')));
  } catch (e) {
    if ((e as Error).message.includes(headFile)) throw e;
    throw new Error(`${headFile}: not valid JSON (${(e as Error).message}): the checkpoint is corrupt or truncated`);
  }
  const bytes = read(blobFile, ` (${headFile} needs it)`);
  const { state, run } = decodeTrainerState(json, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { head: headFile, bytes: blobFile });
  const kind = head.model === 'triplet' ? 'triplet' : 'contrastive';
  if (state.settings.kind !== kind) {
    throw new Error(`${headFile}: holds a ${state.settings.kind} trainer but ${join(dir, COMPLETE_MARK)} a ${head.model} model: the files come from different checkpoints`);
  }
  return { dir, state, run, head };
}

/** Checks that a loaded model is the one the state was saved with (same weights, same order). */
export function checkStateFitsModel(ck: TrainingCheckpoint, model: SiameseModel | TripletModel): void {
  const names = model.trainableWeights.map((w) => w.name ?? `variable_${w.id}`);
  const saved = ck.state.weightNames;
  if (names.length !== saved.length || names.some((n, i) => n !== saved[i])) {
    throw new Error(
      `${join(ck.dir, STATE_HEAD_FILE)}: the state is for weights [${saved.join(', ')}] but ${join(ck.dir, 'model.json')} has [${names.join(', ')}]: ` +
        'the files come from different checkpoints',
    );
  }
}
