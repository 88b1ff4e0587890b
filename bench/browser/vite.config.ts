/**
 * Builds one benchmark page, $BENCH_PAGE (ours: our engine; tfjs: TensorFlow.js from the npm
 * package's dist bundles, copied in by bench/chromium.ts), into runs/bench-site/ (gitignored).
 * One page per build, so that TensorFlow.js's page still builds while our engine's does not.
 * bench/chromium.ts runs this; nothing here is part of the product page.
 */
import { defineConfig } from 'vite';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const page = process.env.BENCH_PAGE === 'tfjs' ? 'tfjs' : 'ours';

export default defineConfig({
  root: here,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: resolve(repo, 'runs/bench-site'),
    emptyOutDir: false,
    target: 'es2022',
    // Readable stack traces when a benchmark throws in the page.
    minify: false,
    rollupOptions: {
      input: { [page]: resolve(here, `${page}.html`) },
    },
  },
});
