/** Layer classes by the name `model.json` stores, so that a saved model can be rebuilt. */
import { Conv2D, MaxPooling2D, type Conv2DOptions, type MaxPooling2DOptions } from './conv-layers.js';
import { Dense, Flatten, ReLU, type DenseOptions } from './core-layers.js';
import type { Layer } from './layer.js';

interface LayerClass {
  /** Every option the class understands; a config with others is from a different tool or version. */
  keys: readonly string[];
  make: (config: Record<string, unknown>) => Layer;
}

const CLASSES: Record<string, LayerClass> = {
  Conv2D: {
    keys: ['name', 'filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias'],
    make: (c) => new Conv2D(c as unknown as Conv2DOptions),
  },
  MaxPooling2D: { keys: ['name', 'poolSize', 'strides', 'padding'], make: (c) => new MaxPooling2D(c as MaxPooling2DOptions) },
  Dense: { keys: ['name', 'units', 'activation', 'useBias'], make: (c) => new Dense(c as unknown as DenseOptions) },
  Flatten: { keys: ['name'], make: (c) => new Flatten(c as { name?: string }) },
  ReLU: { keys: ['name'], make: (c) => new ReLU(c as { name?: string }) },
};

export const LAYER_CLASS_NAMES: readonly string[] = Object.keys(CLASSES);

/**
 * Makes an unbuilt layer from a class name and its config (as `getConfig()` returned it).
 * Errors start with `where` (e.g. "model.json: layer 3") and name what is wrong.
 */
export function layerFromConfig(className: unknown, config: unknown, where: string): Layer {
  if (typeof className !== 'string' || !Object.hasOwn(CLASSES, className)) {
    throw new Error(`${where}: unknown layer class ${JSON.stringify(className)} (known: ${LAYER_CLASS_NAMES.join(', ')})`);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) {
    throw new Error(`${where} (${className}): config must be an object, got ${JSON.stringify(config)}`);
  }
  const cls = CLASSES[className];
  const extra = Object.keys(config).filter((k) => !cls.keys.includes(k));
  if (extra.length) {
    throw new Error(`${where} (${className}): unknown option(s) ${extra.join(', ')} (known: ${cls.keys.join(', ')})`);
  }
  try {
    return cls.make(config as Record<string, unknown>);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}
