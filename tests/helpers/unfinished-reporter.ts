// A vitest reporter that names what was running when a test worker died.
//
// When a worker process exits in the middle of a file (a native crash in the GPU driver, an
// out-of-memory kill), vitest reports only "Worker exited unexpectedly", without the file: the
// file is counted neither passed nor failed. This reporter prints, after vitest's summary (the
// end of a CI log, which is the part that is kept), each file that started and never finished,
// with the tests that had started in it and had no result yet.
import type { Reporter, TestCase, TestModule } from 'vitest/node';

export default class UnfinishedReporter implements Reporter {
  private readonly started = new Map<string, { module: TestModule; at: number }>();
  private readonly running = new Map<string, { test: TestCase; at: number }>();

  onTestModuleStart(module: TestModule): void {
    this.started.set(module.moduleId, { module, at: Date.now() });
  }

  onTestModuleEnd(module: TestModule): void {
    this.started.delete(module.moduleId);
  }

  onTestCaseReady(test: TestCase): void {
    this.running.set(test.id, { test, at: Date.now() });
  }

  onTestCaseResult(test: TestCase): void {
    this.running.delete(test.id);
  }

  onTestRunEnd(): void {
    if (this.started.size === 0) return;
    const now = Date.now();
    const lines = ['', 'Test files that started and never finished (their worker process died):'];
    for (const { module, at } of this.started.values()) {
      lines.push(`  ${module.relativeModuleId} (started ${((now - at) / 1000).toFixed(0)} s before the end of the run)`);
      for (const { test, at: t } of this.running.values()) {
        if (test.module.moduleId !== module.moduleId) continue;
        lines.push(`    running: ${test.fullName} (for ${((now - t) / 1000).toFixed(1)} s)`);
      }
    }
    process.stderr.write(lines.join('\n') + '\n');
  }
}
