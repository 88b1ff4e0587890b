/** Spatial layers on NHWC batches: Conv2D (HWIO filters, as Keras) and MaxPooling2D. */
import type { Shape, Tensor, Variable } from '../engine/tensor.js';
import type { Random } from '../engine/random.js';
import { fusedConv2d, fusedConv2dReluMaxPool, maxPool } from '../autograd/ops.js';
import { Layer, checkActivation, checkPadding, glorotUniform, pairOf, windowOutput, type Activation, type LayerConfig } from './layer.js';

export interface Conv2DOptions {
  /** Number of output channels. */
  filters: number;
  /** Filter height and width (`3` means 3×3). */
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** 'valid' (default: no padding) or 'same' (output = ceil(input / stride)). */
  padding?: 'valid' | 'same';
  /** Fused into the output write; default 'linear'. */
  activation?: Activation;
  /** Default true; the bias starts at zero. */
  useBias?: boolean;
  name?: string;
}

/** Checks that `shape` is [H, W, C] with the window fitting; returns it. */
function spatial(shape: Shape, what: string): [number, number, number] {
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${what}: expects inputs of shape [height, width, channels] (without batch), got [${shape.join(', ')}]`);
  }
  return [shape[0], shape[1], shape[2]];
}

/**
 * A 2-D convolution, `y = activation(conv2d(x, kernel) + bias)`, with Keras's defaults: kernel
 * `[kh, kw, Cin, filters]` from glorot-uniform (fanIn = kh·kw·Cin, fanOut = kh·kw·filters),
 * bias zero. Runs as one fused kernel (bias and ReLU in the output write).
 */
export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly activation: Activation;
  readonly useBias: boolean;

  constructor(opts: Conv2DOptions) {
    super(opts?.name);
    const what = `Conv2D${opts?.name ? ` '${opts.name}'` : ''}`;
    if (!opts || !Number.isInteger(opts.filters) || opts.filters <= 0) {
      throw new Error(`${what}: filters must be a positive integer, got ${JSON.stringify(opts?.filters)}`);
    }
    this.filters = opts.filters;
    this.kernelSize = pairOf(opts.kernelSize, `${what} kernelSize`);
    this.strides = pairOf(opts.strides ?? 1, `${what} strides`);
    this.padding = checkPadding(opts.padding ?? 'valid', what);
    this.activation = checkActivation(opts.activation ?? 'linear', what);
    if (opts.useBias !== undefined && typeof opts.useBias !== 'boolean') {
      throw new Error(`${what}: useBias must be true or false, got ${JSON.stringify(opts.useBias)}`);
    }
    this.useBias = opts.useBias ?? true;
  }

  get defaultNamePrefix(): string {
    return 'conv2d';
  }

  outputShape(inputShape: Shape): number[] {
    const [h, w] = spatial(inputShape, `layer ${this.label}`);
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.strides;
    const oh = windowOutput(h, kh, sh, this.padding);
    const ow = windowOutput(w, kw, sw, this.padding);
    if (oh <= 0 || ow <= 0) {
      throw new Error(`layer ${this.label}: a ${kh}x${kw} 'valid' kernel does not fit input [${inputShape.join(', ')}]`);
    }
    return [oh, ow, this.filters];
  }

  protected override makeWeights(inputShape: number[], rng: Random): Variable[] {
    const [kh, kw] = this.kernelSize;
    const cin = inputShape[2];
    const shape = [kh, kw, cin, this.filters];
    const kernel = this.makeVariable('kernel', shape, glorotUniform(shape, kh * kw * cin, kh * kw * this.filters, rng));
    if (!this.useBias) return [kernel];
    return [kernel, this.makeVariable('bias', [this.filters], new Float32Array(this.filters))];
  }

  /**
   * Whether `next` (the layer after this one) can run fused with it: a relu conv and a 2x2
   * max-pool of stride 2 with 'valid' windows, the seed network's pattern (one kernel instead of
   * two, src/autograd/conv-pool.ts).
   */
  fusesWith(next: Layer): next is MaxPooling2D {
    return (
      this.activation === 'relu' &&
      next instanceof MaxPooling2D &&
      next.padding === 'valid' &&
      next.poolSize.every((s) => s === 2) &&
      next.strides.every((s) => s === 2)
    );
  }

  /** This layer then `pool` (for which fusesWith holds), as one op; input checked as `apply`. */
  applyPooled(x: Tensor, pool: MaxPooling2D): Tensor {
    this.checkInput(x);
    if (!this.fusesWith(pool)) throw new Error(`layer ${this.label}: cannot run fused with '${(pool as Layer).name}'`);
    return fusedConv2dReluMaxPool({
      x,
      filter: this.weights[0],
      strides: this.strides,
      pad: this.padding,
      bias: this.useBias ? this.weights[1] : undefined,
    });
  }

  protected call(x: Tensor): Tensor {
    return fusedConv2d({
      x,
      filter: this.weights[0],
      strides: this.strides,
      pad: this.padding,
      bias: this.useBias ? this.weights[1] : undefined,
      activation: this.activation,
    });
  }

  getConfig(): LayerConfig {
    return {
      name: this.name,
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      activation: this.activation,
      useBias: this.useBias,
    };
  }
}

export interface MaxPooling2DOptions {
  /** Window height and width; default 2. */
  poolSize?: number | [number, number];
  /** Default: the pool size (non-overlapping windows). */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: 'valid' | 'same';
  name?: string;
}

/** Max over each window of each channel. No weights. */
export class MaxPooling2D extends Layer {
  readonly className = 'MaxPooling2D';
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';

  constructor(opts: MaxPooling2DOptions = {}) {
    super(opts.name);
    const what = `MaxPooling2D${opts.name ? ` '${opts.name}'` : ''}`;
    this.poolSize = pairOf(opts.poolSize ?? 2, `${what} poolSize`);
    this.strides = pairOf(opts.strides ?? this.poolSize, `${what} strides`);
    this.padding = checkPadding(opts.padding ?? 'valid', what);
  }

  get defaultNamePrefix(): string {
    return 'max_pooling2d';
  }

  outputShape(inputShape: Shape): number[] {
    const [h, w, c] = spatial(inputShape, `layer ${this.label}`);
    const [ph, pw] = this.poolSize;
    const oh = windowOutput(h, ph, this.strides[0], this.padding);
    const ow = windowOutput(w, pw, this.strides[1], this.padding);
    if (oh <= 0 || ow <= 0) {
      throw new Error(`layer ${this.label}: a ${ph}x${pw} 'valid' window does not fit input [${inputShape.join(', ')}]`);
    }
    return [oh, ow, c];
  }

  protected call(x: Tensor): Tensor {
    return maxPool(x, this.poolSize, this.strides, this.padding);
  }

  getConfig(): LayerConfig {
    return { name: this.name, poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding };
  }
}
