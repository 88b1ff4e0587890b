/**
 * A Trainer's state between two steps, for checkpoints (`trainer.state()` makes one,
 * `trainer.restore()` takes one), and its encoding as a JSON head plus one binary blob.
 *
 * The state holds everything the next step depends on, so that a restored trainer (given the
 * same model weights) continues bit for bit as if it had never stopped: where training stands
 * (epoch, batch, steps), the sampler's random state *after* the current epoch's draw together
 * with that epoch's pairs or triplets (so nothing is re-drawn), the epoch's running sums exactly
 * as the GPU holds them, the last readback (the next sample is measured from it), the history
 * and samples so far, and the optimizer's state (Adam's moments and step count).
 *
 * Encoded, numbers that must keep every bit (the sums, the moments, the pair indices) go into
 * the blob as little-endian float32 / int32 arrays; the head lists each array (name, dtype,
 * offset, length) and carries the blob's length and CRC-32, so a truncated, corrupt or
 * mismatched blob is refused. Browser-safe: no `node:` imports (node-training-checkpoint.ts
 * puts the two parts on disk).
 */
import { crc32 } from '../nn/artifacts.js';
import type { OptimizerState } from '../nn/index.js';
import type { PairSet, TripletSet } from './pairs.js';

export const TRAINER_STATE_FORMAT = 'webgpu-siamese/trainer-state';
export const TRAINER_STATE_VERSION = 1;

/** Keras's History.history. */
export interface History {
  loss: number[];
  accuracy: number[];
  val_loss: number[];
  val_accuracy: number[];
}

/** One readback within an epoch (see Trainer.samples). */
export interface TrainerSample {
  epoch: number;
  batch: number;
  step: number;
  loss: number;
  accuracy: number;
  runningLoss: number;
  runningAccuracy: number;
}

/** The last completed readback of an epoch: the next sample is measured from it. */
export interface LastReadback {
  batch: number;
  loss: number;
  accuracy: number;
  pairs: number;
  /** The epoch's [loss·B, correct] sums at that readback (float32 values). */
  sums: [number, number];
}

/** The trainer settings a state belongs to; restoring into a trainer with others is refused. */
export interface TrainerSettings {
  kind: 'contrastive' | 'triplet';
  batchSize: number;
  pairsPerEpoch: number;
  /** A sampler function is saved as 'custom' (the caller passes the function again). */
  sampler: 'balanced' | 'seed' | 'custom';
  margin: number;
  threshold: number;
  readEvery: number;
  /** Online mining (P×K batches drawn at each step from the rng), if used. */
  mining?: { strategy: string; classesPerBatch: number; samplesPerClass: number } | null;
}

export interface TrainerState {
  settings: TrainerSettings;
  /** Completed epochs. */
  epoch: number;
  /** Optimizer steps taken in all. */
  steps: number;
  /** Batches done in the current epoch (0 when between epochs). */
  batch: number;
  /** Examples done in the current epoch. */
  pairsDone: number;
  /** Wall-clock seconds spent in the current epoch so far (for its pairs/s). */
  epochSeconds: number;
  /** The sampler's random state (xoshiro128**, four uint32). */
  rng: number[];
  history: History;
  samples: TrainerSample[];
  last: LastReadback | null;
  /** The current epoch's running [loss·B, correct] sums; null between epochs. */
  sums: Float32Array | null;
  /** The current epoch's pairs (Siamese) or triplets (triplet network); null between epochs. */
  pairs: PairSet | null;
  triplets: TripletSet | null;
  /** The 'seed' sampler's fixed pair set, drawn once (null until drawn or for other samplers). */
  seedPairs: PairSet | null;
  optimizer: OptimizerState;
  /** Names of the model's trainable weights in order: the keys of `optimizer.moments`. */
  weightNames: string[];
}

type ArrayDtype = 'float32' | 'int32';

/** Where one array sits in the blob. */
export interface StateArrayEntry {
  name: string;
  dtype: ArrayDtype;
  /** Byte offset; entries are concatenated in order, 4 bytes per element. */
  offset: number;
  length: number;
}

/** The JSON half of an encoded state. */
export interface TrainerStateHead {
  format: typeof TRAINER_STATE_FORMAT;
  formatVersion: number;
  settings: TrainerSettings;
  position: { epoch: number; steps: number; batch: number; pairsDone: number; epochSeconds: number };
  rng: number[];
  history: History;
  samples: TrainerSample[];
  last: LastReadback | null;
  optimizer: { className: OptimizerState['className']; iterations: number; moments: string[] };
  weightNames: string[];
  /** Caller's facts (a CLI stores its flags here); returned untouched by decode. */
  run?: Record<string, unknown>;
  blob: { byteLength: number; crc32: number; arrays: StateArrayEntry[] };
}

/** Turns a state into a JSON-safe head and the bytes of its arrays. */
export function encodeTrainerState(state: TrainerState, run?: Record<string, unknown>): { head: TrainerStateHead; bytes: Uint8Array } {
  const arrays: [string, Float32Array | Int32Array][] = [];
  if (state.sums) arrays.push(['sums', state.sums]);
  const pairs = (prefix: string, p: PairSet | null) => {
    if (p) arrays.push([`${prefix}/left`, p.left], [`${prefix}/right`, p.right], [`${prefix}/labels`, p.labels]);
  };
  pairs('pairs', state.pairs);
  if (state.triplets) arrays.push(['triplets/anchor', state.triplets.anchor], ['triplets/positive', state.triplets.positive], ['triplets/negative', state.triplets.negative]);
  pairs('seedPairs', state.seedPairs);
  const momentNames = Object.keys(state.optimizer.moments);
  for (const name of momentNames) {
    const s = state.optimizer.moments[name];
    arrays.push([`moments/${name}/m`, Float32Array.from(s.m)], [`moments/${name}/v`, Float32Array.from(s.v)]);
  }
  const entries: StateArrayEntry[] = [];
  let offset = 0;
  for (const [name, a] of arrays) {
    entries.push({ name, dtype: a instanceof Int32Array ? 'int32' : 'float32', offset, length: a.length });
    offset += 4 * a.length;
  }
  const bytes = new Uint8Array(offset);
  const view = new DataView(bytes.buffer);
  arrays.forEach(([, a], i) => {
    const at = entries[i].offset;
    if (a instanceof Int32Array) for (let k = 0; k < a.length; k++) view.setInt32(at + 4 * k, a[k], true);
    else for (let k = 0; k < a.length; k++) view.setFloat32(at + 4 * k, a[k], true);
  });
  const head: TrainerStateHead = {
    format: TRAINER_STATE_FORMAT,
    formatVersion: TRAINER_STATE_VERSION,
    settings: { ...state.settings },
    position: { epoch: state.epoch, steps: state.steps, batch: state.batch, pairsDone: state.pairsDone, epochSeconds: state.epochSeconds },
    rng: [...state.rng],
    history: state.history,
    samples: state.samples,
    last: state.last,
    optimizer: { className: state.optimizer.className, iterations: state.optimizer.iterations, moments: momentNames },
    weightNames: [...state.weightNames],
    ...(run ? { run } : {}),
    blob: { byteLength: bytes.byteLength, crc32: crc32(bytes), arrays: entries },
  };
  return { head, bytes };
}

/** File names for error messages (the Node loader passes full paths). */
export interface StateFileNames {
  head: string;
  bytes: string;
}

/**
 * Rebuilds a state from a parsed head and the blob, checking every field; each error names the
 * file at fault and what was expected.
 */
export function decodeTrainerState(
  head: unknown,
  bytes: Uint8Array,
  names: StateFileNames = { head: 'training.json', bytes: 'training.bin' },
): { state: TrainerState; run?: Record<string, unknown> } {
  const hf = names.head;
  const fail = (what: string): never => {
    throw new Error(`${hf}: ${what}`);
  };
  if (!isObject(head)) fail(`expected a JSON object, got ${Array.isArray(head) ? 'an array' : JSON.stringify(head)}`);
  const h = head as Record<string, unknown>;
  if (h.format !== TRAINER_STATE_FORMAT) fail(`not a webgpu-siamese training state (format ${JSON.stringify(h.format)}, expected "${TRAINER_STATE_FORMAT}")`);
  if (h.formatVersion !== TRAINER_STATE_VERSION) fail(`format version ${JSON.stringify(h.formatVersion)} is not supported (expected ${TRAINER_STATE_VERSION})`);

  const settings = checkSettings(h.settings, fail);
  const p = isObject(h.position) ? h.position : fail('"position" must be an object');
  const epoch = count(p.epoch, 'position.epoch', fail);
  const steps = count(p.steps, 'position.steps', fail);
  const batch = count(p.batch, 'position.batch', fail);
  const pairsDone = count(p.pairsDone, 'position.pairsDone', fail);
  const epochSeconds = typeof p.epochSeconds === 'number' && p.epochSeconds >= 0 ? p.epochSeconds : fail('"position.epochSeconds" must be a number >= 0');
  const rng = Array.isArray(h.rng) && h.rng.length === 4 && h.rng.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff) ? (h.rng as number[]) : fail(`"rng" must be 4 unsigned 32-bit integers, got ${JSON.stringify(h.rng)}`);
  const history = checkHistory(h.history, fail);
  const samples = Array.isArray(h.samples) && h.samples.every((s) => isObject(s) && ['epoch', 'batch', 'step', 'loss', 'accuracy', 'runningLoss', 'runningAccuracy'].every((k) => typeof s[k] === 'number'))
    ? (h.samples as TrainerSample[])
    : fail('"samples" must be a list of readbacks { epoch, batch, step, loss, accuracy, runningLoss, runningAccuracy }');
  const last = h.last === null ? null : checkLast(h.last, fail);
  const o = isObject(h.optimizer) ? h.optimizer : fail('"optimizer" must be an object');
  if (o.className !== 'Adam' && o.className !== 'SGD') fail(`"optimizer.className" must be "Adam" or "SGD", got ${JSON.stringify(o.className)}`);
  const iterations = count(o.iterations, 'optimizer.iterations', fail);
  const momentNames = Array.isArray(o.moments) && o.moments.every((n) => typeof n === 'string') ? (o.moments as string[]) : fail('"optimizer.moments" must be a list of weight names');
  const weightNames = Array.isArray(h.weightNames) && h.weightNames.every((n) => typeof n === 'string') ? (h.weightNames as string[]) : fail('"weightNames" must be a list of strings');
  if (h.run !== undefined && !isObject(h.run)) fail('"run" must be an object');

  const arrays = readBlob(h.blob, bytes, names);
  const take = (name: string, dtype: ArrayDtype): Float32Array | Int32Array | null => {
    const a = arrays.get(name);
    if (a && (a instanceof Int32Array ? 'int32' : 'float32') !== dtype) fail(`array '${name}' must be ${dtype}`);
    arrays.delete(name);
    return a ?? null;
  };
  const need = (name: string, dtype: ArrayDtype, why: string): Float32Array | Int32Array => take(name, dtype) ?? fail(`array '${name}' is missing from ${names.bytes} (${why})`);
  const pairSet = (prefix: string): PairSet | null => {
    const left = take(`${prefix}/left`, 'int32');
    if (!left) return null;
    const right = need(`${prefix}/right`, 'int32', `${prefix}/left is there`) as Int32Array;
    const labels = need(`${prefix}/labels`, 'float32', `${prefix}/left is there`) as Float32Array;
    if (right.length !== left.length || labels.length !== left.length) fail(`arrays '${prefix}/*' differ in length`);
    return { left: left as Int32Array, right, labels };
  };

  const sums = take('sums', 'float32') as Float32Array | null;
  if (sums && sums.length !== 2) fail(`array 'sums' must hold 2 values, holds ${sums.length}`);
  const pairs = pairSet('pairs');
  let triplets: TripletSet | null = null;
  const anchor = take('triplets/anchor', 'int32');
  if (anchor) {
    const positive = need('triplets/positive', 'int32', 'triplets/anchor is there') as Int32Array;
    const negative = need('triplets/negative', 'int32', 'triplets/anchor is there') as Int32Array;
    if (positive.length !== anchor.length || negative.length !== anchor.length) fail("arrays 'triplets/*' differ in length");
    triplets = { anchor: anchor as Int32Array, positive, negative };
  }
  const seedPairs = pairSet('seedPairs');
  // A started epoch needs its examples, and its position must lie inside them.
  if (sums) {
    // Mining draws each batch at its step: the epoch has a size but no stored examples.
    const mined = settings.mining ? Math.ceil(settings.pairsPerEpoch / settings.batchSize) * settings.batchSize : undefined;
    const examples = mined ?? (settings.kind === 'triplet' ? triplets?.anchor.length : pairs?.labels.length);
    if (examples === undefined) fail(`the current epoch's ${settings.kind === 'triplet' ? 'triplets' : 'pairs'} are missing from ${names.bytes}`);
    // (A finished epoch is closed at once, so a started one always has examples left.)
    if (pairsDone !== batch * settings.batchSize || pairsDone >= examples!) {
      fail(`position (batch ${batch}, ${pairsDone} examples done) does not fit an epoch of ${examples} examples in batches of ${settings.batchSize}`);
    }
  } else if (batch !== 0 || pairsDone !== 0) fail(`position says batch ${batch} of an epoch, but the epoch's running sums are missing from ${names.bytes}`);

  const moments: OptimizerState['moments'] = {};
  for (const name of momentNames) {
    const m = need(`moments/${name}/m`, 'float32', 'the optimizer lists it');
    const v = need(`moments/${name}/v`, 'float32', 'the optimizer lists it');
    if (m.length !== v.length) fail(`optimizer moments of '${name}' differ in length (m ${m.length}, v ${v.length})`);
    moments[name] = { m: m as Float32Array, v: v as Float32Array };
  }
  if (o.className === 'Adam' && iterations > 0) {
    const missing = weightNames.filter((n) => !(n in moments));
    if (missing.length) fail(`the optimizer has taken ${iterations} steps but holds no moments for ${missing.map((n) => `'${n}'`).join(', ')}`);
  }
  if (arrays.size) fail(`${names.bytes} holds arrays nobody reads: ${[...arrays.keys()].join(', ')}`);

  const state: TrainerState = {
    settings,
    epoch,
    steps,
    batch,
    pairsDone,
    epochSeconds,
    rng,
    history,
    samples,
    last,
    sums,
    pairs: sums && settings.kind === 'contrastive' ? pairs : null,
    triplets: sums && settings.kind === 'triplet' ? triplets : null,
    seedPairs,
    optimizer: { className: o.className as OptimizerState['className'], iterations, moments },
    weightNames,
  };
  return { state, run: h.run as Record<string, unknown> | undefined };
}

/** Checks the blob against the head's table and splits it into named arrays. */
function readBlob(blob: unknown, bytes: Uint8Array, names: StateFileNames): Map<string, Float32Array | Int32Array> {
  const hf = names.head;
  if (!isObject(blob) || !Number.isInteger(blob.byteLength) || !Number.isInteger(blob.crc32) || !Array.isArray(blob.arrays)) {
    throw new Error(`${hf}: "blob" must hold "byteLength" and "crc32" (integers) and "arrays" (a list)`);
  }
  if (bytes.byteLength !== blob.byteLength) {
    throw new Error(
      `${names.bytes} holds ${bytes.byteLength} bytes but ${hf} expects ${blob.byteLength}: ` +
        `the file is ${bytes.byteLength < (blob.byteLength as number) ? 'truncated' : 'too long'} or belongs to another checkpoint`,
    );
  }
  const crc = crc32(bytes);
  if (crc !== blob.crc32) {
    throw new Error(`${names.bytes} does not match ${hf} (CRC-32 0x${crc.toString(16).padStart(8, '0')}, expected 0x${(blob.crc32 as number).toString(16).padStart(8, '0')}): the file is corrupt, or comes from another checkpoint`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, Float32Array | Int32Array>();
  let offset = 0;
  for (const [i, e] of (blob.arrays as unknown[]).entries()) {
    if (!isObject(e) || typeof e.name !== 'string' || (e.dtype !== 'float32' && e.dtype !== 'int32') || !Number.isInteger(e.length) || (e.length as number) < 0) {
      throw new Error(`${hf}: blob array ${i} must be { name, dtype: "float32" | "int32", offset, length }`);
    }
    if (e.offset !== offset || offset + 4 * (e.length as number) > bytes.byteLength) {
      throw new Error(`${hf}: blob array '${e.name}' must start at byte ${offset} and fit in ${bytes.byteLength} bytes (arrays are concatenated in order)`);
    }
    if (out.has(e.name)) throw new Error(`${hf}: blob array '${e.name}' is listed twice`);
    const n = e.length as number;
    const a = e.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    if (a instanceof Int32Array) for (let k = 0; k < n; k++) a[k] = view.getInt32(offset + 4 * k, true);
    else for (let k = 0; k < n; k++) a[k] = view.getFloat32(offset + 4 * k, true);
    out.set(e.name, a);
    offset += 4 * n;
  }
  if (offset !== bytes.byteLength) throw new Error(`${hf}: blob arrays cover ${offset} bytes, ${names.bytes} holds ${bytes.byteLength}`);
  return out;
}

function checkSettings(s: unknown, fail: (what: string) => never): TrainerSettings {
  if (!isObject(s)) fail('"settings" must be an object');
  const o = s as Record<string, unknown>;
  if (o.kind !== 'contrastive' && o.kind !== 'triplet') fail(`"settings.kind" must be "contrastive" or "triplet", got ${JSON.stringify(o.kind)}`);
  if (o.sampler !== 'balanced' && o.sampler !== 'seed' && o.sampler !== 'custom') fail(`"settings.sampler" must be "balanced", "seed" or "custom", got ${JSON.stringify(o.sampler)}`);
  for (const k of ['batchSize', 'pairsPerEpoch', 'readEvery']) if (!Number.isInteger(o[k]) || (o[k] as number) < 1) fail(`"settings.${k}" must be a positive integer, got ${JSON.stringify(o[k])}`);
  for (const k of ['margin', 'threshold']) if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) fail(`"settings.${k}" must be a number, got ${JSON.stringify(o[k])}`);
  const m = o.mining;
  if (m !== undefined && m !== null && !(isObject(m) && typeof m.strategy === 'string' && Number.isInteger(m.classesPerBatch) && Number.isInteger(m.samplesPerClass))) {
    fail(`"settings.mining" must be null or { strategy, classesPerBatch, samplesPerClass }, got ${JSON.stringify(m)}`);
  }
  return o as unknown as TrainerSettings;
}

function checkHistory(h: unknown, fail: (what: string) => never): History {
  const keys = ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const;
  if (!isObject(h) || !keys.every((k) => Array.isArray(h[k]) && (h[k] as unknown[]).every((v) => typeof v === 'number'))) {
    fail('"history" must hold lists of numbers "loss", "accuracy", "val_loss" and "val_accuracy"');
  }
  const o = h as Record<string, number[]>;
  return { loss: o.loss, accuracy: o.accuracy, val_loss: o.val_loss, val_accuracy: o.val_accuracy };
}

function checkLast(l: unknown, fail: (what: string) => never): LastReadback {
  const ok = isObject(l) && ['batch', 'loss', 'accuracy', 'pairs'].every((k) => typeof l[k] === 'number') &&
    Array.isArray(l.sums) && l.sums.length === 2 && l.sums.every((v) => typeof v === 'number');
  if (!ok) fail('"last" must be null or { batch, loss, accuracy, pairs, sums: [2 numbers] }');
  const o = l as Record<string, unknown>;
  return { batch: o.batch as number, loss: o.loss as number, accuracy: o.accuracy as number, pairs: o.pairs as number, sums: o.sums as [number, number] };
}

function count(v: unknown, what: string, fail: (what: string) => never): number {
  if (!Number.isInteger(v) || (v as number) < 0) fail(`"${what}" must be an integer >= 0, got ${JSON.stringify(v)}`);
  return v as number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
