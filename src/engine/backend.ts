import { BufferPool, type PoolStats } from './buffer-pool.js';
import { PipelineCache, type PipelineInfo } from './pipeline-cache.js';
import { estimateLaunchTimes, type ReplayLaunch } from './launch-estimate.js';
import type { WaitHooks } from './dawn-polling.js';
import type { ShaderName } from '../kernels/shaders.gen.js';

/** One kernel launch, as a dispatcher in src/kernels describes it. */
export interface Dispatch {
  shader: ShaderName;
  entry: string;
  /** WGSL `override` constants: part of the pipeline's identity, so keep them few and stable. */
  constants?: Record<string, number>;
  /** Bytes of the shader's `Uniforms` struct, bound at @binding(0). */
  uniforms: ArrayBuffer;
  /** Storage buffers bound at @binding(1), @binding(2), ... in this order. */
  buffers: GPUBuffer[];
  workgroups: [number, number, number];
  /** For the profiler: floating-point operations and bytes moved by this launch. */
  flops?: number;
  bytes?: number;
}

/** A recorded kernel launch, with its GPU time once the profiler has resolved it. */
export interface KernelRecord {
  name: string;
  workgroups: [number, number, number];
  flops: number;
  bytes: number;
  /** GPU nanoseconds from timestamp queries; null where the adapter has none. */
  gpuNs: number | null;
  /** Wall-clock estimate (launch-estimate.ts) where timestamps are missing or were declined. */
  estimatedNs: number | null;
  /** The pipeline it ran: WGSL source, entry point, constants, workgroup size (shared, not copied). */
  pipeline: PipelineInfo;
}

/**
 * The GPU device is gone: destroyed, a driver reset, a GPU process crash, a laptop switching
 * GPUs. Every tensor on it is lost with it; `reason` is WebGPU's ('destroyed' or 'unknown').
 */
export class DeviceLostError extends Error {
  constructor(
    /** What happened, in words. */
    readonly detail: string,
    readonly reason: string = 'unknown',
  ) {
    super(`the GPU device was lost: ${detail}. Create a new one with ready({ fresh: true }) and resume from a checkpoint.`);
    this.name = 'DeviceLostError';
  }
}

/** Submit at least this often so that the GPU starts work while JavaScript keeps encoding. */
const DISPATCHES_PER_SUBMIT = 64;
const UNIFORM_USAGE = 0x40 /* UNIFORM */ | 0x08; /* COPY_DST */
const STAGING_USAGE = 0x01 /* MAP_READ */ | 0x08; /* COPY_DST */

/**
 * Owns one GPUDevice: buffer pool, pipeline cache, and a single command encoder that collects
 * dispatches until a readback (or every DISPATCHES_PER_SUBMIT launches) submits them.
 */
export class Backend {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  /** Set once the device is lost (or destroyed by us); every later call throws DeviceLostError with it. */
  lostReason: string | null = null;
  /** WebGPU's GPUDeviceLostReason once lost: 'destroyed' or 'unknown'. */
  lostKind: string | null = null;
  /** Uniform buffers created over the backend's life (flat after warm-up, like the pool's count). */
  uniformsCreated = 0;
  /** True once destroy() ran (shutdown, or ready({ fresh: true }) replacing this backend). */
  destroyed = false;
  /** Launches since the backend started, for tests and the profiler. */
  dispatchCount = 0;
  submitCount = 0;

  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private sinceSubmit = 0;
  /** Buffers freed while commands that use them may still be unsubmitted. */
  private parked: GPUBuffer[] = [];
  private uniformFree = new Map<number, GPUBuffer[]>();
  private uniformParked: GPUBuffer[] = [];
  private uncaptured: Error | null = null;
  /** Rejecters of awaits in flight (readbacks, syncs), called when the device is lost. */
  private waiting = new Set<(e: Error) => void>();
  private profile: { records: KernelRecord[]; replays: ReplayLaunch[]; querySet: GPUQuerySet | null; capacity: number } | null = null;

  constructor(
    readonly device: GPUDevice,
    readonly adapterInfo: GPUAdapterInfo,
    readonly software: boolean,
    /** The object that must outlive the device (dawn.node's instance); see PLATFORM.md. */
    private readonly owner: unknown,
    /** Node: makes waits on the device yield the CPU (src/engine/dawn-polling.ts). */
    private readonly waits: WaitHooks | null = null,
    /** Whether shaders run with the implementation's bounds checks (always in browsers; in Node
     * see `BoundsChecks` in src/engine/node-gpu.ts). */
    readonly boundsChecks: boolean = true,
  ) {
    this.pool = new BufferPool(device);
    this.pipelines = new PipelineCache(device);
    device.lost.then((info) => this.markLost(info.message || 'no message', String(info.reason)));
    device.addEventListener?.('uncapturederror', (ev: Event) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      if (!this.uncaptured) this.uncaptured = new Error(`GPU error: ${e.message}`);
    });
  }

  get hasTimestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }

  /** A readable name for the adapter, e.g. "nvidia hopper (NVIDIA H200)" or "google swiftshader". */
  get adapterName(): string {
    const i = this.adapterInfo;
    return [i.vendor, i.architecture, i.description ? `(${i.description})` : ''].filter(Boolean).join(' ') || 'unknown adapter';
  }

  checkAlive(): void {
    if (this.lostReason !== null) throw new DeviceLostError(this.lostReason, this.lostKind ?? 'unknown');
  }

  /** Records the loss once and fails every await still in flight, so that none of them hangs. */
  private markLost(message: string, kind: string): void {
    if (this.lostReason === null) {
      this.lostReason = /destroy/i.test(message) ? message : `${message} (reason '${kind}')`;
      this.lostKind = kind;
    }
    const err = new DeviceLostError(this.lostReason, this.lostKind ?? kind);
    for (const reject of this.waiting) reject(err);
    this.waiting.clear();
  }

  /**
   * Awaits `p` but rejects with DeviceLostError as soon as the device is lost. Not
   * Promise.race(p, device.lost): each race would leave a reaction on the long-lived lost
   * promise, a small leak per readback that adds up over a long training run.
   */
  private guard<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onLost = (e: Error) => reject(e);
      this.waiting.add(onLost);
      p.then(
        (v) => {
          this.waiting.delete(onLost);
          resolve(v);
        },
        (e) => {
          // A map or a wait that fails on a lost device is reported as the loss, whatever error
          // the implementation chose for it. The loss event may arrive just after the failure,
          // so a failure on a device not yet known lost waits a moment for it (onLost stays
          // registered and wins if it comes).
          const settle = () => {
            this.waiting.delete(onLost);
            reject(this.lostReason !== null ? new DeviceLostError(this.lostReason, this.lostKind ?? 'unknown') : e);
          };
          if (this.lostReason !== null) settle();
          else setTimeout(settle, 50);
        },
      );
    });
  }

  /** guard() around a wait on the device, with the waits hooks (if any) around its making. */
  private async wait<T>(start: () => Promise<T>): Promise<T> {
    this.waits?.begin();
    try {
      return await this.guard(start());
    } finally {
      this.waits?.end();
    }
  }

  /** Throws the first GPU error seen since the last check (tests call this through readback). */
  private checkErrors(): void {
    const e = this.pipelines.error ?? this.uncaptured;
    if (e) {
      this.pipelines.error = null;
      this.uncaptured = null;
      throw e;
    }
  }

  createBuffer(bytes: number): GPUBuffer {
    this.checkAlive();
    // The buffer must fit maxBufferSize as well as the binding limit; take the smaller of the two.
    const l = this.device.limits;
    const max = Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize);
    if (bytes > max) {
      throw new Error(`a tensor of ${bytes} bytes exceeds this adapter's largest storage binding (${max} bytes)`);
    }
    return this.pool.take(bytes);
  }

  /** Returns a buffer to the pool once the commands already encoded with it are submitted. */
  releaseBuffer(buf: GPUBuffer): void {
    // A tensor that outlived its device is freed with it: its buffer must never enter a pool.
    if (this.destroyed) return;
    if (this.encoder) this.parked.push(buf);
    else this.pool.put(buf);
  }

  write(buf: GPUBuffer, data: ArrayBufferView, offset = 0): void {
    this.checkAlive();
    this.device.queue.writeBuffer(buf, offset, data.buffer, data.byteOffset, data.byteLength);
  }

  dispatch(d: Dispatch): void {
    this.checkAlive();
    const [x, y, z] = d.workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    const lim = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > lim || y > lim || z > lim) {
      throw new Error(`kernel ${d.shader}.${d.entry}: grid ${x}x${y}x${z} exceeds ${lim} per dimension; use grid2d()`);
    }
    const pipeline = this.pipelines.get(d.shader, d.entry, d.constants);
    const ubuf = this.takeUniform(d.uniforms);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: ubuf } }];
    d.buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });

    const pass = this.beginPass(d, pipeline);
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    if (this.profile) this.endPass();
    this.dispatchCount++;
    if (++this.sinceSubmit >= DISPATCHES_PER_SUBMIT && !this.profile) this.flush();
  }

  private beginPass(d: Dispatch, pipeline: GPUComputePipeline): GPUComputePassEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (this.profile) {
      const info = this.pipelines.info(d.shader, d.entry, d.constants);
      const rec: KernelRecord = {
        name: `${d.shader}.${d.entry}`,
        workgroups: [...d.workgroups],
        flops: d.flops ?? 0,
        bytes: d.bytes ?? 0,
        gpuNs: null,
        estimatedNs: null,
        pipeline: info,
      };
      const p = this.profile;
      p.records.push(rec);
      // Enough to run it again on scratch buffers, for the wall-clock estimate.
      p.replays.push({ key: info.key, pipeline, uniforms: d.uniforms.slice(0), bufferSizes: d.buffers.map((b) => b.size), workgroups: rec.workgroups });
      const i = p.records.length - 1;
      if (p.querySet && i < p.capacity) {
        this.pass = this.encoder.beginComputePass({
          timestampWrites: { querySet: p.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
        });
        return this.pass;
      }
      this.pass = this.encoder.beginComputePass();
      return this.pass;
    }
    if (!this.pass) this.pass = this.encoder.beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /** Copies `bytes` from `src` into a new buffer within the current encoder (for clones). */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number, srcOffset = 0, dstOffset = 0): void {
    this.checkAlive();
    this.endPass();
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    this.encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, Math.ceil(bytes / 4) * 4);
  }

  /** Submits everything encoded so far and frees what was parked behind it. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    this.device.queue.submit([this.encoder.finish()]);
    this.submitCount++;
    this.encoder = null;
    this.sinceSubmit = 0;
    for (const b of this.parked) this.pool.put(b);
    this.parked = [];
    for (const u of this.uniformParked) {
      let list = this.uniformFree.get(u.size);
      if (!list) this.uniformFree.set(u.size, (list = []));
      list.push(u);
    }
    this.uniformParked = [];
  }

  /** Reads `bytes` of `src` back to the CPU; submits pending work first. */
  async read(src: GPUBuffer, bytes: number, offset = 0): Promise<ArrayBuffer> {
    this.checkAlive();
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const staging = this.device.createBuffer({ size, usage: STAGING_USAGE });
    this.endPass();
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    this.encoder.copyBufferToBuffer(src, offset, staging, 0, size);
    this.flush();
    try {
      await this.wait(() => holdUntilSettled(staging.mapAsync(GPUMapMode.READ), staging));
      this.checkErrors();
      return staging.getMappedRange().slice(0, bytes);
    } finally {
      staging.destroy();
    }
  }

  /** Resolves when the GPU has finished everything submitted (submits pending work first). */
  async sync(): Promise<void> {
    this.checkAlive();
    this.flush();
    await this.wait(() => this.device.queue.onSubmittedWorkDone());
    this.checkErrors();
  }

  private takeUniform(data: ArrayBuffer): GPUBuffer {
    const size = data.byteLength;
    let buf = this.uniformFree.get(size)?.pop();
    if (!buf) {
      buf = this.device.createBuffer({ size, usage: UNIFORM_USAGE });
      this.uniformsCreated++;
    }
    this.device.queue.writeBuffer(buf, 0, data);
    this.uniformParked.push(buf);
    return buf;
  }

  /**
   * Starts recording every launch (one compute pass each, with timestamps where available and
   * not declined with `timestamps: false`).
   */
  startProfile(capacity = 2048, { timestamps = true }: { timestamps?: boolean } = {}): void {
    this.flush();
    // WebGPU caps a query set at 4096 queries: two timestamps per launch allow 2048 launches.
    capacity = Math.min(capacity, 2048);
    const querySet = timestamps && this.hasTimestamps ? this.device.createQuerySet({ type: 'timestamp', count: 2 * capacity }) : null;
    this.profile = { records: [], replays: [], querySet, capacity };
  }

  /**
   * Stops recording and resolves GPU times for the recorded launches. With `estimate`
   * 'if-needed' (default), where any launch has no timestamp (no timestamp-query, or more
   * launches than the query set holds), every launch also gets a wall-clock estimate
   * (launch-estimate.ts, which re-runs launches); 'always' estimates anyway, 'never' does not.
   */
  async stopProfile({ estimate = 'if-needed' }: { estimate?: 'if-needed' | 'always' | 'never' } = {}): Promise<KernelRecord[]> {
    const p = this.profile;
    if (!p) throw new Error('stopProfile() without startProfile()');
    this.profile = null;
    const n = Math.min(p.records.length, p.capacity);
    if (p.querySet && n > 0) {
      const bytes = 16 * n;
      const resolveBuf = this.device.createBuffer({ size: bytes, usage: 0x200 /* QUERY_RESOLVE */ | 0x04 /* COPY_SRC */ });
      this.endPass();
      if (!this.encoder) this.encoder = this.device.createCommandEncoder();
      this.encoder.resolveQuerySet(p.querySet, 0, 2 * n, resolveBuf, 0);
      const raw = new BigUint64Array(await this.read(resolveBuf, bytes));
      for (let i = 0; i < n; i++) p.records[i].gpuNs = Number(raw[2 * i + 1] - raw[2 * i]);
      resolveBuf.destroy();
      p.querySet.destroy();
    } else {
      await this.sync();
    }
    if (estimate === 'always' || (estimate === 'if-needed' && p.records.some((r) => r.gpuNs === null))) {
      const ns = await estimateLaunchTimes(this.device, p.replays, (w) => this.guard(w));
      p.records.forEach((r, i) => (r.estimatedNs = ns[i]));
      this.checkErrors();
    }
    return p.records;
  }

  memory(): PoolStats {
    return this.pool.snapshot();
  }

  destroy(): void {
    if (this.destroyed) return;
    // First, so that nothing below that throws (a flush on a failing device) can leave the
    // instance to the garbage collector while Dawn still polls it (PLATFORM.md).
    keepUntilExit(this.owner, this.device);
    try {
      if (this.lostReason === null) this.flush();
    } finally {
      this.destroyed = true;
      this.markLost('the backend was shut down or replaced', 'destroyed');
      this.pool.clear();
      for (const list of this.uniformFree.values()) for (const b of list) b.destroy();
      this.uniformFree.clear();
      this.device.destroy();
    }
  }
}

/**
 * Keeps `owner` reachable until `p` settles, and returns `p`. A readback's wait can end before its
 * map does (the device is lost: guard() rejects at once), and then read() drops the staging
 * buffer; but dawn.node's map callback, when it comes, writes the mapping state into the buffer's
 * JavaScript wrapper, so a wrapper already garbage-collected would be written after it was freed
 * (a crash at random later, as with a collected instance: PLATFORM.md). The reaction below
 * refers to the buffer, and Dawn holds the promise until it calls back.
 */
function holdUntilSettled<T>(p: Promise<T>, owner: object): Promise<T> {
  const keep = (): object => owner;
  p.then(keep, keep);
  return p;
}

/**
 * Holds a destroyed backend's owner (dawn.node's instance) and its device until the process
 * exits. Dawn still delivers the device's lost callback and other events after destroy(); if the
 * instance were garbage-collected first, Node would poll freed memory and crash at random
 * (PLATFORM.md), as a test worker did at exit after shutdown() dropped the last reference. The
 * device's wrapper is kept too, so that no late callback can meet it freed (as a buffer's could:
 * holdUntilSettled). One instance and device per device ever made: a handful per process.
 */
function keepUntilExit(owner: unknown, device: GPUDevice): void {
  const g = globalThis as { __webgpuSiameseRetired?: unknown[] };
  (g.__webgpuSiameseRetired ??= []).push(owner, device);
}
