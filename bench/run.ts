/**
 * `npm run bench`: every measurement of issue 8 in one run, written to bench/RESULTS.md and
 * bench/results.json. `npm run bench -- --quick` runs a reduced set in a few minutes;
 * `npm run bench -- --profile` prints one training step's per-kernel profile and exits;
 * `--help` lists the flags (bench/args.ts).
 *
 * Sections run one after another on the adapter the engine picks. A section whose pieces are
 * missing or failing is reported as "not available: <reason>", never a crash, so the report is
 * always complete. Benchmarks are not tests: nothing here asserts a speed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { HELP, parseArgs, type BenchArgs } from './args.js';
import { attempt, isUnavailable, type AdapterResult, type BenchResults, type KernelRow } from './result.js';
import type { ChromiumSession } from './chromium.js';

const unavailable = (why: string) => ({ unavailable: why });

/**
 * Adds a second peak measurement and holds everything against the best of them: the peak is
 * what the adapter can do, and a busy machine only ever lowers a measurement.
 */
function usePeak(r: BenchResults, p: { gflops: number; gbps: number }): void {
  if (isUnavailable(r.adapter)) return;
  const a = r.adapter;
  a.samples.push(p);
  a.peakGflops = Math.max(...a.samples.map((s) => s.gflops));
  a.copyGbps = Math.max(...a.samples.map((s) => s.gbps));
  if (isUnavailable(r.kernels)) return;
  for (const row of r.kernels.rows) {
    if (isUnavailable(row)) continue;
    const k = row as KernelRow;
    k.pctPeak = 100 * (k.bound === 'compute' ? k.gflops / a.peakGflops : k.gbps / a.copyGbps);
  }
}

async function main(argv: string[]): Promise<void> {
  const parsed = parseArgs(argv);
  if (parsed === 'help') {
    console.log(HELP);
    return;
  }
  const a: BenchArgs = parsed;
  const { ready, shutdown } = await import('../src/index.js');
  const b = await ready();
  console.log(`bench: adapter ${b.adapterName}${b.software ? ' (software)' : ''}`);
  try {
    if (a.profileOnly) {
      const { profileStep } = await import('./kernels.js');
      console.log((await profileStep(64)).table);
      return;
    }
    await runAll(a, argv);
  } finally {
    shutdown();
  }
}

async function runAll(a: BenchArgs, argv: string[]): Promise<void> {
  const t0 = performance.now();
  const on = (s: string) => a.sections.includes(s as never);
  const notRun = unavailable('not run (--only)');
  let chromium: ChromiumSession | null = null;
  let chromiumFailed: Error | null = null;
  const openChromiumOnce = async (): Promise<ChromiumSession> => {
    if (chromiumFailed) throw chromiumFailed;
    if (!chromium) {
      try {
        const { openChromium } = await import('./chromium.js');
        chromium = await openChromium();
      } catch (e) {
        chromiumFailed = new Error(`headless Chromium: ${(e as Error).message.split('\n')[0]}`);
        throw chromiumFailed;
      }
    }
    return chromium;
  };

  console.log('bench: 1. adapter peak');
  const adapter = await attempt('adapter', async (): Promise<AdapterResult> => {
    const { backend } = await import('../src/index.js');
    const { measurePeak } = await import('./peak.js');
    const p = await measurePeak();
    const b = backend();
    return { name: b.adapterName, software: b.software, timestamps: b.hasTimestamps, boundsChecks: b.boundsChecks, peakGflops: p.gflops, copyGbps: p.gbps, samples: [p] };
  });
  if (!isUnavailable(adapter)) console.log(`  peak ${adapter.peakGflops.toFixed(2)} GFLOP/s, copy ${adapter.copyGbps.toFixed(2)} GB/s`);

  const results: BenchResults = {
    meta: {
      date: new Date().toISOString(),
      command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
      node: process.versions.node,
      platform: `${platform()} ${release()}`,
      cpus: cpus().length,
      quick: a.quick,
      seconds: 0,
    },
    adapter,
    kernels: notRun,
    training: notRun,
    inference: notRun,
    memory: notRun,
    goals: [],
    limits: [],
  };

  try {
    if (on('kernels')) {
      console.log('bench: 2. kernels');
      results.kernels = isUnavailable(adapter)
        ? unavailable(`needs the adapter's peak (${adapter.unavailable})`)
        : await attempt('kernels', async () => (await import('./kernels.js')).kernelsSection(a, adapter));
    }
    if (on('training')) {
      console.log('bench: 3. training throughput');
      results.training = await attempt('training', async () => (await import('./training.js')).trainingSection(a, openChromiumOnce));
    }
    if (on('inference')) {
      console.log('bench: 4. inference and search');
      results.inference = await attempt('inference', async () => (await import('./inference.js')).inferenceSection(a));
      const inf = results.inference;
      if (!isUnavailable(inf)) {
        const s = inf.search;
        console.log(`  ${inf.embeddingsPerSec.toFixed(0)} embeddings/s; search ${isUnavailable(s) ? 'not available' : `${s.medianMs.toFixed(1)} ms over ${s.gallery}`}`);
      }
    }
    if (on('memory')) {
      console.log('bench: 5. memory');
      results.memory = await attempt('memory', async () => (await import('./memory.js')).memorySection(a));
    }
  } finally {
    await (chromium as ChromiumSession | null)?.close().catch(() => undefined);
  }

  if (!isUnavailable(adapter)) {
    console.log('bench: adapter peak again');
    const again = await attempt('adapter peak (end)', async () => (await import('./peak.js')).measurePeak());
    if (!isUnavailable(again)) usePeak(results, again);
  }

  const { judgeGoals, whatLimits } = await import('./goals.js');
  results.goals = judgeGoals(results);
  results.limits = whatLimits(results);
  results.meta.seconds = (performance.now() - t0) / 1000;

  const { renderResults } = await import('./report.js');
  mkdirSync(a.outDir, { recursive: true });
  writeFileSync(join(a.outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(a.outDir, 'RESULTS.md'), renderResults(results));
  console.log(`bench: wrote ${join(a.outDir, 'RESULTS.md')} and results.json in ${(results.meta.seconds / 60).toFixed(1)} min`);
  for (const g of results.goals) console.log(`  goal: ${g.goal}: ${g.measured} (${g.status}${g.by ? `, ${g.by}` : ''})`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e) => {
    console.error(`bench: ${e instanceof Error ? e.stack : String(e)}`);
    process.exit(1);
  },
);
