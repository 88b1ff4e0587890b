import { backend } from './device.js';
import { liveStats } from './tensor.js';

/** What `memory()` reports. All byte counts are GPU bytes. */
export interface MemoryInfo {
  /** Tensors not yet disposed (variables included). */
  numTensors: number;
  /** Bytes held by those tensors (shared storage counted once). */
  numBytes: number;
  /** Bytes of freed buffers resting in the pool for reuse. */
  pooledBytes: number;
  /** Bytes of storage buffers handed out now (tensors plus buffers awaiting their submit). */
  inUseBytes: number;
  /** The most storage bytes in use at once since the last `resetPeakMemory()`. */
  peakBytes: number;
  /** Storage buffers ever created: flat after warm-up when the pool is doing its job. */
  buffersCreated: number;
}

export function memory(): MemoryInfo {
  const t = liveStats();
  const p = backend().memory();
  return {
    numTensors: t.tensors,
    numBytes: t.bytes,
    pooledBytes: p.pooledBytes,
    inUseBytes: p.inUseBytes,
    peakBytes: p.peakBytes,
    buffersCreated: p.created,
  };
}

export function resetPeakMemory(): void {
  backend().pool.resetPeak();
}
