import { defineConfig } from 'vitest/config';

// GPU tests run in the `forks` pool: in `threads`, dawn.node finds no adapter (PLATFORM.md).
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/helpers/setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // Two cores: SwiftShader already uses both, so more parallel files only thrash.
    maxWorkers: 2,
    // The second reporter names the file a crashed worker was running (vitest does not).
    reporters: ['default', './tests/helpers/unfinished-reporter.ts'],
  },
});
