/**
 * A stack of layers, each feeding the next, built at construction from the input shape with a
 * seeded random generator: the same seed gives the same initial weights in Node and browsers.
 */
import { fromArray, type Tensor, type Variable } from '../engine/tensor.js';
import { tidy } from '../engine/scope.js';
import { Random } from '../engine/random.js';
import { noGrad } from '../autograd/tape.js';
import type { Layer } from './layer.js';
import { Conv2D } from './conv-layers.js';
import { formatSummary } from './summary.js';

export interface SequentialOptions {
  /** Shape of one input example, without the batch dimension (e.g. `[28, 28, 1]`). */
  inputShape: number[];
  /** Seeds the weight initialisation (default: a random seed). */
  seed?: number;
  /** Shown by `summary()`; default 'sequential'. */
  name?: string;
}

export class Sequential {
  readonly layers: readonly Layer[];
  /** One example's input shape (without batch). */
  readonly inputShape: readonly number[];
  /** One example's output shape (without batch). */
  readonly outputShape: readonly number[];
  readonly name: string;
  /** The seed the weights were initialised from. */
  readonly seed: number;

  /**
   * Builds every layer in order. Layers without a name get `<kind>_<k>`, counted per kind
   * within this model (`conv2d_1`, `conv2d_2`, `dense_1`), so weight names do not depend on
   * what else the program made. Layer instances belong to one model.
   */
  constructor(layers: Layer[], opts: SequentialOptions) {
    if (!Array.isArray(layers) || layers.length === 0) throw new Error('Sequential: give at least one layer');
    if (!opts || !Array.isArray(opts.inputShape) || !opts.inputShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`Sequential: inputShape must be a list of positive integers without the batch dimension, got ${JSON.stringify(opts?.inputShape)}`);
    }
    if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new Error(`Sequential: seed must be an integer, got ${opts.seed}`);
    this.name = opts.name ?? 'sequential';
    this.seed = opts.seed ?? (Math.random() * 2 ** 32) >>> 0;
    this.layers = [...layers];
    this.inputShape = [...opts.inputShape];
    assignNames(this.layers);
    const rng = new Random(this.seed);
    let shape = [...opts.inputShape];
    const builtHere: Layer[] = [];
    try {
      for (const layer of this.layers) {
        if (layer.built) throw new Error(`Sequential: layer '${layer.name}' is already built (in another model, or listed twice)`);
        layer.build(shape, rng);
        builtHere.push(layer);
        shape = layer.outputShape(shape);
      }
    } catch (e) {
      for (const l of builtHere) l.dispose();
      throw e;
    }
    this.outputShape = shape;
  }

  /** Every variable, in layer order (kernel before bias). */
  get weights(): Variable[] {
    return this.layers.flatMap((l) => l.weights);
  }

  /** The variables an optimizer should update. */
  get trainableWeights(): Variable[] {
    return this.weights.filter((w) => w.trainable);
  }

  /** Runs the layers on a batch `[N, ...inputShape]`, recording gradients when a tape is active. */
  apply(x: Tensor): Tensor {
    const want = this.inputShape;
    if (x.rank !== want.length + 1 || want.some((d, i) => x.shape[i + 1] !== d)) {
      throw new Error(`${this.name}: expected input [batch, ${want.join(', ')}], got [${x.shape.join(', ')}]`);
    }
    let y = x;
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      const next = this.layers[i + 1];
      // A relu Conv2D and the 2x2 MaxPooling2D after it run as one kernel (conv-layers.ts).
      if (next && layer instanceof Conv2D && layer.fusesWith(next)) {
        y = layer.applyPooled(y, next);
        i++;
      } else {
        y = layer.apply(y);
      }
    }
    return y;
  }

  /** Inference: `apply` without recording gradients, freeing every intermediate. */
  predict(x: Tensor): Tensor {
    return noGrad(() => tidy(() => this.apply(x)));
  }

  countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /** A table like Keras's `model.summary()`: layer (type), output shape, parameters, totals. */
  summary(): string {
    return formatSummary(this);
  }

  /** Copies of every weight's values, in the order of `weights`. */
  async getWeights(): Promise<Float32Array[]> {
    return Promise.all(this.weights.map(async (w) => (await w.data()) as Float32Array));
  }

  /** Replaces every weight's values (same order and sizes as `getWeights()`). */
  setWeights(arrays: ArrayLike<number>[]): void {
    const ws = this.weights;
    if (!Array.isArray(arrays) || arrays.length !== ws.length) {
      throw new Error(`${this.name}.setWeights: expected ${ws.length} arrays (one per weight), got ${Array.isArray(arrays) ? arrays.length : typeof arrays}`);
    }
    ws.forEach((w, i) => {
      if (arrays[i]?.length !== w.size) {
        throw new Error(`${this.name}.setWeights: weight ${i} '${w.name}' [${w.shape.join(', ')}] needs ${w.size} values, got ${arrays[i]?.length}`);
      }
    });
    ws.forEach((w, i) => {
      // A fresh tensor per weight: the variable then owns its storage alone, so in-place
      // optimizer updates never touch a buffer that something else shares.
      const t = fromArray(Float32Array.from(arrays[i]), w.shape);
      w.assign(t);
      t.dispose();
    });
  }

  /** Frees every weight. */
  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}

function assignNames(layers: readonly Layer[]): void {
  const taken = new Set(layers.map((l) => l.name).filter(Boolean));
  const counts = new Map<string, number>();
  for (const l of layers) {
    if (l.name) continue;
    const prefix = l.defaultNamePrefix;
    let k = counts.get(prefix) ?? 0;
    do k++;
    while (taken.has(`${prefix}_${k}`));
    counts.set(prefix, k);
    l.name = `${prefix}_${k}`;
    taken.add(l.name);
  }
  const seen = new Set<string>();
  for (const l of layers) {
    if (seen.has(l.name)) throw new Error(`Sequential: two layers are named '${l.name}'; layer names must be unique`);
    seen.add(l.name);
  }
}
