/**
 * Pools GPU storage buffers by exact byte size. A training loop asks for the same sizes every
 * step, so exact-size reuse makes allocation vanish after the first step without the up-to-2x
 * waste of power-of-two buckets. A freed buffer may still be read by commands that are encoded
 * but not yet submitted, so the backend parks it until its next submit and only then calls
 * `put` here.
 */
export interface PoolStats {
  /** Bytes of buffers handed out and not yet returned. */
  inUseBytes: number;
  /** Bytes of buffers resting in the pool, ready for reuse. */
  pooledBytes: number;
  /** Highest inUseBytes seen since the last `resetPeak`. */
  peakBytes: number;
  /** Buffers created over the pool's life (a flat count after warm-up means reuse works). */
  created: number;
}

const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x04 /* COPY_SRC */ | 0x08; /* COPY_DST */

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private stats: PoolStats = { inUseBytes: 0, pooledBytes: 0, peakBytes: 0, created: 0 };

  /** @param maxPooledBytes above this, returned buffers are destroyed rather than kept. */
  constructor(
    private device: GPUDevice,
    private maxPooledBytes = 512 * 1024 * 1024,
  ) {}

  /** A storage buffer of at least `bytes` (rounded up to 4; never 0, which WebGPU cannot bind). */
  take(bytes: number): GPUBuffer {
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const list = this.free.get(size);
    let buf = list?.pop();
    if (buf) {
      this.stats.pooledBytes -= size;
    } else {
      buf = this.create(size);
    }
    this.stats.inUseBytes += size;
    if (this.stats.inUseBytes > this.stats.peakBytes) this.stats.peakBytes = this.stats.inUseBytes;
    return buf;
  }

  put(buf: GPUBuffer): void {
    const size = buf.size;
    this.stats.inUseBytes -= size;
    if (this.stats.pooledBytes + size > this.maxPooledBytes) {
      buf.destroy();
      return;
    }
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buf);
    this.stats.pooledBytes += size;
  }

  /** Destroys every pooled buffer (used when an allocation fails, and at shutdown). */
  clear(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.stats.pooledBytes = 0;
  }

  resetPeak(): void {
    this.stats.peakBytes = this.stats.inUseBytes;
  }

  snapshot(): PoolStats {
    return { ...this.stats };
  }

  private create(size: number): GPUBuffer {
    this.stats.created++;
    return this.device.createBuffer({ size, usage: STORAGE_USAGE });
  }
}
