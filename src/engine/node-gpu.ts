/**
 * Node-only: finds a WebGPU implementation (npm `webgpu`, Dawn's binding) and a Vulkan driver
 * for it. Prefers a hardware GPU; where there is none, falls back to SwiftShader (Vulkan on the
 * CPU) from Debian's `chromium` package or from the npm package `@sparticuz/chromium`.
 *
 * This file is only ever loaded through a dynamic import from device.ts, so browser bundles
 * never see `node:` modules.
 *
 * Environment:
 *   SIAMESE_ADAPTER   auto (default) | hardware | software
 *   SIAMESE_VK_ICD    path of a Vulkan ICD json to use instead of searching
 *   SIAMESE_BOUNDS_CHECKS  auto (default) | on | off: see `BoundsChecks`
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync, readdirSync, renameSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { brotliDecompressSync } from 'node:zlib';

import { yieldingWaits, type WaitHooks } from './dawn-polling.js';

const require = createRequire(import.meta.url);

export type AdapterChoice = 'auto' | 'hardware' | 'software';

/**
 * Whether Dawn compiles our shaders with its robustness transform, which clamps the index of
 * every storage and uniform access so that a kernel cannot touch memory outside its buffers.
 * WebGPU requires it for web pages, whose shaders are untrusted; in Node every shader is ours,
 * and each kernel keeps its indices in bounds itself (edges are clamped or skipped by design,
 * and tests/bounds-checks.test.ts checks that results are bit-identical with the checks on). On
 * SwiftShader each clamp is extra work in every lane of every read: a training step of the seed
 * network took 350 ms without them and 413 ms with them. 'auto' turns them off on software
 * adapters and keeps them on hardware GPUs (where they cost little and a stray access could
 * hang the driver); 'on' and 'off' force either. Browsers always check.
 */
export type BoundsChecks = 'auto' | 'on' | 'off';

/** The setting from `opts` or SIAMESE_BOUNDS_CHECKS, validated. */
export function boundsChecksChoice(opt?: BoundsChecks): BoundsChecks {
  const raw = opt ?? ((process.env.SIAMESE_BOUNDS_CHECKS || 'auto').toLowerCase() as BoundsChecks);
  if (raw !== 'auto' && raw !== 'on' && raw !== 'off') {
    const where = opt === undefined ? `SIAMESE_BOUNDS_CHECKS=${String(raw)}` : `boundsChecks '${String(raw)}'`;
    throw new Error(`${where}: expected auto, on or off`);
  }
  return raw;
}

/** Dawn's instance flag that turns its robustness transform off. */
const NO_ROBUSTNESS = 'enable-dawn-features=disable_robustness';

/** Whether shaders on an adapter of this kind run with bounds checks under `checks`. */
export function boundsChecked(checks: BoundsChecks, software: boolean): boolean {
  return checks === 'on' || (checks === 'auto' && !software);
}

/**
 * The flags dawn.node's `create()` gets: Dawn's timestamp quantisation off (exact kernel
 * timings, shared KERNELS.md), and its robustness transform off where bounds are not checked.
 */
export function instanceFlags(checks: BoundsChecks, software: boolean): string[] {
  const base = ['disable-dawn-features=timestamp_quantization'];
  return boundsChecked(checks, software) ? base : [...base, NO_ROBUSTNESS];
}

/** What `acquireNodeGpu` hands back. `instance` must stay referenced while the device lives. */
export interface NodeGpu {
  instance: GPU;
  adapter: GPUAdapter;
  software: boolean;
  icd: string | null;
  /** Whether shaders run with Dawn's bounds checks (`BoundsChecks`). */
  boundsChecks: boolean;
  /** Makes the engine's waits on this device yield the CPU (dawn-polling.ts). */
  waits: WaitHooks;
}

/** How long a wait polls at full speed before it yields: dawn-polling.ts. */
const SPIN_MS = { software: 2, hardware: 20 };

function withWaits<T extends { software: boolean }>(g: T): T & { waits: WaitHooks } {
  return { ...g, waits: yieldingWaits(g.software ? SPIN_MS.software : SPIN_MS.hardware) };
}

const HARDWARE_ICD_DIRS = [
  '/usr/share/vulkan/icd.d',
  '/etc/vulkan/icd.d',
  '/usr/local/share/vulkan/icd.d',
  '/usr/local/nvidia/share/vulkan/icd.d',
];

function isSoftwareIcd(file: string): boolean {
  return /swiftshader|lvp|lavapipe|llvmpipe/i.test(file);
}

function hardwareIcds(): string[] {
  const found: string[] = [];
  for (const d of HARDWARE_ICD_DIRS) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) if (f.endsWith('.json') && !isSoftwareIcd(f)) found.push(join(d, f));
  }
  return found;
}

function systemHasVulkanLoader(): boolean {
  try {
    return execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('libvulkan.so.1');
  } catch {
    return ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1'].some(existsSync);
  }
}

function cacheDir(): string {
  const candidates = [join(process.cwd(), 'node_modules', '.cache', 'webgpu-siamese'), join(tmpdir(), 'webgpu-siamese-cache')];
  for (const c of candidates) {
    try {
      mkdirSync(c, { recursive: true });
      return c;
    } catch {
      /* try the next */
    }
  }
  throw new Error('webgpu-siamese: no writable cache folder for the software GPU (tried ' + candidates.join(', ') + ')');
}

/** Unpacks @sparticuz/chromium's SwiftShader (a brotli tar) once; returns its folder or null. */
function unpackSparticuzSwiftShader(): string | null {
  let dir: string;
  try {
    dir = dirname(require.resolve('@sparticuz/chromium')); // its package.json is not exported
  } catch {
    return null;
  }
  while (!existsSync(join(dir, 'bin', 'swiftshader.tar.br'))) {
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
  const archive = join(dir, 'bin', 'swiftshader.tar.br');
  const dest = join(cacheDir(), 'swiftshader');
  if (existsSync(join(dest, 'vk_swiftshader_icd.json'))) return dest;
  const tar = brotliDecompressSync(readFileSync(archive));
  const tmp = dest + '.tmp-' + process.pid;
  mkdirSync(tmp, { recursive: true });
  untar(tar, tmp);
  try {
    renameSync(tmp, dest);
  } catch {
    /* another process won the race; its copy is as good */
  }
  return dest;
}

/** Minimal ustar reader: regular files only, which is all the SwiftShader archive holds. */
function untar(buf: Buffer, dest: string): void {
  let off = 0;
  while (off + 512 <= buf.length) {
    const name = buf.toString('utf8', off, off + 100).replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(buf.toString('utf8', off + 124, off + 136).replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(buf[off + 156] || 48);
    off += 512;
    if (type === '0' || type === '\0') {
      const file = join(dest, name.replace(/^\.\//, ''));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, buf.subarray(off, off + size), { mode: 0o755 });
    }
    off += Math.ceil(size / 512) * 512;
  }
}

/** Finds a SwiftShader Vulkan ICD: Debian's chromium first, then @sparticuz/chromium. */
export function findSoftwareIcd(): { icd: string; loaderDir: string | null } | null {
  const debian = '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (existsSync(debian)) return { icd: debian, loaderDir: null };
  const dir = unpackSparticuzSwiftShader();
  if (dir) return { icd: join(dir, 'vk_swiftshader_icd.json'), loaderDir: dir };
  return null;
}

/**
 * Dawn opens `libvulkan.so.1` from its own folder first, then from the system. A machine with
 * no Vulkan loader installed gets the one that ships beside SwiftShader in @sparticuz/chromium,
 * copied next to dawn.node (the dynamic linker's search path cannot change inside a running
 * process).
 */
function ensureVulkanLoader(): void {
  if (systemHasVulkanLoader()) return;
  const dawnDir = join(dirname(require.resolve('webgpu')), 'dist', `${process.platform}-${process.arch}`);
  const target = join(dawnDir, 'libvulkan.so.1');
  if (existsSync(target)) return;
  const dir = unpackSparticuzSwiftShader();
  if (!dir || !existsSync(join(dir, 'libvulkan.so.1'))) {
    throw new Error(
      'webgpu-siamese: no Vulkan loader (libvulkan.so.1) on this machine. Install Debian/Ubuntu package ' +
        "'libvulkan1' (with a GPU driver or 'chromium' for its SwiftShader), or npm package '@sparticuz/chromium'.",
    );
  }
  try {
    copyFileSync(join(dir, 'libvulkan.so.1'), target);
  } catch (e) {
    throw new Error(
      `webgpu-siamese: cannot place the Vulkan loader at ${target} (${(e as Error).message}). ` +
        `Install package 'libvulkan1', or start node with LD_LIBRARY_PATH=${dir}.`,
    );
  }
}

async function tryAdapter(icd: string | null, flags: string[]): Promise<{ instance: GPU; adapter: GPUAdapter } | null> {
  if (icd) process.env.VK_ICD_FILENAMES = icd;
  else delete process.env.VK_ICD_FILENAMES;
  const webgpu = (await import('webgpu')) as unknown as { create(flags: string[]): GPU; globals: object };
  Object.assign(globalThis, webgpu.globals);
  const instance = webgpu.create(flags);
  const adapter = await instance.requestAdapter({ powerPreference: 'high-performance' });
  return adapter ? { instance, adapter } : null;
}

export function adapterIsSoftware(adapter: GPUAdapter): boolean {
  const i = adapter.info;
  return /swiftshader|llvmpipe|lavapipe/i.test(`${i.architecture} ${i.description} ${i.device}`) || i.vendor === 'google';
}

/** Finds an adapter as described at the top of this file. */
export async function acquireNodeGpu(choice: AdapterChoice = 'auto', checks: BoundsChecks = boundsChecksChoice()): Promise<NodeGpu> {
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = tmpdir(); // silences Dawn's start-up noise
  const checked = (software: boolean): boolean => boundsChecked(checks, software);
  const flags = (software: boolean): string[] => instanceFlags(checks, software);
  const forced = process.env.SIAMESE_VK_ICD;
  if (process.platform === 'linux') ensureVulkanLoader();

  if (forced) {
    if (!existsSync(forced)) throw new Error(`webgpu-siamese: SIAMESE_VK_ICD=${forced} does not exist`);
    const soft = isSoftwareIcd(forced);
    const got = await tryAdapter(forced, flags(soft));
    if (!got) throw new Error(`webgpu-siamese: no WebGPU adapter from the Vulkan driver ${forced}`);
    return withWaits({ ...got, software: adapterIsSoftware(got.adapter), icd: forced, boundsChecks: checked(soft) });
  }
  if (choice !== 'software') {
    const hw = process.platform !== 'linux' || hardwareIcds().length > 0 ? await tryAdapter(null, flags(false)) : null;
    if (hw && !adapterIsSoftware(hw.adapter)) return withWaits({ ...hw, software: false, icd: null, boundsChecks: checked(false) });
    if (choice === 'hardware') {
      throw new Error('webgpu-siamese: SIAMESE_ADAPTER=hardware, but no hardware GPU adapter was found (Vulkan ICDs seen: ' +
        (hardwareIcds().join(', ') || 'none') + ')');
    }
  }
  const sw = findSoftwareIcd();
  if (!sw) {
    throw new Error(
      'webgpu-siamese: no GPU adapter and no software GPU found. Install npm package @sparticuz/chromium ' +
        "(a dependency of this package: run 'npm install') or Debian's 'chromium' package for SwiftShader.",
    );
  }
  const got = await tryAdapter(sw.icd, flags(true));
  if (!got) throw new Error(`webgpu-siamese: SwiftShader at ${sw.icd} gave no WebGPU adapter`);
  return withWaits({ ...got, software: true, icd: sw.icd, boundsChecks: checked(true) });
}
