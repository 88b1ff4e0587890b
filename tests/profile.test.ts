/**
 * The profiler: workgroup sizes read from WGSL, the pipeline (source, constants, workgroup size)
 * on every recorded launch, GPU timestamps where the adapter has them, wall-clock estimates that
 * are labelled as such and leave the computation's results untouched, and the text table.
 */
import { describe, expect, it } from 'vitest';
import * as ws from '../src/index.js';
import type { KernelRecord, PipelineInfo } from '../src/index.js';
import { workgroupSizeOf } from '../src/engine/wgsl-workgroup.js';

await ws.ready();
const hasTimestamps = ws.backend().hasTimestamps;

describe('workgroupSizeOf', () => {
  const wgsl = `
const WG: u32 = 64u;
override TILE: u32 = 8u;
const ALIAS = WG;
// @compute @workgroup_size(999) fn commented_out() {}
@compute @workgroup_size(WG)
fn first(@builtin(global_invocation_id) gid: vec3<u32>) { }
@compute @workgroup_size(TILE, TILE)
fn second() { }
@workgroup_size(4, 2, 3) @compute
fn third() { }
@compute @workgroup_size(ALIAS, 2i)
fn fourth() { }
@compute @workgroup_size(WG * 2)
fn expression() { }
fn helper() { }
`;
  it('reads literals, consts, overrides (with the pipeline constants) and aliases', () => {
    expect(workgroupSizeOf(wgsl, 'first')).toEqual([64, 1, 1]);
    expect(workgroupSizeOf(wgsl, 'second')).toEqual([8, 8, 1]);
    expect(workgroupSizeOf(wgsl, 'second', { TILE: 16 })).toEqual([16, 16, 1]);
    expect(workgroupSizeOf(wgsl, 'third')).toEqual([4, 2, 3]);
    expect(workgroupSizeOf(wgsl, 'fourth')).toEqual([64, 2, 1]);
  });

  it('gives null, not a guess, for expressions, non-entry functions and missing names', () => {
    expect(workgroupSizeOf(wgsl, 'expression')).toBeNull();
    expect(workgroupSizeOf(wgsl, 'helper')).toBeNull();
    expect(workgroupSizeOf(wgsl, 'commented_out')).toBeNull();
    expect(workgroupSizeOf(wgsl, 'nope')).toBeNull();
  });
});

/** A small model and its Adam optimizer: one training step is a dozen kernel launches. */
function makeStep(seed: number) {
  const w = ws.variable(ws.randomNormal([12, 6], 0, 0.5, seed));
  const x = ws.randomNormal([10, 12], 0, 1, seed + 1);
  const opt = new ws.Adam({ learningRate: 0.01 });
  return {
    w,
    step: () => ws.tidy(() => opt.minimize(() => ws.mean(ws.square(ws.relu(ws.matMul(x, w)))), [w]).dispose()),
    dispose: () => {
      opt.dispose();
      ws.dispose([w, x]);
    },
  };
}

function checkPipelines(launches: KernelRecord[]): void {
  const limit = ws.backend().device.limits.maxComputeInvocationsPerWorkgroup;
  for (const l of launches) {
    const p: PipelineInfo = l.pipeline;
    expect(l.name).toBe(`${p.shader}.${p.entry}`);
    expect(p.wgsl, `${l.name}: source holds its entry point`).toMatch(new RegExp(`fn\\s+${p.entry}\\s*\\(`));
    expect(p.workgroupSize, `${l.name}: workgroup size`).not.toBeNull();
    const [a, b, c] = p.workgroupSize!;
    expect(a * b * c).toBeGreaterThan(0);
    expect(a * b * c).toBeLessThanOrEqual(limit);
    expect(p.key.startsWith(`${p.shader}:${p.entry}:`)).toBe(true);
  }
}

describe('profile()', () => {
  it.skipIf(!hasTimestamps)('measures every launch with GPU timestamps (skipped where the adapter has no timestamp-query)', async () => {
    const s = makeStep(3);
    s.step(); // compiles the pipelines
    const p = await ws.profile(() => s.step());
    expect(p.timing).toBe('gpu-timestamps');
    expect(p.launches.length).toBeGreaterThan(5);
    expect(p.launches.every((l) => l.gpuNs !== null && l.gpuNs >= 0)).toBe(true);
    expect(p.gpuMs).toBe(p.kernelMs);
    // matMul's entry point depends on the adapter (matmul on software GPUs, matmul_tiled on hardware).
    const matmuls = p.kernels.find((k) => k.name.startsWith('matmul.'))!;
    expect(matmuls !== undefined, p.kernels.map((k) => k.name).join(', ')).toBe(true);
    expect(p.kernels.map((k) => k.name)).toContain('adam.adam');
    expect(p.kernels.reduce((n, k) => n + k.calls, 0)).toBe(p.launches.length);
    checkPipelines(p.launches);
    // Kernels share their pipeline description: one object per pipeline, not a copy per launch.
    for (const l of matmuls.launches) expect(matmuls.pipelines).toContain(l.pipeline);
    s.dispose();
  });

  it('labels wall-clock estimates as such, and re-running launches for them changes no result', async () => {
    const a = makeStep(5);
    const b = makeStep(5);
    a.step();
    b.step();
    const p = await ws.profile(() => a.step(), { timing: 'wall-clock-estimate' });
    b.step();
    expect(p.timing).toBe('wall-clock-estimate');
    expect(p.gpuMs).toBeNull();
    expect(p.launches.every((l) => l.estimatedNs !== null && l.estimatedNs >= 0)).toBe(true);
    expect(p.kernelMs).toBeGreaterThan(0);
    for (const k of p.kernels) expect(k.gpuMs).toBeNull();
    checkPipelines(p.launches);
    // The same two steps with and without the profiler (and its re-runs on scratch buffers):
    // the same kernels on the same data, so the weights must be bit for bit the same.
    expect(Array.from(await a.w.data())).toEqual(Array.from(await b.w.data()));
    const table = ws.formatProfile(p);
    expect(table).toMatch(/WALL-CLOCK ESTIMATES, not GPU timestamps/);
    expect(table.split('\n')[1]).toMatch(/^kernel +calls +est\. ms +% time +GFLOP\/s +GB\/s$/);
    a.dispose();
    b.dispose();
  });

  it('rejects an unknown timing option with the value it got', async () => {
    await expect(ws.profile(() => 0, { timing: 'exact' as never })).rejects.toThrow(/timing must be 'auto' or 'wall-clock-estimate', got 'exact'/);
  });
});

describe('profileTable and formatProfile', () => {
  const info = (shader: string, entry: string): PipelineInfo => ({ key: `${shader}:${entry}:`, shader, entry, constants: {}, wgsl: '', workgroupSize: [64, 1, 1] });
  const conv = info('conv', 'main');
  const add = info('binary', 'main');
  const rec = (pipeline: PipelineInfo, ns: number, flops: number, bytes: number, timed: boolean): KernelRecord => ({
    name: `${pipeline.shader}.${pipeline.entry}`,
    workgroups: [4, 1, 1],
    flops,
    bytes,
    gpuNs: timed ? ns : null,
    estimatedNs: timed ? null : ns,
    pipeline,
  });

  it('sums per kernel, sorts by time and computes rates and shares (timestamps)', () => {
    // conv: 2 launches, 3 ms in all, 6e6 FLOPs → 2 GFLOP/s, 3e6 bytes → 1 GB/s, 75% of 4 ms.
    // binary: 1 launch, 1 ms, no FLOPs declared → '-', 5e5 bytes → 0.5 GB/s, 25%.
    const launches = [rec(conv, 1e6, 2e6, 1e6, true), rec(add, 1e6, 0, 5e5, true), rec(conv, 2e6, 4e6, 2e6, true)];
    const p = ws.summarizeProfile(null, launches, 10);
    expect(p.timing).toBe('gpu-timestamps');
    const t = ws.profileTable(p);
    expect(t.columns).toEqual(['kernel', 'calls', 'GPU ms', '% time', 'GFLOP/s', 'GB/s']);
    expect(t.rows).toEqual([
      ['conv.main', '2', '3.00', '75.0', '2.00', '1.00'],
      ['binary.main', '1', '1.00', '25.0', '-', '0.50'],
    ]);
    expect(t.title).toBe('3 launches, wall 10.0 ms, GPU 4.0 ms (timestamp queries)');
    expect(ws.formatProfile(p).split('\n')).toEqual([
      '3 launches, wall 10.0 ms, GPU 4.0 ms (timestamp queries)',
      'kernel       calls  GPU ms  % time  GFLOP/s  GB/s',
      'conv.main        2    3.00    75.0     2.00  1.00',
      'binary.main      1    1.00    25.0        -  0.50',
    ]);
  });

  it('uses the estimates, and says so, where a launch has no timestamp', () => {
    const p = ws.summarizeProfile(null, [rec(conv, 5e5, 1e6, 0, false)], 2);
    expect(p.timing).toBe('wall-clock-estimate');
    const t = ws.profileTable(p);
    expect(t.columns[2]).toBe('est. ms');
    expect(t.rows).toEqual([['conv.main', '1', '0.50', '100.0', '2.00', '-']]);
    expect(t.title).toMatch(/^1 launch, wall 2\.0 ms, kernels ~0\.5 ms \(WALL-CLOCK ESTIMATES/);
    expect(() => ws.summarizeProfile(null, [{ ...rec(conv, 1, 1, 1, false), estimatedNs: null }], 1)).toThrow(/neither a GPU timestamp nor a wall-clock estimate/);
  });
});
