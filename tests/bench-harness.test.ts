/**
 * The benchmark harness's arithmetic (bench/): the FLOP and shape counts that every GFLOP/s
 * divides by, the goal judgements, the CPU top-k of the search fallback, and the flags. No speed
 * is asserted anywhere: benchmarks are not tests.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { seedParameterCount, seedShapes, stepFlops, FLOPS_PER_PAIR } from '../bench/seed-flops.js';
import { judgeGoals, trainingRatios } from '../bench/goals.js';
import { smallestK } from '../bench/inference.js';
import { parseArgs, type BenchArgs } from '../bench/args.js';
import { median } from '../bench/stats.js';
import { timeKernel } from '../bench/measure.js';
import type { BenchResults, TrainingRow } from '../bench/result.js';
import { backend, randomUniform } from '../src/index.js';
import { matMulKernel } from '../src/kernels/matmul.js';

describe('seed network counts', () => {
  it('shapes and parameters match the same network built with tfjs-layers', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 128, activation: 'relu' }),
        tf.layers.dense({ units: 64 }),
      ],
    });
    const out = model.layers.map((l) => (l.outputShape as number[]).slice(1));
    const s = seedShapes(1);
    expect(out[0]).toEqual([s.conv1.outH, s.conv1.outW, s.conv1.cout]);
    expect(out[1]).toEqual([s.pool1.outH, s.pool1.outW, s.pool1.channels]);
    expect(out[2]).toEqual([s.conv2.outH, s.conv2.outW, s.conv2.cout]);
    expect(out[3]).toEqual([s.pool2.outH, s.pool2.outW, s.pool2.channels]);
    expect(out[4]).toEqual([s.dense1.inputs]);
    expect(seedParameterCount()).toBe(model.countParams());
    model.dispose();
  });

  it('FLOPs per image and per pair, against multiply-adds worked out by hand', () => {
    // conv1 26·26·32·(3·3·1), conv2 11·11·64·(3·3·32), dense1 1600·128, dense2 128·64.
    const macs = { conv1: 194_688, conv2: 2_230_272, dense1: 204_800, dense2: 8_192 };
    const f = stepFlops(1);
    const forward = 2 * (macs.conv1 + macs.conv2 + macs.dense1 + macs.dense2);
    // Backward: every filter gradient, every input gradient except conv1's.
    const backward = 2 * (macs.conv1 + 2 * macs.conv2 + 2 * macs.dense1 + 2 * macs.dense2);
    expect(f.forward).toBe(forward);
    expect(f.backward).toBe(backward);
    expect(FLOPS_PER_PAIR).toBe(2 * (forward + backward));
    expect(stepFlops(128).total).toBe(128 * f.total);
  });
});

describe('goals', () => {
  const row = (id: string, engine: string, pairsPerSec: number, extra: Partial<TrainingRow> = {}): TrainingRow => ({
    id, engine, where: id.includes('chromium') || id === 'tfjs-webgl' ? 'Chromium' : 'Node', backend: 'x',
    pairsPerSec, msPerStep: 64000 / pairsPerSec, warmup: 1, steps: 1, stepMs: [64000 / pairsPerSec], ...extra,
  });
  const results = (): BenchResults => ({
    meta: { date: '', command: '', node: '', platform: '', cpus: 2, quick: false, seconds: 0 },
    adapter: { name: 'a', software: true, timestamps: true, peakGflops: 7, copyGbps: 10, samples: [] },
    kernels: { unavailable: 'not run' },
    training: {
      flopsPerPair: 30e6,
      runs: {
        'ours-node': row('ours-node', 'ours', 100),
        'ours-chromium': row('ours-chromium', 'ours', 150, { peakGflops: 9 }),
        'tfjs-webgl': row('tfjs-webgl', 'TensorFlow.js 4.22.0', 12.5),
        'tfjs-webgpu-node': row('tfjs-webgpu-node', 'TensorFlow.js 4.22.0', 4),
        'tfjs-cpu': { unavailable: 'skipped' },
      },
    },
    inference: { unavailable: 'not run' },
    memory: {
      pairs: 64, peakStepBytes: 70 * 1024 * 1024, baselineBytes: 0,
      leak: { pairs: 8, stepsRequested: 1000, stepsRun: 1000, stoppedByBudget: false, seconds: 1, samples: [
        { step: 10, tensorBytes: 5, inUseBytes: 100, tensors: 3, buffersCreated: 9 },
        { step: 1000, tensorBytes: 5, inUseBytes: 100, tensors: 3, buffersCreated: 9 },
      ] },
    },
    goals: [],
    limits: [],
  });

  it('ratios come from the same run: fastest tfjs, adapter limits from each place’s own peak', () => {
    const t = trainingRatios(results());
    expect(t.fastest?.id).toBe('tfjs-webgl');
    expect(t.nodeVsFastest).toBeCloseTo(8, 12);
    expect(t.nodeVsWebgpuNode).toBeCloseTo(25, 12);
    expect(t.nodeLimit).toBeCloseTo(7e9 / 30e6, 9); // 233.3 pairs/s
    expect(t.chromiumLimit).toBeCloseTo(9e9 / 30e6, 9); // 300 pairs/s
    expect(t.chromiumPctLimit).toBeCloseTo(50, 9);
  });

  it('says met or missed, and by how much', () => {
    const g = Object.fromEntries(judgeGoals(results()).map((x) => [x.goal, x]));
    expect(g['Training, Node: ours ÷ fastest tfjs backend'].status).toBe('met'); // exactly 8×
    expect(g['Training, Chromium: ours ÷ fastest tfjs backend'].status).toBe('met');
    const webgpu = g['Training, Node: ours ÷ tfjs WebGPU in Node'];
    expect(webgpu.status).toBe('missed');
    expect(webgpu.by).toContain('1.2× short'); // 30 / 25
    const node = g["Training, Node: % of the adapter's limit"];
    expect(node.status).toBe('missed'); // 100 of 233.3 pairs/s = 42.9%
    expect(node.measured).toBe('42.9%');
    expect(node.by).toContain('7.1 points short');
    expect(g["Training, Chromium: % of the adapter's limit"].status).toBe('met');
    expect(g['conv2 forward kernel: % of measured peak'].status).toBe('not measured');
    const peak = g['Peak GPU bytes of a 64-pair step'];
    expect([peak.status, peak.by]).toEqual(['missed', '6.0 MiB over']);
    expect(judgeGoals(results()).at(-1)?.status).toBe('met');
  });

  it('the peak measured beside a run or a kernel is what it is held against; the run\'s best where there is none', () => {
    const r = results();
    const runs = (r.training as Exclude<BenchResults['training'], { unavailable: string }>).runs;
    runs['ours-node'] = row('ours-node', 'ours', 100, { peakGflops: 6 });
    expect(trainingRatios(r).nodeLimit).toBeCloseTo(6e9 / 30e6, 9); // 200 pairs/s, not 233.3
    const kernel = (name: string, pctPeak: number, pctBeside: number) => ({
      name, shape: '', flops: 1, bytes: 1, bound: 'compute' as const, launches: 1, runs: 1, gpuMs: 1, wallMs: 1,
      gflops: 1, gbps: 1, pctPeak, besidePeak: 1, pctBeside,
    });
    r.kernels = { images: 128, profile: { unavailable: 'not run' }, rows: [kernel('conv2 forward', 50, 62), kernel('conv2 input-grad', 70, 58)] };
    const g = Object.fromEntries(judgeGoals(r).map((x) => [x.goal, x]));
    expect([g['conv2 forward kernel: % of measured peak'].status, g['conv2 forward kernel: % of measured peak'].measured]).toEqual(['met', '62.0%']);
    expect(g['conv2 input-grad kernel: % of measured peak'].status).toBe('missed');
    expect(g['Training, Node: % of the adapter\'s limit'].measured).toBe('50.0%');
  });

  it('a leak run cut short is not called flat across 1,000 steps', () => {
    const r = results();
    const m = r.memory as Exclude<BenchResults['memory'], { unavailable: string }>;
    const leak = m.leak as { stepsRun: number; stoppedByBudget: boolean; samples: { step: number }[] };
    leak.samples[1].step = 300;
    leak.stepsRun = 300;
    leak.stoppedByBudget = true;
    const last = judgeGoals(r).at(-1)!;
    expect(last.status).toBe('not measured');
    expect(last.by).toContain('time budget');
  });
});

describe('helpers', () => {
  it('smallestK picks the k smallest in order, lower index first on ties', () => {
    const d = Float32Array.from({ length: 500 }, (_, i) => ((i * 7919) % 101) / 10);
    const want = Array.from(d.keys()).sort((a, b) => d[a] - d[b] || a - b).slice(0, 10);
    expect(smallestK(d, 10)).toEqual(want);
    expect(smallestK(Float32Array.of(3, 1, 2), 5)).toEqual([1, 2, 0]);
  });

  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('flags: defaults, --quick, and clear errors', () => {
    const full = parseArgs([]) as BenchArgs;
    expect([full.quick, full.leakSteps, full.gallery, full.skip]).toEqual([false, 1000, 10000, []]);
    const quick = parseArgs(['--quick', '--skip', 'tfjs-webgl', '--leak-steps', '50']) as BenchArgs;
    expect([quick.quick, quick.leakSteps, quick.skip]).toEqual([true, 50, ['tfjs-cpu', 'tfjs-webgl']]);
    expect(parseArgs(['--help'])).toBe('help');
    expect(() => parseArgs(['--fast'])).toThrow(/unknown flag --fast/);
    expect(() => parseArgs(['--steps', '0'])).toThrow(/--steps needs a positive integer, got "0"/);
    expect(() => parseArgs(['--only', 'kernels,speed'])).toThrow(/--only speed: expected some of/);
  });

  it('timeKernel counts the launches of one call and times them (no speed asserted)', async () => {
    const a = randomUniform([64, 32], -1, 1, 1);
    const b = randomUniform([32, 16], -1, 1, 2);
    const t = await timeKernel(() => void matMulKernel(a, b), 3, 10_000);
    expect(t.launches).toBe(1);
    expect(t.runs).toBe(3);
    expect(t.wallMs).toBeGreaterThan(0);
    if (backend().hasTimestamps) expect(t.gpuMs).toBeGreaterThan(0);
    else expect(t.gpuMs).toBeNull();
    a.dispose();
    b.dispose();
  });
});
