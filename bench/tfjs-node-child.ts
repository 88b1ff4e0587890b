/**
 * One TensorFlow.js training benchmark in its own process (bench/tfjs-node.ts starts it):
 *
 *   tsx bench/tfjs-node-child.ts <cpu|webgpu> <pairs> <warmup> <steps>
 *
 * Prints `RESULT {json}` on success. A process of its own keeps tfjs's memory and its second
 * Dawn device away from our engine's, and lets the parent kill a run that overstays its budget.
 *
 * For 'webgpu', tfjs-backend-webgpu runs on dawn.node: `navigator.gpu` is the instance our
 * engine's node-gpu.ts finds (SwiftShader where there is no GPU), held in a module variable for
 * the whole run (a collected instance crashes Dawn: shared/PLATFORM.md).
 */
import { acquireNodeGpu } from '../src/engine/node-gpu.js';
import { timeTfjsTraining } from './tfjs-step.js';

let gpuInstance: GPU | null = null;

async function main(): Promise<void> {
  const [name, pairsArg, warmupArg, stepsArg] = process.argv.slice(2);
  if (name !== 'cpu' && name !== 'webgpu') throw new Error(`tfjs-node-child: backend must be cpu or webgpu, got ${name}`);
  let adapter = 'CPU (JavaScript)';
  if (name === 'webgpu') {
    const got = await acquireNodeGpu('auto');
    gpuInstance = got.instance;
    const i = got.adapter.info;
    adapter = [i.vendor, i.architecture, i.description ? `(${i.description})` : ''].filter(Boolean).join(' ');
    // The same Dawn setting as our engine's on this adapter (src/engine/node-gpu.ts, BoundsChecks).
    if (!got.boundsChecks) adapter += ', shader bounds checks off';
    // Node 20 has no navigator; define one before tfjs-backend-webgpu checks for it at import.
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: gpuInstance }, configurable: true, writable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  const tf = await import('@tensorflow/tfjs');
  if (!(await tf.setBackend(name))) throw new Error(`tfjs could not start its ${name} backend`);
  await tf.ready();
  const r = await timeTfjsTraining(tf, Number(pairsArg), { warmup: Number(warmupArg), steps: Number(stepsArg) });
  console.log(`RESULT ${JSON.stringify({ ...r, adapter, tfjs: tf.version.tfjs })}`);
}

main().then(
  () => process.exit(0), // tfjs's device keeps Node alive otherwise
  (e) => {
    console.error(`ERROR ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
void gpuInstance;
