/**
 * `siamese train` checkpoints from the command line, on a tiny IDX folder (12×12 images, so a
 * step is cheap; most of each run is compiling kernels):
 *  - a run killed with SIGKILL right after a checkpoint appeared leaves that checkpoint whole,
 *    and `--resume` finishes it with the history, metrics and weights of a run never stopped;
 *  - Ctrl-C (SIGINT) finishes the step, saves, says how to resume in one line and exits 130;
 *    resuming it with --epochs raised trains on, its first epochs equal to the unbroken run's;
 *  - corrupt, truncated, foreign or mismatched checkpoints and conflicting flags: one line
 *    naming the file and the problem, exit 1, and nothing in the folder changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdxU8 } from '../src/siamese/data/idx.js';
import { Random } from '../src/engine/random.js';
import { Dense, Flatten, Sequential, saveModel } from '../src/nn/index.js';
import { findTrainingCheckpoint, readTrainingCheckpoint } from '../src/siamese/node-training-checkpoint.js';
import { oneLine } from './helpers/cli.js';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI as one Node process (no tsx wrapper process), so signals reach it directly. */
function start(args: string[]): { child: ReturnType<typeof spawn>; done: Promise<Run>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, FORCE_COLOR: '0' } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

const run = (args: string[]) => start(args).done;

async function until(what: string, ok: () => boolean, ms = 240_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every file under `dir` with its bytes, to show that a failed command changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[p] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

let dir: string;
let data: string;
const TRAIN = ['--epochs', '2', '--pairs-per-epoch', '32', '--batch-size', '8', '--test-pairs', '20', '--seed', '3', '--read-every', '3', '--quiet'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'siamese-resume-cli-'));
  data = join(dir, 'data');
  mkdirSync(data);
  // 5 classes of 12×12 images: a class-dependent stripe plus seeded noise.
  const r = new Random(5);
  const write = (name: string, per: number) => {
    const px: number[] = [];
    const labels: number[] = [];
    for (let c = 0; c < 5; c++) {
      for (let i = 0; i < per; i++) {
        for (let k = 0; k < 144; k++) px.push(((k % 12) + 2 * c) % 12 < 3 ? 200 : r.int(80));
        labels.push(c);
      }
    }
    writeFileSync(join(data, `${name}-images-idx3-ubyte`), encodeIdxU8([5 * per, 12, 12], px));
    writeFileSync(join(data, `${name}-labels-idx1-ubyte`), encodeIdxU8([5 * per], labels));
  };
  write('train', 8);
  write('t10k', 4);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const curves = (h: Record<string, unknown>) => ({ loss: h.loss, accuracy: h.accuracy, val_loss: h.val_loss, val_accuracy: h.val_accuracy, batches: h.batches });

describe('siamese train: checkpoints, kill -9, Ctrl-C and --resume', () => {
  const ref = () => join(dir, 'ref');
  const killed = () => join(dir, 'killed');
  const stopped = () => join(dir, 'stopped');

  it('SIGKILL after a checkpoint leaves it whole; SIGINT saves one, exits 130 and says how to resume', async () => {
    // The unbroken run, the run killed outright and the run interrupted, side by side.
    const r = run(['train', '--data', `idx:${data}`, ...TRAIN, '--checkpoint-every', '0', '--out', ref()]);
    const k = start(['train', '--data', `idx:${data}`, ...TRAIN, '--checkpoint-every', '2', '--out', killed()]);
    const s = start(['train', '--data', `idx:${data}`, ...TRAIN.filter((f) => f !== '--quiet'), '--checkpoint-every', '0', '--out', stopped()]);

    // The "training:" line is printed just before the loop (and its signal handler) starts:
    // Ctrl-C at once, so that it lands in the first step (its kernels compile for seconds),
    // whatever the speed of the steps after it (8-pair steps take a fraction of a second).
    await until('training to start', () => s.stderr().includes('\ntraining: '));
    s.child.kill('SIGINT');
    await until('the first checkpoint', () => existsSync(join(killed(), 'checkpoint', 'siamese.json')));
    k.child.kill('SIGKILL');

    const [kr, sr, rr] = await Promise.all([k.done, s.done, r]);
    expect(rr.code, rr.stderr).toBe(0);
    expect(kr.signal).toBe('SIGKILL');
    expect(existsSync(join(killed(), 'history.json')), 'the killed run must not have finished').toBe(false);
    const ck = readTrainingCheckpoint(findTrainingCheckpoint(killed()).dir);
    expect(ck.state.steps % 2).toBe(0);
    expect(ck.state.steps).toBeGreaterThanOrEqual(2);

    expect(sr.code, sr.stderr).toBe(130);
    const last = sr.stderr.trim().split('\n').at(-1)!;
    // Here the signal lands during the first step (kernels compiling); elsewhere maybe later.
    const m = new RegExp(`^siamese train: interrupted by SIGINT at step (\\d+), epoch [12]/2; checkpoint saved in ${stopped()}/checkpoint; resume with: siamese train --resume ${stopped()}$`).exec(last);
    expect(m, last).not.toBeNull();
    expect(readTrainingCheckpoint(join(stopped(), 'checkpoint')).state.steps).toBe(Number(m![1]));
    expect(existsSync(join(stopped(), 'history.json'))).toBe(false);
  });

  it('--resume finishes both runs as if never stopped (bit for bit); --epochs may be raised', async () => {
    const [kr, sr] = await Promise.all([run(['train', '--resume', killed(), '--quiet']), run(['train', '--resume', join(stopped(), 'checkpoint'), '--epochs', '3', '--quiet'])]);
    expect(kr.code, kr.stderr).toBe(0);
    expect(sr.code, sr.stderr).toBe(0);

    const want = read(join(ref(), 'history.json'));
    expect(curves(read(join(killed(), 'history.json')))).toEqual(curves(want));
    expect(readFileSync(join(killed(), 'checkpoint', 'weights.bin')).equals(readFileSync(join(ref(), 'checkpoint', 'weights.bin')))).toBe(true);
    const [mk, mr] = [read(join(killed(), 'metrics.json')), read(join(ref(), 'metrics.json'))];
    expect([mk.testPairAccuracy, mk.rocAuc]).toEqual([mr.testPairAccuracy, mr.rocAuc]);

    // Three epochs: the first two are the unbroken two-epoch run's.
    const three = read(join(stopped(), 'history.json'));
    expect(three.loss).toHaveLength(3);
    for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) expect(three[key].slice(0, 2)).toEqual(want[key]);
    expect(three.batches.filter((b: { epoch: number }) => b.epoch < 2)).toEqual(want.batches);
  });

  it('a damaged, foreign or mismatched checkpoint and conflicting flags: one line naming the problem, nothing changed', async () => {
    const damaged: [string, (ck: string) => void, RegExp][] = [
      ['json', (ck) => truncateSync(join(ck, 'training.json'), 100), /training\.json: not valid JSON \(.*\): the checkpoint is corrupt or truncated/],
      ['foreign', (ck) => {
        const h = read(join(ck, 'training.json'));
        writeFileSync(join(ck, 'training.json'), JSON.stringify({ ...h, format: 'someone-else/state' }));
      }, /training\.json: not a webgpu-siamese training state \(format "someone-else\/state", expected "webgpu-siamese\/trainer-state"\)/],
      ['blob', (ck) => truncateSync(join(ck, 'training.bin'), 1000), /training\.bin holds 1000 bytes but .*training\.json expects \d+: the file is truncated/],
      ['moments', (ck) => {
        const h = read(join(ck, 'training.json'));
        writeFileSync(join(ck, 'training.json'), JSON.stringify({ ...h, optimizer: { ...h.optimizer, moments: [] } }));
      }, /training\.json: the optimizer has taken 8 steps but holds no moments for 'conv2d_1\/kernel'/],
      ['weights', (ck) => truncateSync(join(ck, 'weights.bin'), 64), /weights\.bin holds 64 bytes but .*model\.json expects \d+: the file is truncated/],
      ['other-model', () => {}, /training\.json: the state is for weights \[conv2d_1\/kernel, .*\] but .*model\.json has \[dense_\d+\/kernel, dense_\d+\/bias\]: the files come from different checkpoints/],
    ];
    const folders = damaged.map(([name]) => join(dir, `damaged-${name}`));
    damaged.forEach(([, spoil], i) => {
      cpSync(killed(), folders[i], { recursive: true });
      for (const f of ['history.json', 'metrics.json']) rmSync(join(folders[i], f));
      spoil(join(folders[i], 'checkpoint'));
    });
    // A model of other layers (same input) in place of the trained one.
    const other = new Sequential([new Flatten(), new Dense({ units: 8 })], { inputShape: [12, 12, 1], seed: 1 });
    await saveModel(other, join(folders[5], 'checkpoint'));
    other.dispose();

    const before = folders.map(snapshot);
    const conflicts: [string[], RegExp][] = [
      [['--batch-size', '16'], /--batch-size 16 conflicts with the run being resumed, which trained with --batch-size 8 \(.*training\.json\); leave it out, or start a new run/],
      [['--epochs', '1'], /--epochs 1: the run being resumed has already trained 2 epochs/],
      [['--out', join(dir, 'elsewhere')], /--out .*elsewhere: a resumed run continues in its own folder .*killed; leave --out out/],
    ];
    const killedBefore = snapshot(killed());
    const results = await Promise.all([
      ...folders.map((f) => run(['train', '--resume', f, '--quiet'])),
      ...conflicts.map(([flags]) => run(['train', '--resume', killed(), ...flags, '--quiet'])),
      run(['train', '--resume', data]),
    ]);
    const expected = [...damaged.map((d) => d[2]), ...conflicts.map((c) => c[1]), /--resume .*data: no checkpoint there/];
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(1);
      expect(oneLine(r.stderr)).toMatch(expected[i]);
      expect(r.stdout).toBe('');
    });
    folders.forEach((f, i) => expect(snapshot(f), f).toEqual(before[i]));
    expect(snapshot(killed())).toEqual(killedBefore);
    expect(existsSync(join(dir, 'elsewhere'))).toBe(false);
  });
});
