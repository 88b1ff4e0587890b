/**
 * Shaders without Dawn's bounds checks (src/engine/node-gpu.ts, BoundsChecks): the setting is
 * validated, 'auto' follows the adapter, and every kernel gives the same bytes with the checks
 * off as with them on (each kernel keeps its own indices in bounds; one that read outside its
 * buffers would differ). The comparison runs in two child processes, one device each.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { backend } from '../src/index.js';
import { boundsChecksChoice, instanceFlags } from '../src/engine/node-gpu.js';

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const SCRIPT = join(process.cwd(), 'tests', 'fixtures', 'bounds-checks', 'run.ts');

interface Run {
  boundsChecks: boolean;
  software: boolean;
  losses: number[];
  digests: Record<string, string>;
}

function runWith(setting: 'on' | 'off'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.SIAMESE_BOUNDS_CHECKS; // the script's own option decides
    execFile(TSX, [SCRIPT, setting], { timeout: 280_000, env, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (err || !line) return reject(new Error(`run.ts ${setting} failed: ${err?.message ?? 'no RESULT line'}\n${stderr.slice(-2000)}`));
      resolve(JSON.parse(line.slice('RESULT '.length)) as Run);
    });
  });
}

describe('shader bounds checks', () => {
  const saved = process.env.SIAMESE_BOUNDS_CHECKS;
  afterEach(() => {
    if (saved === undefined) delete process.env.SIAMESE_BOUNDS_CHECKS;
    else process.env.SIAMESE_BOUNDS_CHECKS = saved;
  });

  it('the setting is auto, on or off, from the option or SIAMESE_BOUNDS_CHECKS, and a bad one is named', () => {
    delete process.env.SIAMESE_BOUNDS_CHECKS;
    expect(boundsChecksChoice()).toBe('auto');
    expect(boundsChecksChoice('off')).toBe('off');
    process.env.SIAMESE_BOUNDS_CHECKS = 'ON';
    expect(boundsChecksChoice()).toBe('on');
    expect(boundsChecksChoice('auto')).toBe('auto'); // the option wins over the environment
    process.env.SIAMESE_BOUNDS_CHECKS = 'maybe';
    expect(() => boundsChecksChoice()).toThrow('SIAMESE_BOUNDS_CHECKS=maybe: expected auto, on or off');
    expect(() => boundsChecksChoice('no' as never)).toThrow("boundsChecks 'no': expected auto, on or off");
  });

  it("dawn.node's instance gets Dawn's disable_robustness toggle exactly where bounds are not checked", () => {
    const off = 'enable-dawn-features=disable_robustness';
    expect(instanceFlags('auto', true)).toContain(off);
    expect(instanceFlags('auto', false)).not.toContain(off);
    expect(instanceFlags('off', false)).toContain(off);
    expect(instanceFlags('on', true)).not.toContain(off);
    // Timestamp quantisation stays off in every case (exact kernel timings).
    for (const f of [instanceFlags('on', true), instanceFlags('off', true)]) expect(f).toContain('disable-dawn-features=timestamp_quantization');
  });

  it.skipIf(process.env.SIAMESE_BOUNDS_CHECKS !== undefined)("'auto' checks on hardware GPUs and not on software adapters", () => {
    expect(backend().boundsChecks).toBe(!backend().software);
  });

  it('every kernel gives the same bytes with the checks off as with them on (training step, both tunings, awkward shapes)', async () => {
    const off = await runWith('off');
    const on = await runWith('on');
    expect(off.boundsChecks).toBe(false);
    expect(on.boundsChecks).toBe(true);
    // A real computation, not NaNs that would hash alike: finite losses that training changes.
    expect(off.losses).toHaveLength(4);
    for (const l of off.losses) expect(Number.isFinite(l) && l > 0).toBe(true);
    expect(off.losses[1]).not.toBe(off.losses[0]);
    expect(Object.keys(off.digests).length).toBeGreaterThan(40);
    expect(off.digests).toEqual(on.digests);
  });
});
