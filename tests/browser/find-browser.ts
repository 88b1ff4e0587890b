/**
 * Finds a Chromium that can run WebGPU headless on this machine, GPU or not:
 *   1. $SIAMESE_CHROMIUM, if set;
 *   2. Debian's `chromium` package (/usr/bin/chromium), if installed;
 *   3. the Chromium inside npm `@sparticuz/chromium` (a dependency), unpacked by its
 *      executablePath() into the temp folder. Where this machine lacks the libnss3/libnspr4 it
 *      links, the copies in the package's al2023.tar.br are unpacked and put on LD_LIBRARY_PATH.
 * Where there is no GPU, Chromium falls back to its SwiftShader (WebGPU on the CPU).
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { LaunchOptions } from 'puppeteer-core';

export interface FoundBrowser {
  source: 'env' | 'debian' | 'sparticuz';
  options: LaunchOptions;
}

/** Flags measured to expose navigator.gpu headless (shared PLATFORM.md). */
const FLAGS = [
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Libraries the binary needs that the dynamic linker cannot find (empty where ldd is missing). */
function missingLibraries(binary: string, env: NodeJS.ProcessEnv = process.env): string[] {
  try {
    const out = execFileSync('ldd', [binary], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] });
    return out
      .split('\n')
      .filter((l) => l.includes('not found'))
      .map((l) => l.trim().split(/\s/)[0]);
  } catch {
    return [];
  }
}

async function sparticuz(): Promise<FoundBrowser> {
  const { default: Chromium, inflate } = await import('@sparticuz/chromium');
  const executablePath = await Chromium.executablePath();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const missing = missingLibraries(executablePath);
  if (missing.length) {
    const require = createRequire(import.meta.url);
    let bin = dirname(require.resolve('@sparticuz/chromium'));
    while (!existsSync(join(bin, 'bin', 'al2023.tar.br')) && dirname(bin) !== bin) bin = dirname(bin);
    const libs = join(await inflate(join(bin, 'bin', 'al2023.tar.br')), 'lib');
    env.LD_LIBRARY_PATH = [libs, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    const still = missingLibraries(executablePath, env);
    if (still.length) {
      throw new Error(`@sparticuz/chromium at ${executablePath} cannot start: missing ${still.join(', ')} (install them, or Debian's chromium)`);
    }
  }
  // A machine without fontconfig gets the package's fonts, so the screenshot has readable text.
  if (!existsSync('/etc/fonts/fonts.conf')) {
    const { tmpdir } = await import('node:os');
    env.FONTCONFIG_PATH = join(tmpdir(), 'fonts');
  }
  // This build is chrome-headless-shell, which only runs in puppeteer's 'shell' mode.
  return { source: 'sparticuz', options: { executablePath, headless: 'shell', args: [...FLAGS, '--no-sandbox'], env } };
}

export async function findBrowser(): Promise<FoundBrowser> {
  const sandbox = isRoot() ? ['--no-sandbox'] : [];
  const fromEnv = process.env.SIAMESE_CHROMIUM;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`SIAMESE_CHROMIUM=${fromEnv} does not exist`);
    return { source: 'env', options: { executablePath: fromEnv, headless: true, args: [...FLAGS, ...sandbox] } };
  }
  if (existsSync('/usr/bin/chromium')) {
    return { source: 'debian', options: { executablePath: '/usr/bin/chromium', headless: true, args: [...FLAGS, ...sandbox] } };
  }
  try {
    return await sparticuz();
  } catch (e) {
    throw new Error(
      `no Chromium for the browser test: set SIAMESE_CHROMIUM, install Debian's 'chromium', or run 'npm install' ` +
        `for @sparticuz/chromium (${(e as Error).message})`,
    );
  }
}
