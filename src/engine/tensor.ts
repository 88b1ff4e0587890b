import { backend } from './device.js';
import { track } from './scope.js';
import type { Backend } from './backend.js';

export type DType = 'float32' | 'int32';
export type Shape = readonly number[];

/** A GPU buffer shared by tensors that view the same data (a reshape shares its input's). */
export class Storage {
  refs = 1;
  constructor(
    readonly buffer: GPUBuffer,
    readonly bytes: number,
    /** The backend whose device made the buffer: a buffer is only valid on its own device, and
     * goes back to that backend's pool (never to a newer device's) when freed. */
    readonly owner: Backend = backend(),
  ) {}
}

let nextId = 0;
/** Live tensors and their bytes, per device: tensors of a device since lost or shut down are
 * not on the current one, and must not count against its buffers (memory()). */
const liveByOwner = new WeakMap<Backend, { tensors: number; bytes: number }>();
function liveOf(owner: Backend): { tensors: number; bytes: number } {
  let l = liveByOwner.get(owner);
  if (!l) liveByOwner.set(owner, (l = { tensors: 0, bytes: 0 }));
  return l;
}

/** Tensors not yet disposed on `owner`'s device (default: the current one) and their bytes. */
export function liveStats(owner: Backend = backend()): { tensors: number; bytes: number } {
  return { ...liveOf(owner) };
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function checkShape(shape: Shape, what = 'shape'): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${what} [${shape.join(', ')}]: every dimension must be an integer >= 0, got ${d}`);
  }
}

/**
 * An n-dimensional float32 (or int32) array in GPU memory, row-major and contiguous.
 * Activations are NHWC and conv filters HWIO, as in TensorFlow.js.
 */
export class Tensor {
  readonly id = nextId++;
  readonly size: number;
  /** Set on variables and on tensors a user names, so that errors can say which one. */
  name: string | undefined;
  protected storage_: Storage | null;

  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    storage: Storage,
    register = true,
  ) {
    this.size = sizeOf(shape);
    this.storage_ = storage;
    const live = liveOf(storage.owner);
    live.tensors++;
    if (storage.refs === 1) live.bytes += storage.bytes;
    if (register) track(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.storage_ === null;
  }

  /** The tensor's storage; throws when the tensor has been disposed. */
  get storage(): Storage {
    if (!this.storage_) {
      throw new Error(`tensor ${this.describe()} was used after dispose(); keep() it or create it outside tidy()`);
    }
    return this.storage_;
  }

  get buffer(): GPUBuffer {
    return this.liveStorage().buffer;
  }

  /**
   * The storage, checked to belong to the current device. After a device loss and
   * `ready({ fresh: true })`, a tensor from the old device has no data any more; binding its
   * buffer on the new device would be a validation error that surfaces later, far from the
   * cause, so fail here instead, naming the tensor.
   */
  private liveStorage(): Storage {
    const s = this.storage;
    if (s.owner !== backend()) {
      throw new Error(
        `tensor ${this.describe()} belongs to a GPU device that has since been replaced (lost, or shut down); ` +
          'tensors do not survive their device: make it again on the current one (e.g. load the model from its last checkpoint)',
      );
    }
    return s;
  }

  describe(): string {
    return `${this.name ? `'${this.name}' ` : ''}#${this.id} [${this.shape.join(', ')}] ${this.dtype}`;
  }

  toString(): string {
    return `Tensor ${this.describe()}`;
  }

  /** Copies the values back to the CPU. */
  async data(): Promise<Float32Array | Int32Array> {
    const s = this.liveStorage();
    const raw = await s.owner.read(s.buffer, this.size * 4);
    return this.dtype === 'int32' ? new Int32Array(raw) : new Float32Array(raw);
  }

  /** The values as nested arrays, like tfjs's `array()`. */
  async array(): Promise<unknown> {
    const flat = Array.from(await this.data());
    if (this.rank === 0) return flat[0];
    const build = (dim: number, off: number): unknown => {
      const n = this.shape[dim];
      if (dim === this.rank - 1) return flat.slice(off, off + n);
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: n }, (_, i) => build(dim + 1, off + i * stride));
    };
    return build(0, 0);
  }

  /** Frees the tensor now; the GPU buffer goes back to the pool. Safe to call twice. */
  dispose(): void {
    const s = this.storage_;
    if (!s) return;
    this.storage_ = null;
    const live = liveOf(s.owner);
    live.tensors--;
    if (--s.refs === 0) {
      live.bytes -= s.bytes;
      s.owner.releaseBuffer(s.buffer);
    }
  }

  /** Shares this tensor's storage under another shape of the same size (no copy). */
  viewAs(shape: Shape): Tensor {
    const s = this.storage;
    s.refs++;
    return new Tensor(shape, this.dtype, s);
  }
}

/** Allocates an uninitialised tensor (kernels write it). */
export function empty(shape: Shape, dtype: DType = 'float32'): Tensor {
  checkShape(shape);
  const bytes = Math.max(4, sizeOf(shape) * 4);
  return new Tensor(shape, dtype, new Storage(backend().createBuffer(bytes), bytes));
}

/** Makes a tensor holding `values` (copied to the GPU at the next submit). */
export function fromArray(values: ArrayLike<number>, shape: Shape, dtype: DType = 'float32'): Tensor {
  checkShape(shape);
  const n = sizeOf(shape);
  if (values.length !== n) {
    throw new Error(`tensor: ${values.length} values do not fill shape [${shape.join(', ')}] (${n} values)`);
  }
  const t = empty(shape, dtype);
  const arr = dtype === 'int32' ? Int32Array.from(values) : values instanceof Float32Array ? values : Float32Array.from(values);
  if (n > 0) backend().write(t.buffer, arr);
  return t;
}

/**
 * A tensor whose value can be replaced in place (model weights, optimizer state). Variables
 * are not disposed by tidy(); gradients flow to them through variableGrads().
 */
export class Variable extends Tensor {
  constructor(
    value: Tensor,
    public trainable = true,
    name?: string,
  ) {
    const s = value.storage;
    s.refs++;
    super(value.shape, value.dtype, s, false);
    this.name = name;
  }

  /** Replaces the value with `v`'s (same shape); `v` stays owned by the caller. */
  assign(v: Tensor): void {
    if (v.shape.length !== this.shape.length || v.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(`assign to variable ${this.describe()}: new value has shape [${v.shape.join(', ')}]`);
    }
    const s = v.storage;
    s.refs++;
    const old = this.storage;
    if (--old.refs === 0) {
      liveOf(old.owner).bytes -= old.bytes;
      old.owner.releaseBuffer(old.buffer);
    }
    this.storage_ = s;
  }
}
