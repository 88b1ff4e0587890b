// tests/helpers/unfinished-reporter.ts names the file (and test) a dead worker was running,
// which vitest itself does not: shown on a fixture whose worker kills itself mid-test.
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('names the file and the test a dead worker was running', () => {
  const run = spawnSync(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--config', 'tests/fixtures/worker-crash/vitest.config.ts'],
    { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', CI: '1' } },
  );
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain('Worker exited unexpectedly');
  const tail = run.stderr.slice(run.stderr.indexOf('Test files that started and never finished'));
  expect(tail).toMatch(/^Test files that started and never finished \(their worker process died\):\n  dies\.fixture\.ts \(started \d+ s before/);
  expect(tail).toContain('running: is running when the worker dies');
  expect(tail).not.toContain('passes first');
  expect(tail).not.toContain('never starts');
});
