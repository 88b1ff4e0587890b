// Every test file gets the engine's device (the adapter it picks: a hardware GPU, else
// SwiftShader) before its tests and destroys it after, so the worker can exit.
import { afterAll, beforeAll } from 'vitest';
import { ready, setKernelTuning, shutdown } from '../../src/index.js';

beforeAll(async () => {
  await ready();
  // Tests run a few steps each: kernels that compile in seconds, not the throughput ones that
  // take ~18 s more per file on SwiftShader (src/engine/tuning.ts). conv2d.test.ts checks the
  // throughput kernels themselves.
  setKernelTuning('fast-startup');
});

afterAll(() => {
  shutdown();
});
