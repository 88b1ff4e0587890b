/**
 * Builds the page into dist/ with Vite, or reuses dist/ when it is newer than everything it is
 * built from (web/, src/, shaders/, vite.config.ts, package.json). E2E_REBUILD=1 forces a build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let m = s.mtimeMs;
  for (const e of readdirSync(path)) if (e !== 'node_modules') m = Math.max(m, newestMtime(join(path, e)));
  return m;
}

export function buildSite(repo: string): { dist: string; built: boolean; ms: number } {
  const dist = join(repo, 'dist');
  const stamp = join(dist, 'index.html');
  const inputs = ['web', 'src', 'shaders', 'vite.config.ts', 'package.json'].map((p) => newestMtime(join(repo, p)));
  const fresh = existsSync(stamp) && statSync(stamp).mtimeMs > Math.max(...inputs);
  if (fresh && !process.env.E2E_REBUILD) return { dist, built: false, ms: 0 };
  const t0 = performance.now();
  // Vite's CLI in a child process: the test worker's own Vite (vitest) stays out of it.
  execFileSync(process.execPath, [join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { dist, built: true, ms: performance.now() - t0 };
}
