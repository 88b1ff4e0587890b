#!/usr/bin/env node
// Packs what the lent GPU machine needs into .devpack/ (gitignored, carried by the device
// tool): a Node binary, dawn.node, a Vulkan loader, the kernel tests bundled into one script
// (vitest replaced by vitest-shim.ts), and the benchmark bundled likewise. That machine has no
// npm and no registry, and the whole tree must stay under 64 MiB, so node_modules cannot go.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, '.devpack');
rmSync(join(out, 'js'), { recursive: true, force: true });
mkdirSync(join(out, 'js'), { recursive: true });

// Tests that need a browser, child processes or the 40 MB digits package stay behind.
const skip = /browser|cli|data|siamese-losses|siamese-parity|siamese-pairs|siamese-model|interop|siamese-fit/;
const tests = readdirSync(join(root, 'tests')).filter((f) => f.endsWith('.test.ts') && !skip.test(f)).sort();
const entry = join(out, 'check-entry.ts');
// Each file runs on its own, as under vitest: fresh hooks, its own device (ready/shutdown).
writeFileSync(
  entry,
  [
    `import { runAll, resetSuites, beforeAll, afterAll } from '../scripts/device/vitest-shim.ts';`,
    `import { ready, shutdown } from '../src/index.ts';`,
    `let passed = 0, failed = 0;`,
    `const files = {`,
    ...tests.map((t) => `  ${JSON.stringify(t)}: () => import('../tests/${t}'),`),
    `};`,
    `for (const [name, load] of Object.entries(files)) {`,
    `  resetSuites();`,
    `  beforeAll(async () => { const b = await ready(); if (name === ${JSON.stringify(tests[0])}) console.log('adapter: ' + b.adapterName); });`,
    `  afterAll(() => shutdown());`,
    `  await load();`,
    `  const [p, f] = await runAll((l) => console.log(name + ': ' + l));`,
    `  passed += p; failed += f;`,
    `}`,
    `console.log(\`\${passed} passed, \${failed} failed\`);`,
    `process.exit(failed ? 1 : 0);`,
  ].join('\n'),
);

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu', '@sparticuz/chromium', './node-gpu.js'],
  alias: { vitest: join(root, 'scripts/device/vitest-shim.ts') },
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
};
await build({ ...common, entryPoints: [entry], outfile: join(out, 'js/checks.mjs') });
// device.ts loads node-gpu.js through a variable import: ship it beside the bundles.
await build({ ...common, entryPoints: [join(root, 'src/engine/node-gpu.ts')], outfile: join(out, 'js/node-gpu.js') });
if (existsSync(join(root, 'bench/run.ts'))) {
  await build({ ...common, entryPoints: [join(root, 'bench/run.ts')], outfile: join(out, 'js/bench.mjs') });
}
rmSync(entry);

// Node itself, dawn.node and the Vulkan loader, compressed.
const nodeXz = join(out, 'node.xz');
if (!existsSync(nodeXz)) execFileSync('sh', ['-c', `xz -6 -T2 -c "$(readlink -f "$(command -v node)")" > "${nodeXz}"`]);
const dawnXz = join(out, 'dawn.node.xz');
if (!existsSync(dawnXz)) {
  execFileSync('sh', ['-c', `xz -6 -T2 -c "${join(root, 'node_modules/webgpu/dist/linux-x64/dawn.node')}" > "${dawnXz}"`]);
}
for (const f of ['index.js', 'package.json']) copyFileSync(join(root, 'node_modules/webgpu', f), join(out, `webgpu-${f}`));
const loader = join(root, 'node_modules/.cache/webgpu-siamese/swiftshader/libvulkan.so.1');
if (existsSync(loader)) copyFileSync(loader, join(out, 'libvulkan.so.1'));
console.log(`packed ${tests.length} test files into .devpack/`);
