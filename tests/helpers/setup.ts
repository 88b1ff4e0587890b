// Every test file gets the engine's device (the adapter it picks: a hardware GPU, else
// SwiftShader) before its tests and destroys it after, so the worker can exit.
import { afterAll, beforeAll } from 'vitest';
import { ready, shutdown } from '../../src/index.js';

beforeAll(async () => {
  await ready();
});

afterAll(() => {
  shutdown();
});
