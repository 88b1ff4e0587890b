/**
 * Node only: makes the engine's waits on dawn.node leave the CPU to the GPU.
 *
 * dawn.node settles its promises (mapAsync, onSubmittedWorkDone) by polling: while one is
 * pending, it asks `globalThis.setImmediate` (looked up at each call) to run Dawn's
 * ProcessEvents again on the next turn of the event loop, so the main thread spins at 100% of a
 * core for as long as the GPU works. On a hardware GPU that costs a core nobody else wanted. On a
 * software adapter the GPU *is* the CPU: measured here (2 cores, SwiftShader, the seed network's
 * 64-pair step), the main thread burned 1.2-1.5 s of CPU in each 1.8-2.2 s step, a core taken
 * from SwiftShader's workers; with the polling below, 0.08-0.12 s, and the step took 1.0-1.3 s.
 *
 * While the engine awaits the device (Backend.read and Backend.sync), `setImmediate` is swapped
 * for one that lets dawn's callbacks (native functions; JavaScript callbacks pass straight
 * through) spin as before for the first `spinMs` of the wait, so that short waits stay as quick
 * as they were, and then re-polls on 1 ms timers. A wait thus ends at most about a millisecond
 * after the GPU finishes.
 */

/** Called around each wait on the device: begin() before the promise is made, end() once settled. */
export interface WaitHooks {
  begin(): void;
  end(): void;
}

type SetImmediate = typeof globalThis.setImmediate;

const isNative = (f: unknown): boolean =>
  typeof f === 'function' && Function.prototype.toString.call(f).endsWith('{ [native code] }');

/**
 * Hooks that throttle dawn's polling during the engine's waits. `spinMs`: how long a wait polls
 * at full speed before it yields (short on a software adapter, whose workers need the core;
 * longer on a hardware one, whose waits are mostly short).
 */
export function yieldingWaits(spinMs: number): WaitHooks {
  let depth = 0;
  let started = 0;
  let original: SetImmediate | null = null;
  let installed: SetImmediate | null = null;
  return {
    begin() {
      if (depth++ > 0) return;
      started = performance.now();
      const real = globalThis.setImmediate;
      const patched = ((cb: (...a: unknown[]) => void, ...args: unknown[]) => {
        if (!isNative(cb) || performance.now() - started < spinMs) return real(cb, ...args);
        return setTimeout(cb, 1, ...args);
      }) as SetImmediate;
      original = real;
      installed = patched;
      globalThis.setImmediate = patched;
    },
    end() {
      if (depth === 0 || --depth > 0) return;
      // Put the original back unless someone replaced ours in the meantime (fake timers).
      if (globalThis.setImmediate === installed && original) globalThis.setImmediate = original;
      original = installed = null;
    },
  };
}
