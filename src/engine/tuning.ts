/**
 * What the engine's kernel choices optimise for, process-wide.
 *
 * Some kernels come in variants that trade compile time for run time. On SwiftShader the
 * convolutions' 16×32 register blocks run the seed's second conv 1.3–1.4× faster than the 8×16
 * ones, but their pipelines take about 18 s to compile where the small ones take about 2 s:
 * they pay back only after some tens of training steps. A long training run wants them; a
 * command that embeds a few images, or a test that takes four steps, does not.
 *
 * - 'throughput' (the default): the fastest kernels in steady state, whatever they cost to compile.
 * - 'fast-startup': kernels that compile quickly, for short work.
 *
 * Both give the same results up to float32 rounding; the kernel tests check every variant.
 */
export type KernelTuning = 'throughput' | 'fast-startup';

let tuning: KernelTuning = 'throughput';

/** Sets the preference for kernels compiled from now on; returns the previous one. */
export function setKernelTuning(t: KernelTuning): KernelTuning {
  if (t !== 'throughput' && t !== 'fast-startup') {
    throw new Error(`setKernelTuning: expected 'throughput' or 'fast-startup', got ${JSON.stringify(t)}`);
  }
  const prev = tuning;
  tuning = t;
  return prev;
}

export function kernelTuning(): KernelTuning {
  return tuning;
}
