/**
 * Headless Chromium for the benchmarks: builds each page of bench/browser/ with Vite when first
 * used, into runs/bench-site/ (TensorFlow.js's dist bundles copied beside its page: no CDN),
 * serves it on 127.0.0.1 (a secure context, so pages get navigator.gpu), and launches the Chromium that the browser
 * tests find (tests/browser/find-browser.ts: Debian's chromium, else @sparticuz/chromium). Each
 * run gets a fresh tab, so every engine starts from its own new WebGPU device.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { findBrowser } from '../tests/browser/find-browser.js';
import { serveFolder, type StaticServer } from '../tests/browser/static-server.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const site = join(repo, 'runs', 'bench-site');
const require = createRequire(import.meta.url);

type PageName = 'ours.html' | 'tfjs.html';

function buildPage(page: PageName): void {
  const name = page.replace('.html', '');
  try {
    execFileSync(process.execPath, [join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(here, 'browser', 'vite.config.ts')], {
      cwd: repo,
      env: { ...process.env, BENCH_PAGE: name, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    // eslint-disable-next-line no-control-regex
    const lines = (err.stderr?.toString() ?? '').replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim());
    const at = lines.findIndex((l) => /error during build/i.test(l));
    const why = lines.slice(at + 1).find((l) => l && !/^Build failed with/i.test(l));
    throw new Error(`the benchmark page ${page} did not build: ${at >= 0 && why ? why : err.message.split('\n')[0]}`);
  }
  if (name !== 'tfjs') return;
  const tfjsDist = join(dirname(require.resolve('@tensorflow/tfjs/package.json')), 'dist');
  copyFileSync(join(tfjsDist, 'tf.min.js'), join(site, 'tf.min.js'));
  const webgpuDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-webgpu/package.json')), 'dist');
  copyFileSync(join(webgpuDist, 'tf-backend-webgpu.min.js'), join(site, 'tf-backend-webgpu.min.js'));
}

export interface ChromiumSession {
  /** Which Chromium, and its version. */
  browserName: string;
  /** Opens `page` (ours.html or tfjs.html), evaluates `expression` (a promise), closes the tab. */
  run<T>(page: PageName, expression: string, budgetS: number): Promise<T>;
  close(): Promise<void>;
}

export async function openChromium(): Promise<ChromiumSession> {
  rmSync(site, { recursive: true, force: true });
  mkdirSync(site, { recursive: true });
  const built = new Set<PageName>();
  const { default: puppeteer } = await import('puppeteer-core');
  const found = await findBrowser();
  let server: StaticServer | null = null;
  let browser: Browser | null = null;
  try {
    server = await serveFolder(site);
    // The longest evaluate (tfjs WebGPU, several steps of ~15 s) must not hit the protocol timeout.
    browser = await puppeteer.launch({ ...found.options, protocolTimeout: 30 * 60_000 });
  } catch (e) {
    await server?.close();
    throw e;
  }
  const b = browser;
  const url = server.url;
  const browserName = `${found.source} ${await b.version()}`;
  return {
    browserName,
    async run<T>(pageName: PageName, expression: string, budgetS: number): Promise<T> {
      if (!built.has(pageName)) {
        buildPage(pageName);
        built.add(pageName);
      }
      const page = await b.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await page.goto(url + pageName);
        await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'loading…', { timeout: 60_000 });
        const status = await page.evaluate(() => document.getElementById('status')?.textContent);
        if (status !== 'ready') throw new Error(`${pageName}: ${status}${errors.length ? ` (${errors[0]})` : ''}`);
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${pageName}: did not finish within ${budgetS} s`)), budgetS * 1000);
        });
        return (await Promise.race([page.evaluate(expression), timeout])) as T;
      } catch (e) {
        const extra = errors.length ? ` [page: ${errors[0]}]` : '';
        throw new Error(`${(e as Error).message.split('\n')[0]}${extra}`);
      } finally {
        clearTimeout(timer);
        await page.close().catch(() => undefined);
      }
    },
    async close() {
      await b.close();
      await server!.close();
    },
  };
}
