import { Backend } from './backend.js';
import type { WaitHooks } from './dawn-polling.js';

export interface ReadyOptions {
  /** Node only: 'auto' (default; hardware, else SwiftShader), 'hardware' or 'software'.
   * The environment variable SIAMESE_ADAPTER sets the same. */
  adapter?: 'auto' | 'hardware' | 'software';
  /** Drop the current device (if any) and make a new one, e.g. after a device loss. */
  fresh?: boolean;
  /** Node only: whether shaders run with Dawn's bounds checks: 'auto' (default: off on software
   * adapters, on on hardware GPUs), 'on' or 'off' (src/engine/node-gpu.ts, `BoundsChecks`).
   * The environment variable SIAMESE_BOUNDS_CHECKS sets the same. Browsers always check. */
  boundsChecks?: 'auto' | 'on' | 'off';
}

let current: Backend | null = null;
let pending: Promise<Backend> | null = null;

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/** Asks for every limit the adapter offers that our kernels care about. */
function wantedLimits(adapter: GPUAdapter): Record<string, number> {
  const l = adapter.limits;
  return {
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
  };
}

async function makeBackend(opts: ReadyOptions): Promise<Backend> {
  let adapter: GPUAdapter;
  let owner: unknown;
  let software: boolean;
  let waits: WaitHooks | null = null;
  let boundsChecks = true;
  if (isNode) {
    // A variable specifier keeps bundlers from pulling node-only code into the browser build.
    const mod = './node-gpu.js';
    const { acquireNodeGpu, boundsChecksChoice } = (await import(/* @vite-ignore */ mod)) as typeof import('./node-gpu.js');
    const env = (process.env.SIAMESE_ADAPTER || '').toLowerCase();
    const choice = opts.adapter ?? (env === 'hardware' || env === 'software' ? env : 'auto');
    if (env && !['auto', 'hardware', 'software'].includes(env)) {
      throw new Error(`SIAMESE_ADAPTER=${env}: expected auto, hardware or software`);
    }
    const got = await acquireNodeGpu(choice, boundsChecksChoice(opts.boundsChecks));
    adapter = got.adapter;
    boundsChecks = got.boundsChecks;
    owner = got.instance;
    software = got.software;
    waits = got.waits;
  } else {
    const gpu = (globalThis as { navigator?: Navigator }).navigator?.gpu;
    if (!gpu) {
      throw new Error(
        'WebGPU is not available in this browser. Use a recent Chrome, Edge or Safari 26+ (or Firefox 141+ on Windows), ' +
          'over https or localhost.',
      );
    }
    const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!a) throw new Error('navigator.gpu gave no adapter: WebGPU may be disabled or blocklisted for this GPU.');
    adapter = a;
    owner = gpu;
    software = /swiftshader/i.test(`${a.info.architecture} ${a.info.description}`);
  }
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits: wantedLimits(adapter) });
  return new Backend(device, adapter.info, software, owner, waits, boundsChecks);
}

/**
 * Gets the GPU device, once. Every other call in the library needs it: `await ready()` first.
 * Returns the backend, whose `adapterName` says which adapter is in use.
 */
export async function ready(opts: ReadyOptions = {}): Promise<Backend> {
  if (opts.fresh && current) {
    const old = current;
    current = null;
    pending = null;
    try {
      old.destroy();
    } catch {
      /* a lost device may refuse; it is gone either way */
    }
  }
  if (current) return current;
  if (!pending) {
    pending = makeBackend(opts).then(
      (b) => (current = b),
      (e) => {
        pending = null;
        throw e;
      },
    );
  }
  return pending;
}

/** The backend made by `ready()`; throws a clear error when it was not awaited. */
export function backend(): Backend {
  if (!current) throw new Error('no GPU device yet: call `await ready()` before using tensors');
  return current;
}

/** Destroys the device so that Node can exit. */
export function shutdown(): void {
  current?.destroy();
  current = null;
  pending = null;
}
