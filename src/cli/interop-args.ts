/**
 * Flags of `siamese export` and `siamese import` (moving models to and from TensorFlow.js),
 * parsed with the same strict rules as train/eval (src/cli/args.ts).
 */
import { parseFlags, UsageError, type FlagSpec } from './args.js';

export const EXPORT_FLAGS = {
  checkpoint: { type: { kind: 'string' }, help: 'a run folder or its checkpoint/ folder' },
  format: { type: { kind: 'enum', values: ['tfjs'] }, help: "'tfjs': the TensorFlow.js Layers format (model.json + weight shards)", default: 'tfjs' },
  out: { type: { kind: 'string' }, help: 'folder to write model.json and the weight shards into' },
  'shard-bytes': { type: { kind: 'int', min: 4 }, help: 'largest weight shard file in bytes', default: 4 * 1024 * 1024 },
} satisfies Record<string, FlagSpec>;

export const IMPORT_FLAGS = {
  out: { type: { kind: 'string' }, help: 'checkpoint folder to write (what eval --checkpoint reads)' },
  model: { type: { kind: 'enum', values: ['siamese', 'triplet'] }, help: "how the network was trained (default: the model's metadata, else siamese)" },
  distance: { type: { kind: 'enum', values: ['euclidean', 'cosine'] }, help: "embedding distance (default: the model's metadata, else euclidean)" },
  margin: { type: { kind: 'number', positive: true }, help: "loss margin (default: the model's metadata, else 1)" },
  threshold: { type: { kind: 'number', range: [-1, 2] }, help: "a pair is \"same\" when 1 - distance > threshold (default: the model's metadata, else 0.5)" },
  'input-shape': { type: { kind: 'string' }, help: 'H,W,C for a model saved with unknown input dimensions' },
} satisfies Record<string, FlagSpec>;

export type ExportArgs = { command: 'export' } & ReturnType<typeof parseFlags<typeof EXPORT_FLAGS>>;
export type ImportArgs = { command: 'import'; modelJson: string; inputShape?: number[] } & ReturnType<typeof parseFlags<typeof IMPORT_FLAGS>>;

export function isInteropCommand(command: string | undefined): command is 'export' | 'import' {
  return command === 'export' || command === 'import';
}

/** Parses `siamese export ...` or `siamese import MODEL.json ...`. */
export function parseInteropArgs(argv: string[]): ExportArgs | ImportArgs {
  const [command, ...rest] = argv;
  if (command === 'export') {
    const a = parseFlags('export', EXPORT_FLAGS, rest);
    if (a.checkpoint === undefined) throw new UsageError('export: --checkpoint DIR is required (a run folder or its checkpoint/ folder)');
    if (a.out === undefined) throw new UsageError('export: --out DIR is required (where model.json and the weight shards go)');
    return { command: 'export', ...a };
  }
  const [modelJson, ...flags] = rest;
  if (modelJson === undefined || modelJson.startsWith('--')) throw new UsageError('import: expected the TF.js model.json to import first (siamese import MODEL.json --out DIR)');
  const a = parseFlags('import', IMPORT_FLAGS, flags);
  if (a.out === undefined) throw new UsageError('import: --out DIR is required (the checkpoint folder to write)');
  let inputShape: number[] | undefined;
  if (a['input-shape'] !== undefined) {
    inputShape = a['input-shape'].split(',').map((s) => Number(s.trim()));
    if (!inputShape.every((d) => Number.isInteger(d) && d > 0)) throw new UsageError(`--input-shape: expected positive integers like 28,28,1, got '${a['input-shape']}'`);
  }
  return { command: 'import', modelJson, inputShape, ...a };
}

function describe(specs: Record<string, FlagSpec>): string {
  return Object.entries(specs)
    .map(([k, s]) => `  --${k.padEnd(16)} ${s.help}${s.default !== undefined ? ` (default ${s.default})` : ''}`)
    .join('\n');
}

export const INTEROP_USAGE = `
  siamese export --checkpoint DIR --format tfjs --out DIR2    the base network for tf.loadLayersModel
${describe(EXPORT_FLAGS)}

  siamese import MODEL.json --out DIR     a TF.js Layers model as a checkpoint for eval
${describe(IMPORT_FLAGS)}
`;
