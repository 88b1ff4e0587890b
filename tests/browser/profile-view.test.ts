/**
 * The page's kernel profiler, without a browser: the table and kernel details it shows
 * (web/gpu/profile-view.ts) from hand-made launch records, and the training controller serving
 * "Profile a step" between bursts of a scripted session (web/train/controller.ts).
 */
import { describe, expect, it } from 'vitest';
import { summarizeProfile, type KernelRecord, type PipelineInfo } from '../../src/index.js';
import { constantsText, dispatchSize, kernelDetail, profileView } from '../../web/gpu/profile-view.js';
import { TrainingController, type StepProfile } from '../../web/train/controller.js';
import { DEFAULT_CONFIG, type StepReport, type TrainingSession } from '../../web/train/seams.js';
import { decodeDigits, encodeDigits } from '../../web/data/digits-format.js';

const pipeline = (shader: string, entry: string, constants: Record<string, number>, workgroupSize: [number, number, number] | null): PipelineInfo => ({
  key: `${shader}:${entry}:${Object.keys(constants).map((k) => `${k}=${constants[k]}`).join(',')}`,
  shader,
  entry,
  constants,
  wgsl: `// ${shader}\n@compute @workgroup_size(64)\nfn ${entry}() {}`,
  workgroupSize,
});
const convA = pipeline('conv2d_forward', 'main', { CG: 4, RELU: 1 }, [64, 1, 1]);
const convB = pipeline('conv2d_forward', 'main', { CG: 1, RELU: 1 }, [64, 1, 1]);
const mm = pipeline('matmul', 'matmul', {}, [8, 8, 1]);

function launch(p: PipelineInfo, workgroups: [number, number, number], ns: number, timed: boolean, flops = 0, bytes = 0): KernelRecord {
  return { name: `${p.shader}.${p.entry}`, workgroups, flops, bytes, gpuNs: timed ? ns : null, estimatedNs: timed ? null : ns, pipeline: p };
}

describe('profile view', () => {
  it('shows the table with its timing label, most time first', () => {
    // conv2d_forward: 6 ms, 1.2e7 FLOPs → 2 GFLOP/s, 6e6 bytes → 1 GB/s, 75% of 8 ms.
    // matmul: 2 ms, 4e6 FLOPs → 2 GFLOP/s, 1e6 bytes → 0.5 GB/s, 25%.
    const p = summarizeProfile(null, [launch(convA, [10, 1, 1], 4e6, true, 8e6, 4e6), launch(mm, [2, 3, 1], 2e6, true, 4e6, 1e6), launch(convB, [5, 1, 1], 2e6, true, 4e6, 2e6)], 9);
    const v = profileView(p);
    expect(v.timingLabel).toBe('GPU timestamps');
    expect(v.columns).toEqual(['kernel', 'calls', 'GPU ms', '% time', 'GFLOP/s', 'GB/s']);
    expect(v.rows).toEqual([
      ['conv2d_forward.main', '2', '6.00', '75.0', '2.00', '1.00'],
      ['matmul.matmul', '1', '2.00', '25.0', '2.00', '0.50'],
    ]);
    expect(v.title).toBe('3 launches, wall 9.0 ms, GPU 8.0 ms (timestamp queries)');
  });

  it('labels estimates wherever it shows a time', () => {
    const p = summarizeProfile(null, [launch(mm, [2, 3, 1], 1.5e6, false)], 3);
    const v = profileView(p);
    expect(v.timingLabel).toBe('wall-clock estimates');
    expect(v.columns[2]).toBe('est. ms');
    expect(v.title).toMatch(/WALL-CLOCK ESTIMATES, not GPU timestamps/);
    expect(kernelDetail(p.kernels[0], p.timing).launches).toEqual(['#1 2×3×1 workgroups × 8×8×1 threads = 384 invocations · 1.50 ms estimated']);
  });

  it("gives a kernel's variants with their source, and each launch's dispatch size", () => {
    const p = summarizeProfile(null, [launch(convA, [10, 1, 1], 4e6, true), launch(convB, [5, 2, 1], 2e6, true), launch(convA, [70000, 2, 1], 1e6, true)], 9);
    const d = kernelDetail(p.kernels[0], p.timing);
    expect(d.name).toBe('conv2d_forward.main');
    expect(d.variants.map((v) => v.label)).toEqual([
      'variant 1 of 2: CG=4, RELU=1 · workgroup 64×1×1',
      'variant 2 of 2: CG=1, RELU=1 · workgroup 64×1×1',
    ]);
    expect(d.variants[0]).toMatchObject({ shader: 'shaders/conv2d_forward.wgsl', entry: 'main', wgsl: convA.wgsl });
    expect(d.launches).toEqual([
      '#1 variant 1 · 10×1×1 workgroups × 64×1×1 threads = 640 invocations · 4.00 ms GPU',
      '#2 variant 2 · 5×2×1 workgroups × 64×1×1 threads = 640 invocations · 2.00 ms GPU',
      '#3 variant 1 · 70000×2×1 workgroups × 64×1×1 threads = 8,960,000 invocations · 1.00 ms GPU',
    ]);
    expect(dispatchSize([3, 1, 1], null)).toBe('3×1×1 workgroups (3) × ? threads (workgroup size not readable from the WGSL)');
    expect(constantsText({})).toBe('no override constants');
    expect(constantsText({ QUAD: 1, CG: 4 })).toBe('CG=4, QUAD=1');
  });
});

/** A scripted session that logs its calls; a profiled step is one step, as the real one is. */
function scriptedSession(log: string[]): TrainingSession {
  let step = 0;
  const report = (): StepReport => ({ step, epoch: step / 100, loss: 1 / (1 + step) });
  const tick = () => new Promise((r) => setTimeout(r, 1));
  return {
    config: DEFAULT_CONFIG,
    async runSteps(n) {
      log.push(`burst start ${step}`);
      await tick(); // a burst takes time: a request made now must wait for its end
      step += n;
      log.push(`burst end ${step}`);
      return report();
    },
    async evaluate() {
      return { loss: 0.5, accuracy: 0.5, pairs: 2 };
    },
    async testPairs() {
      return [];
    },
    async embed(images) {
      return images.map(() => new Float32Array(2));
    },
    distance: () => 0,
    verdict: (d) => ({ distance: d, score: 1 - d, same: false }),
    dispose() {},
    async profileStep() {
      log.push(`profile ${step}`);
      await tick();
      step += 1;
      return summarizeProfile(report(), [launch(mm, [1, 1, 1], 1e6, true)], 1);
    },
  };
}

describe('TrainingController.profileStep', () => {
  const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
  const digits = () => decodeDigits(encodeDigits([new Float32Array(784)], [0]));

  it('refuses before a session exists, with a reason', async () => {
    const c = new TrainingController(async () => scriptedSession([]), digits, DEFAULT_CONFIG);
    await expect(c.profileStep()).rejects.toThrow(/no training session yet; press Start first/);
  });

  it('profiles between two bursts while running, and directly while paused; each is a reported step', async () => {
    const log: string[] = [];
    const steps: number[] = [];
    const c = new TrainingController(async () => scriptedSession(log), digits, DEFAULT_CONFIG, { step: (r) => steps.push(r.step) }, {
      stepsPerBurst: 2,
      evalEvery: 1000,
      yieldToPage: tick,
    });
    await c.start();
    while (!log.includes('burst start 2')) await tick(); // the second burst is under way
    const p: StepProfile = await c.profileStep();
    expect(p.result.step).toBe(5);
    // The request waited for the burst in progress to end; no burst overlapped the profiled step.
    const at = log.indexOf('profile 4');
    expect(log.slice(at - 1, at + 1)).toEqual(['burst end 4', 'profile 4']);
    while (log.length < at + 2) await tick(); // training goes on after the profiled step
    expect(log[at + 1]).toBe('burst start 5');
    await c.pause();
    expect(c.state).toBe('paused');
    const q = await c.profileStep();
    expect(q.result.step).toBe(steps[steps.length - 2] + 1);
    expect(steps[steps.length - 1]).toBe(q.result.step);
    expect(steps).toContain(5);
    expect(c.state).toBe('paused');
    await c.reset();
  });
});
