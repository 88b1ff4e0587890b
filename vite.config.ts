/**
 * The browser page (issue 5). `npm run dev` serves web/ with hot reload; `npm run build` writes
 * a static site to dist/ that works offline: the engine's TypeScript is bundled from src/, and
 * the digits are packed into one gzipped binary (web/data/digits-format.ts) at build time.
 */
import { defineConfig, type Plugin } from 'vite';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIGITS_ASSET, mnistDigitsDir, packMnistDigits } from './web/tools/pack-digits.js';

const repoRoot = dirname(fileURLToPath(import.meta.url));

/** Serves the packed digits in dev and emits them into dist/ on build (never into the tree). */
function mnistDigits(): Plugin {
  let packed: Uint8Array | null = null;
  const bytes = (): Uint8Array => (packed ??= packMnistDigits(mnistDigitsDir(repoRoot)).bytes);
  return {
    name: 'webgpu-siamese:mnist-digits',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (req.url?.split('?')[0] !== `/${DIGITS_ASSET}`) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(bytes());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: DIGITS_ASSET, source: bytes() });
    },
  };
}

export default defineConfig({
  root: resolve(repoRoot, 'web'),
  // Relative asset URLs: dist/ works from any folder of any static server.
  base: './',
  // web/ has no public/ folder; generated assets come from the plugin above.
  publicDir: false,
  plugins: [mnistDigits()],
  server: {
    host: '127.0.0.1', // a secure context for navigator.gpu without https
    fs: { allow: [repoRoot] }, // the page imports the engine from ../src
  },
  preview: { host: '127.0.0.1' },
  build: {
    outDir: resolve(repoRoot, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
