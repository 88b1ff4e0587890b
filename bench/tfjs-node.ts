/**
 * TensorFlow.js in Node: each backend runs in a child process (tfjs-node-child.ts) with a time
 * budget; a run past its budget is killed and reported as not available, with the budget named.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TfjsTiming } from './tfjs-step.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');

export interface TfjsNodeRun extends TfjsTiming {
  adapter: string;
  tfjs: string;
}

export function runTfjsInNode(
  backend: 'cpu' | 'webgpu',
  pairs: number,
  warmup: number,
  steps: number,
  budgetS: number,
): Promise<TfjsNodeRun> {
  const tsx = join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const args = [tsx, join(here, 'tfjs-node-child.ts'), backend, String(pairs), String(warmup), String(steps)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tfjs ${backend} in Node did not finish ${warmup} warm-up + ${steps} timed steps within ${budgetS} s (killed)`));
    }, budgetS * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)) as TfjsNodeRun);
      else {
        const why = (err.split('\n').find((l) => l.startsWith('ERROR ')) ?? err.trim().split('\n').pop() ?? '').replace(/^ERROR /, '');
        reject(new Error(`tfjs ${backend} in Node exited with code ${code}: ${why || 'no message'}`));
      }
    });
  });
}
