/**
 * Flags of the toolkit commands (calibrate, verify, oneshot, search, bundle). They reuse args.ts's strict
 * flag parser; the image files some commands take are positional arguments, split off here.
 */
import { parseFlags, UsageError, type FlagSpec } from './args.js';

const checkpoint = { type: { kind: 'string' }, help: 'a run folder or its checkpoint/ folder' } as const;
const bundle = { type: { kind: 'string' }, help: 'a bundle file (siamese bundle) instead of --checkpoint: model, threshold and gallery in one' } as const;
const data = { type: { kind: 'string' }, help: "'bundled', 'idx:DIR' or 'folder:DIR' (default: the data the checkpoint was trained on)" } as const;

export const CALIBRATE_FLAGS = {
  checkpoint,
  data,
  method: { type: { kind: 'enum', values: ['best-accuracy', 'eer', 'far'] }, help: 'how to pick the threshold', default: 'best-accuracy' },
  far: { type: { kind: 'number', range: [0, 1] }, help: "target false-accept rate, for --method far", default: 0.01 },
  'batch-size': { type: { kind: 'int', min: 1 }, help: 'pairs per batch', default: 128 },
} satisfies Record<string, FlagSpec>;

export const VERIFY_FLAGS = {
  checkpoint,
  bundle,
  threshold: { type: { kind: 'number', range: [-1, 2] }, help: "same when 1 - distance > threshold (default: calibration.json's, else siamese.json's)" },
} satisfies Record<string, FlagSpec>;

export const ONESHOT_FLAGS = {
  checkpoint,
  data,
  ways: { type: { kind: 'int', min: 2 }, help: 'classes per episode (N)', default: 5 },
  shots: { type: { kind: 'int', min: 1 }, help: 'labelled examples per class (K)', default: 1 },
  queries: { type: { kind: 'int', min: 1 }, help: 'queries per class per episode', default: 1 },
  episodes: { type: { kind: 'int', min: 1 }, help: 'seeded episodes to average', default: 200 },
  classes: { type: { kind: 'string' }, help: "classes to draw from, e.g. '7-9' or '0,2,4' (default: those train --classes held out, else all)" },
  seed: { type: { kind: 'int', min: 0 }, help: 'seeds the episodes', default: 1 },
} satisfies Record<string, FlagSpec>;

export const SEARCH_FLAGS = {
  checkpoint,
  bundle,
  gallery: { type: { kind: 'string' }, help: "build the index from this data's training split ('bundled', 'idx:DIR' or 'folder:DIR') and save it with the checkpoint; default: the saved index" },
  k: { type: { kind: 'int', min: 1 }, help: 'results per query', default: 5 },
  evaluate: { type: { kind: 'bool' }, help: "also score the index with the data's test split as queries (recall@k, precision@k, MAP@R)", default: false },
} satisfies Record<string, FlagSpec>;

export const BUNDLE_FLAGS = {
  checkpoint,
  gallery: {
    type: { kind: 'string' },
    help: "'none', a checkpoint (or its gallery/ folder) whose saved index to take, or data whose training split to index ('bundled', 'idx:DIR', 'folder:DIR'); default: the checkpoint's saved index if it has one",
  },
  out: { type: { kind: 'string' }, help: 'the bundle file to write (e.g. model.siamese)' },
} satisfies Record<string, FlagSpec>;

const SPECS = { calibrate: CALIBRATE_FLAGS, verify: VERIFY_FLAGS, oneshot: ONESHOT_FLAGS, search: SEARCH_FLAGS, bundle: BUNDLE_FLAGS } as const;
export type ToolkitCommand = keyof typeof SPECS;

export function isToolkitCommand(c: string | undefined): c is ToolkitCommand {
  return c !== undefined && Object.hasOwn(SPECS, c);
}

export function isToolkitArgs(a: { command: string }): a is ToolkitArgs {
  return isToolkitCommand(a.command) && 'files' in a;
}

/** Positional arguments each command takes: [min, max, what]. */
const POSITIONAL: Record<ToolkitCommand, [number, number, string]> = {
  calibrate: [0, 0, ''],
  verify: [2, 2, 'IMG1.png IMG2.png'],
  oneshot: [0, 0, ''],
  search: [0, Infinity, 'QUERY.png ...'],
  bundle: [0, 0, ''],
};

export interface ToolkitArgs<C extends ToolkitCommand = ToolkitCommand> {
  command: C;
  flags: ReturnType<typeof parseFlags<(typeof SPECS)[C]>>;
  files: string[];
}

export function parseToolkitArgs(argv: string[]): ToolkitArgs {
  const command = argv[0] as ToolkitCommand;
  const specs: Record<string, FlagSpec> = SPECS[command];
  const flags: string[] = [];
  const files: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      files.push(a);
      continue;
    }
    flags.push(a);
    const name = a.slice(2).split('=')[0];
    // A flag that takes a value consumes the next argument (parseFlags checks it).
    if (!a.includes('=') && specs[name] && specs[name].type.kind !== 'bool' && i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags.push(argv[++i]);
  }
  const parsed = parseFlags(command, specs, flags) as Record<string, unknown>;
  if ('bundle' in specs && parsed.bundle !== undefined) {
    // verify and search run from a bundle file as well as from a checkpoint, never both.
    if (parsed.checkpoint !== undefined) throw new UsageError(`${command}: give --checkpoint DIR or --bundle FILE, not both`);
    if (parsed.gallery !== undefined || parsed.evaluate) throw new UsageError(`${command}: --gallery and --evaluate need --checkpoint (a bundle carries its own gallery)`);
    if (command === 'search' && files.length === 0) throw new UsageError('search: --bundle needs QUERY.png files to search for');
  } else if (parsed.checkpoint === undefined) {
    const or = 'bundle' in specs ? ', or --bundle FILE' : '';
    throw new UsageError(`${command}: --checkpoint DIR is required (a run folder or its checkpoint/ folder${or})`);
  }
  if (command === 'bundle' && parsed.out === undefined) throw new UsageError('bundle: --out FILE is required (the bundle file to write, e.g. model.siamese)');
  const [min, max, what] = POSITIONAL[command];
  if (files.length < min || files.length > max) {
    throw new UsageError(max === 0 ? `${command}: unexpected argument '${files[0]}'` : `${command}: expected ${what}, got ${files.length} file${files.length === 1 ? '' : 's'}`);
  }
  return { command, flags: parsed, files } as ToolkitArgs;
}

function describe(specs: Record<string, FlagSpec>): string {
  return Object.entries(specs)
    .map(([k, s]) => `  --${k.padEnd(16)} ${s.help}${s.default !== undefined && s.type.kind !== 'bool' ? ` (default ${s.default})` : ''}`)
    .join('\n');
}

export const TOOLKIT_USAGE = `
  siamese calibrate --checkpoint DIR [flags]   pick the match threshold on validation pairs; writes calibration.json
${describe(CALIBRATE_FLAGS)}

  siamese verify --checkpoint DIR IMG1.png IMG2.png   same identity or not, with the calibrated threshold
  siamese verify --bundle FILE IMG1.png IMG2.png
${describe(VERIFY_FLAGS)}

  siamese oneshot --checkpoint DIR [flags]     N-way K-shot accuracy with a 95% CI over seeded episodes
${describe(ONESHOT_FLAGS)}

  siamese search --checkpoint DIR [--gallery DATA] [QUERY.png ...]   nearest gallery images
  siamese search --bundle FILE QUERY.png ...
${describe(SEARCH_FLAGS)}

  siamese bundle --checkpoint DIR [--gallery ...] --out FILE   weights, threshold and gallery in one file
${describe(BUNDLE_FLAGS)}
`;
