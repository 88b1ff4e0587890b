/**
 * Per-launch time estimates for adapters without `timestamp-query` (and for `profile(fn,
 * { timing: 'wall-clock-estimate' })`): after the profiled work has finished, each distinct
 * launch (same pipeline, grid, uniforms and buffer sizes) is run again alone on scratch buffers,
 * and the wall-clock time from its submit to `onSubmittedWorkDone` is taken, less the same wait
 * for an empty submit. A short launch (most launches on a hardware GPU take microseconds, less
 * than that wait's noise) is timed again as back-to-back copies in one pass, and the time
 * divided among them. Launches that differ only in their buffers are timed once.
 *
 * Why scratch buffers: re-running on the real ones would change state (Adam updates weights in
 * place), and buffers freed during the profiled work may belong to someone else by now. The
 * scratch buffers are zero-filled, so data-dependent kernels can take a different time than they
 * did on real data; these are estimates, and the profile says so wherever it shows them.
 */

/** What it takes to launch a recorded kernel again without its original buffers. */
export interface ReplayLaunch {
  /** Identifies the pipeline (PipelineInfo.key). */
  key: string;
  pipeline: GPUComputePipeline;
  /** A copy of the launch's uniform bytes. */
  uniforms: ArrayBuffer;
  /** Sizes of the storage buffers bound at @binding(1), @binding(2), ... */
  bufferSizes: number[];
  workgroups: [number, number, number];
}

/** Tries per distinct launch; the fastest counts (the others met other work on the machine). */
const TRIES = 3;
/** A launch that takes longer than this once is not tried again: noise is small against it. */
const LONG_MS = 20;
/** Shorter launches are timed again as copies in one pass, about this much work in all (at
 * most MAX_REPEATS copies), so that the submit, the wait and the per-submit start-up of the
 * driver are shared among them rather than counted against one launch. */
const AMORTIZE_TARGET_MS = 20;
const MAX_REPEATS = 256;
const STORAGE_SCRATCH = 0x80 /* STORAGE */ | 0x08; /* COPY_DST, for clearBuffer */
const UNIFORM_SCRATCH = 0x40 /* UNIFORM */ | 0x08; /* COPY_DST */

function signature(r: ReplayLaunch): string {
  const words = new Uint32Array(r.uniforms, 0, Math.floor(r.uniforms.byteLength / 4));
  return `${r.key}|${r.workgroups.join('x')}|${r.bufferSizes.join(',')}|${Array.from(words).join(',')}`;
}

/** Milliseconds from submitting `commands` until the queue reports them done. */
async function timeSubmit(device: GPUDevice, commands: GPUCommandBuffer[], wait: <T>(p: Promise<T>) => Promise<T>): Promise<number> {
  const t0 = performance.now();
  device.queue.submit(commands);
  await wait(device.queue.onSubmittedWorkDone());
  return performance.now() - t0;
}

/**
 * Estimated nanoseconds for each launch in `launches`, in order. `wait` wraps every await on the
 * device (the backend's guard, so that a device loss fails it instead of hanging it).
 */
export async function estimateLaunchTimes(
  device: GPUDevice,
  launches: ReplayLaunch[],
  wait: <T>(p: Promise<T>) => Promise<T>,
): Promise<number[]> {
  const groups = new Map<string, { launch: ReplayLaunch; ns: number }>();
  for (const l of launches) {
    const sig = signature(l);
    if (!groups.has(sig)) groups.set(sig, { launch: l, ns: 0 });
  }

  // What a submit and its wait cost with no work in it: subtracted from every measurement.
  let idleMs = Infinity;
  for (let i = 0; i < TRIES; i++) idleMs = Math.min(idleMs, await timeSubmit(device, [device.createCommandEncoder().finish()], wait));

  for (const g of groups.values()) {
    const l = g.launch;
    const scratch = l.bufferSizes.map((size) => device.createBuffer({ size: Math.max(4, Math.ceil(size / 4) * 4), usage: STORAGE_SCRATCH }));
    const ubuf = device.createBuffer({ size: Math.max(16, l.uniforms.byteLength), usage: UNIFORM_SCRATCH });
    try {
      device.queue.writeBuffer(ubuf, 0, l.uniforms);
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: ubuf } }];
      scratch.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
      const bindGroup = device.createBindGroup({ layout: l.pipeline.getBindGroupLayout(0), entries });
      // Zero the scratch buffers in a submit of their own, so that neither the clearing nor a
      // lazy first-use initialisation lands inside the timed one.
      const clear = device.createCommandEncoder();
      for (const b of scratch) clear.clearBuffer(b);
      await timeSubmit(device, [clear.finish()], wait);

      // Fastest of TRIES submits of `repeats` copies, in ms per copy, the empty wait taken off.
      const timeRepeated = async (repeats: number): Promise<number> => {
        let best = Infinity;
        for (let t = 0; t < TRIES; t++) {
          const enc = device.createCommandEncoder();
          const pass = enc.beginComputePass();
          pass.setPipeline(l.pipeline);
          pass.setBindGroup(0, bindGroup);
          for (let r = 0; r < repeats; r++) pass.dispatchWorkgroups(...l.workgroups);
          pass.end();
          best = Math.min(best, await timeSubmit(device, [enc.finish()], wait));
          if (best > LONG_MS) break;
        }
        return Math.max(0, best - idleMs) / repeats;
      };
      let ms = await timeRepeated(1);
      if (ms < LONG_MS) {
        const repeats = Math.min(MAX_REPEATS, Math.max(2, Math.ceil(AMORTIZE_TARGET_MS / Math.max(ms, 0.01))));
        ms = await timeRepeated(repeats);
      }
      g.ns = ms * 1e6;
    } finally {
      for (const b of scratch) b.destroy();
      ubuf.destroy();
    }
  }
  return launches.map((l) => groups.get(signature(l))!.ns);
}
