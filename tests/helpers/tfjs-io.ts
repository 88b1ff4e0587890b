/**
 * Moving models between TensorFlow.js and files in the interop tests. @tensorflow/tfjs in Node
 * has no `file://` handler (that needs tfjs-node), so `fileHandler` is a tiny IOHandler that
 * reads a model.json and its shards the way tfjs's HTTP loader does: every path of every group
 * concatenated in order, every group's specs in order.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { tensor, type nn } from '../../src/index.js';

type Sequential = InstanceType<typeof nn.Sequential>;

export function concat(chunks: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out.buffer;
}

/** What a tfjs loader makes of a model.json plus its weight bytes. */
export function artifactsOf(modelJson: Record<string, any>, weightData: ArrayBuffer): tfjs.io.ModelArtifacts {
  return {
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights),
    weightData,
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    userDefinedMetadata: modelJson.userDefinedMetadata,
  };
}

/** An IOHandler that loads `<dir>/model.json` and the shard files it names. */
export function fileHandler(modelPath: string): tfjs.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(modelPath, 'utf8'));
      const paths: string[] = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths);
      return artifactsOf(json, concat(paths.map((p) => new Uint8Array(readFileSync(join(dirname(modelPath), p))))));
    },
  };
}

/** The artifacts tfjs's own `model.save` produces. */
export async function tfjsSave(tf: typeof tfjs, model: tfjs.LayersModel): Promise<tfjs.io.ModelArtifacts> {
  let saved: tfjs.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

/** Our model's output on `values` shaped `[batch, ...model.inputShape]`. */
export async function ourPredict(model: Sequential, values: Float32Array, batch: number): Promise<Float32Array> {
  const x = tensor(values, [batch, ...model.inputShape]);
  const y = model.predict(x);
  const out = (await y.data()) as Float32Array;
  x.dispose();
  y.dispose();
  return out;
}

/** tfjs's output on the same values. */
export async function tfjsPredict(tf: typeof tfjs, model: tfjs.LayersModel, values: Float32Array, shape: number[]): Promise<Float32Array> {
  const x = tf.tensor(values, shape);
  const y = model.predict(x) as tfjs.Tensor;
  const out = (await y.data()) as Float32Array;
  x.dispose();
  y.dispose();
  return out;
}

/** Largest |a - b| relative to the largest |b|: how far two runs of the same network disagree. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}
