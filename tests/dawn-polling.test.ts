// The engine's waits on dawn.node (src/engine/dawn-polling.ts): dawn's polling callbacks are
// native functions, so Math.max stands in for one here; JavaScript callbacks are never delayed.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { yieldingWaits } from '../src/engine/dawn-polling.js';
import { backend, conv2d, randomNormal, tidy } from '../src/index.js';

const kind = (handle: unknown): string => (handle as object).constructor.name;
const nativeCallback = Math.max as unknown as () => void;
const jsCallback = (): void => {};

function schedule(cb: () => void): string {
  const h = setImmediate(cb);
  const k = kind(h);
  if (k === 'Timeout') clearTimeout(h as unknown as NodeJS.Timeout);
  else clearImmediate(h);
  return k;
}

describe('yieldingWaits', () => {
  it('re-polls native callbacks on a timer once the spin time is over, and passes JavaScript ones through', () => {
    const original = globalThis.setImmediate;
    const w = yieldingWaits(0);
    w.begin();
    try {
      expect(globalThis.setImmediate).not.toBe(original);
      expect(schedule(nativeCallback)).toBe('Timeout');
      expect(schedule(jsCallback)).toBe('Immediate');
    } finally {
      w.end();
    }
    expect(globalThis.setImmediate).toBe(original);
    expect(schedule(nativeCallback)).toBe('Immediate');
  });

  it('polls at full speed during the spin time', () => {
    const w = yieldingWaits(60_000);
    w.begin();
    try {
      expect(schedule(nativeCallback)).toBe('Immediate');
    } finally {
      w.end();
    }
  });

  it('stays in place until the last of overlapping waits ends', () => {
    const original = globalThis.setImmediate;
    const w = yieldingWaits(0);
    w.begin();
    w.begin();
    w.end();
    expect(schedule(nativeCallback)).toBe('Timeout');
    w.end();
    expect(globalThis.setImmediate).toBe(original);
    w.end(); // an unmatched end changes nothing
    expect(globalThis.setImmediate).toBe(original);
  });

  it('leaves a setImmediate installed by someone else during the wait (fake timers) in place', () => {
    const original = globalThis.setImmediate;
    const w = yieldingWaits(0);
    const other = ((cb: () => void) => original(cb)) as typeof setImmediate;
    w.begin();
    globalThis.setImmediate = other;
    w.end();
    expect(globalThis.setImmediate).toBe(other);
    globalThis.setImmediate = original;
  });
});

/** CPU milliseconds of this process's main thread (Linux). */
function mainThreadCpuMs(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return ticks * 10; // USER_HZ is 100 on Linux
}

const canMeasure = process.platform === 'linux' && existsSync(`/proc/self/task/${process.pid}/stat`);

describe('waiting on the device', () => {
  // The main thread's CPU time is read from /proc (Linux). A hardware GPU finishes this work
  // within the 20 ms its waits poll at full speed, so there is nothing to see there.
  it.skipIf(!canMeasure)(
    'leaves the CPU to a software adapter while it works (skipped off Linux, and on hardware GPUs: see comment)',
    async (ctx) => {
      if (!backend().software) ctx.skip();
      const x = randomNormal([128, 13, 13, 32], 0, 1, 1);
      const w = randomNormal([3, 3, 32, 64], 0, 0.1, 2);
      const run = () => tidy(() => conv2d(x, w, 1, 'valid')).dispose();
      run(); // compiles the kernel
      await backend().sync();
      for (let i = 0; i < 3; i++) run();
      const cpu0 = mainThreadCpuMs();
      const t0 = performance.now();
      await backend().sync();
      const wallMs = performance.now() - t0;
      const cpuMs = mainThreadCpuMs() - cpu0;
      x.dispose();
      w.dispose();
      // Spinning, the main thread would use about all of the wait; yielding, a few percent.
      expect(wallMs).toBeGreaterThan(100);
      expect(cpuMs).toBeLessThan(0.25 * wallMs);
    },
  );
});
