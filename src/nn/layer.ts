/**
 * The base of every layer. A layer is configured by plain JSON values (so a model can be saved
 * as its configs plus its weights), builds its weights once from the shape of its input, and
 * then maps tensors to tensors with autograd ops only: gradients come from the tape, never from
 * code here.
 *
 * Shapes handed to `build` and `outputShape` leave out the batch dimension: a Conv2D on
 * 28×28×1 images is built with `[28, 28, 1]`, while `apply` takes `[batch, 28, 28, 1]`.
 */
import { fromArray, sizeOf, type Shape, type Tensor, type Variable } from '../engine/tensor.js';
import { Random } from '../engine/random.js';
import { variable } from '../autograd/creation.js';

/** Activations a layer can fuse into its output write. */
export type Activation = 'linear' | 'relu';

/** JSON-serialisable layer options (what `model.json` stores for each layer). */
export type LayerConfig = { name?: string } & Record<string, unknown>;

export abstract class Layer {
  /** The class name written to `model.json` (`Conv2D`, `Dense`, ...). */
  abstract readonly className: string;
  /** Unique within a model (`conv2d_1`); prefixes the names of this layer's weights. */
  name: string;
  /** The layer's variables (`<name>/kernel`, `<name>/bias`), empty until `build`. */
  weights: Variable[] = [];
  /** Input shape without the batch dimension, set by `build`. */
  protected inputShape_: number[] | null = null;

  constructor(name?: string) {
    if (name !== undefined && (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name))) {
      throw new Error(`layer name ${JSON.stringify(name)}: use letters, digits, '_', '.', '-' only`);
    }
    this.name = name ?? '';
  }

  /** The prefix of automatic names (`conv2d` → `conv2d_1`, `conv2d_2`, ...). */
  abstract get defaultNamePrefix(): string;

  get built(): boolean {
    return this.inputShape_ !== null;
  }

  /** The input shape (without batch) this layer was built for. */
  get inputShape(): number[] {
    return [...this.requireBuilt()];
  }

  protected requireBuilt(): number[] {
    if (!this.inputShape_) throw new Error(`layer ${this.label}: not built yet; call build(inputShape) or put it in a Sequential`);
    return this.inputShape_;
  }

  protected get label(): string {
    return `'${this.name || '(unnamed)'}' (${this.className})`;
  }

  /**
   * Creates the weights for inputs of `inputShape` (without batch), drawing initial values from
   * `rng` (seed it for a run that repeats exactly). A layer is built once.
   */
  build(inputShape: Shape, rng: Random = new Random((Math.random() * 2 ** 32) >>> 0)): void {
    if (this.built) throw new Error(`layer ${this.label}: already built for input [${this.inputShape_!.join(', ')}]`);
    if (!this.name) this.name = `${this.defaultNamePrefix}_${++unnamedCount}`;
    const shape = [...inputShape];
    this.outputShape(shape); // validates the input shape before anything is allocated
    this.weights = this.makeWeights(shape, rng);
    this.inputShape_ = shape;
  }

  /** The output shape (without batch) for an input shape (without batch); throws if it does not fit. */
  abstract outputShape(inputShape: Shape): number[];

  /** Maps a batch `[N, ...inputShape]` to `[N, ...outputShape]` with autograd ops. */
  apply(x: Tensor): Tensor {
    this.checkInput(x);
    return this.call(x);
  }

  /** Throws unless x is a batch of this layer's input shape. */
  protected checkInput(x: Tensor): void {
    const want = this.requireBuilt();
    if (x.rank !== want.length + 1 || want.some((d, i) => x.shape[i + 1] !== d)) {
      throw new Error(
        `layer ${this.label}: expected input [batch, ${want.join(', ')}], got [${x.shape.join(', ')}]`,
      );
    }
  }

  /** The layer's computation on a checked input. */
  protected abstract call(x: Tensor): Tensor;

  /** Makes the layer's variables (none by default). */
  protected makeWeights(_inputShape: number[], _rng: Random): Variable[] {
    return [];
  }

  /** The options that rebuild this layer (`new Class(config)`), with the name. */
  abstract getConfig(): LayerConfig;

  /** Number of weight values (the layer must be built). */
  countParams(): number {
    this.requireBuilt();
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Frees the weights. */
  dispose(): void {
    for (const w of this.weights) w.dispose();
  }

  /** Makes a trainable variable named `<layer>/<suffix>` holding `values`. */
  protected makeVariable(suffix: string, shape: number[], values: Float32Array): Variable {
    const t = fromArray(values, shape);
    const v = variable(t, true, `${this.name}/${suffix}`);
    t.dispose();
    return v;
  }
}

let unnamedCount = 0;

/**
 * Glorot (Xavier) uniform initialisation, Keras's default for conv and dense kernels: uniform
 * on [-limit, limit) with limit = sqrt(6 / (fanIn + fanOut)). Values are drawn in row-major
 * order of `shape` from `rng`, so a seed fixes them.
 */
export function glorotUniform(shape: number[], fanIn: number, fanOut: number, rng: Random): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}

/** Reads `v` as a pair of positive integers (`3` → `[3, 3]`), naming the option when it is not. */
export function pairOf(v: unknown, what: string): [number, number] {
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
  if (!p || !p.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${what}: expected a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

export function checkActivation(v: unknown, what: string): Activation {
  if (v !== 'linear' && v !== 'relu') throw new Error(`${what}: activation must be 'linear' or 'relu', got ${JSON.stringify(v)}`);
  return v;
}

export function checkPadding(v: unknown, what: string): 'valid' | 'same' {
  if (v !== 'valid' && v !== 'same') throw new Error(`${what}: padding must be 'valid' or 'same', got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Output length of a sliding window along one axis, as TensorFlow computes it: 'valid' keeps
 * windows that fit, floor((n - k) / s) + 1; 'same' pads so that the output is ceil(n / s).
 */
export function windowOutput(n: number, k: number, s: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
}
