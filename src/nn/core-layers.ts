/** Dense, Flatten and ReLU layers. */
import type { Shape, Tensor, Variable } from '../engine/tensor.js';
import type { Random } from '../engine/random.js';
import { fusedMatMul, reshape, relu } from '../autograd/ops.js';
import { Layer, checkActivation, glorotUniform, type Activation, type LayerConfig } from './layer.js';

export interface DenseOptions {
  /** Number of outputs. */
  units: number;
  /** Fused into the matmul's output write; default 'linear'. */
  activation?: Activation;
  /** Default true; the bias starts at zero. */
  useBias?: boolean;
  name?: string;
}

function checkShapeFits(shape: Shape, what: string): void {
  if (shape.length < 1 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${what}: expects a non-empty input shape of positive integers (without batch), got [${shape.join(', ')}]`);
  }
}

/**
 * A fully connected layer, `y = activation(x · kernel + bias)`, kernel `[inputs, units]` from
 * glorot-uniform (fanIn = inputs, fanOut = units), bias zero. Like Keras, on inputs of rank > 2
 * it acts on the last axis.
 */
export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;

  constructor(opts: DenseOptions) {
    super(opts?.name);
    const what = `Dense${opts?.name ? ` '${opts.name}'` : ''}`;
    if (!opts || !Number.isInteger(opts.units) || opts.units <= 0) {
      throw new Error(`${what}: units must be a positive integer, got ${JSON.stringify(opts?.units)}`);
    }
    this.units = opts.units;
    this.activation = checkActivation(opts.activation ?? 'linear', what);
    if (opts.useBias !== undefined && typeof opts.useBias !== 'boolean') {
      throw new Error(`${what}: useBias must be true or false, got ${JSON.stringify(opts.useBias)}`);
    }
    this.useBias = opts.useBias ?? true;
  }

  get defaultNamePrefix(): string {
    return 'dense';
  }

  outputShape(inputShape: Shape): number[] {
    checkShapeFits(inputShape, `layer ${this.label}`);
    return [...inputShape.slice(0, -1), this.units];
  }

  protected override makeWeights(inputShape: number[], rng: Random): Variable[] {
    const fanIn = inputShape[inputShape.length - 1];
    const kernel = this.makeVariable('kernel', [fanIn, this.units], glorotUniform([fanIn, this.units], fanIn, this.units, rng));
    if (!this.useBias) return [kernel];
    return [kernel, this.makeVariable('bias', [this.units], new Float32Array(this.units))];
  }

  protected call(x: Tensor): Tensor {
    // The matmul takes 2-D operands: fold leading axes into rows and unfold them after.
    const inner = x.shape[x.rank - 1];
    const flat = x.rank === 2 ? x : reshape(x, [x.size / inner, inner]);
    const y = fusedMatMul({
      a: flat,
      b: this.weights[0],
      bias: this.useBias ? this.weights[1] : undefined,
      activation: this.activation,
    });
    return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), this.units]);
  }

  getConfig(): LayerConfig {
    return { name: this.name, units: this.units, activation: this.activation, useBias: this.useBias };
  }
}

/** `[N, ...dims]` → `[N, prod(dims)]` in row-major (NHWC) order, as Keras's Flatten. A view: no copy. */
export class Flatten extends Layer {
  readonly className = 'Flatten';

  constructor(opts: { name?: string } = {}) {
    super(opts.name);
  }

  get defaultNamePrefix(): string {
    return 'flatten';
  }

  outputShape(inputShape: Shape): number[] {
    checkShapeFits(inputShape, `layer ${this.label}`);
    return [inputShape.reduce((a, b) => a * b, 1)];
  }

  protected call(x: Tensor): Tensor {
    return reshape(x, [x.shape[0], this.outputShape(x.shape.slice(1))[0]]);
  }

  getConfig(): LayerConfig {
    return { name: this.name };
  }
}

/** max(x, 0) elementwise. */
export class ReLU extends Layer {
  readonly className = 'ReLU';

  constructor(opts: { name?: string } = {}) {
    super(opts.name);
  }

  get defaultNamePrefix(): string {
    return 're_lu';
  }

  outputShape(inputShape: Shape): number[] {
    checkShapeFits(inputShape, `layer ${this.label}`);
    return [...inputShape];
  }

  protected call(x: Tensor): Tensor {
    return relu(x);
  }

  getConfig(): LayerConfig {
    return { name: this.name };
  }
}
