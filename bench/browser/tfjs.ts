/**
 * Benchmark page for TensorFlow.js in the browser: `window.benchTfjs(backend, options)` times
 * the shared training step (bench/tfjs-step.ts) on 'webgl' or 'webgpu'. `tf` is the global
 * that the page's script tags define.
 */
import type * as TF from '@tensorflow/tfjs';
import { timeTfjsTraining } from '../tfjs-step.js';

declare const tf: typeof TF;

/** What the backend runs on: the WebGPU adapter, or WebGL's unmasked renderer. */
async function adapterOf(backend: string): Promise<string> {
  if (backend === 'webgpu') {
    const a = await navigator.gpu?.requestAdapter();
    return a ? [a.info.vendor, a.info.architecture, a.info.description].filter(Boolean).join(' ') : 'no WebGPU adapter';
  }
  const gl = document.createElement('canvas').getContext('webgl2');
  const ext = gl?.getExtension('WEBGL_debug_renderer_info');
  return gl ? String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : 'no WebGL2';
}

async function benchTfjs(backend: 'webgl' | 'webgpu', o: { pairs: number; warmup: number; steps: number }) {
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs could not start its ${backend} backend in this browser`);
  await tf.ready();
  const r = await timeTfjsTraining(tf, o.pairs, { warmup: o.warmup, steps: o.steps });
  return { ...r, adapter: await adapterOf(backend), tfjs: tf.version.tfjs };
}

(window as unknown as { benchTfjs: typeof benchTfjs }).benchTfjs = benchTfjs;
document.getElementById('status')!.textContent = typeof tf === 'undefined' ? 'tf.min.js did not load' : 'ready';
