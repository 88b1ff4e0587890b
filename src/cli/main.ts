/**
 * The `siamese` command line (bin/siamese.mjs runs this file with tsx; `npm start` runs
 * `siamese train` with its defaults). Any failure prints one line on stderr and exits non-zero:
 * 2 for a usage error, 130 / 143 for a `train` stopped by Ctrl-C / SIGTERM (after saving its
 * checkpoint), 1 for everything else (missing files, malformed data, GPU errors).
 */
// The package entry, for its side effect: it tells tidy() how to recognise the tensors a
// function returns (setTensorCheck); without it tidy() would free returned tensors too.
import '../index.js';
import { parseArgs, UsageError, USAGE, type Command } from './args.js';
import { INTEROP_USAGE, isInteropCommand, parseInteropArgs, type ExportArgs, type ImportArgs } from './interop-args.js';
import { shutdown } from '../engine/device.js';
import { setKernelTuning } from '../engine/tuning.js';
import { isToolkitArgs, isToolkitCommand, parseToolkitArgs, TOOLKIT_USAGE, type ToolkitArgs } from './toolkit-args.js';

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s*\n\s*/g, ' ').trim();
}

async function main(argv: string[]): Promise<number> {
  let cmd: Command | ExportArgs | ImportArgs | ToolkitArgs;
  try {
    cmd = isToolkitCommand(argv[0]) ? parseToolkitArgs(argv) : isInteropCommand(argv[0]) ? parseInteropArgs(argv) : parseArgs(argv);
  } catch (e) {
    process.stderr.write(`siamese: ${oneLine(e)}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
  if (cmd.command === 'help') {
    process.stdout.write(USAGE + INTEROP_USAGE + TOOLKIT_USAGE);
    return 0;
  }
  try {
    // Every command but a long `train` embeds or evaluates for seconds: kernels that compile
    // fast serve it better than the fastest ones (src/engine/tuning.ts). train decides itself.
    if (cmd.command !== 'train') setKernelTuning('fast-startup');
    // Each command's module loads only when it runs, so --help and usage errors are instant.
    if (cmd.command === 'train') await (await import('./train.js')).runTrain(cmd);
    else if (cmd.command === 'eval') await (await import('./eval.js')).runEval(cmd);
    else if (isToolkitArgs(cmd)) await (await import('./toolkit.js')).runToolkit(cmd);
    else if (cmd.command === 'export') await (await import('./export.js')).runExport(cmd);
    else await (await import('./import.js')).runImport(cmd);
    return 0;
  } catch (e) {
    process.stderr.write(`siamese ${cmd.command}: ${oneLine(e)}\n`);
    if (process.env.SIAMESE_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    // An interrupted train (Ctrl-C: 130) says which signal ended it; everything else is 1.
    const code = (e as { exitCode?: unknown } | null)?.exitCode;
    return typeof code === 'number' ? code : 1;
  } finally {
    shutdown();
  }
}

process.exitCode = await main(process.argv.slice(2));
