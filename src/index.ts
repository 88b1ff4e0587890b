/**
 * webgpu-siamese: a tensor engine on WebGPU with TensorFlow.js's API names, and a Siamese /
 * triplet similarity-learning toolkit on top. `await ready()` first.
 */
import { Tensor } from './engine/tensor.js';
import { setTensorCheck } from './engine/scope.js';

setTensorCheck((v: unknown): v is Tensor => v instanceof Tensor);

export { ready, backend, shutdown, type ReadyOptions } from './engine/device.js';
export { DeviceLostError, type KernelRecord } from './engine/backend.js';
export { assertFinite, assertFiniteValues, findNonFinite, NumericsError, type NumericsSite } from './engine/numerics.js';
export { Tensor, Variable, type Shape, type DType } from './engine/tensor.js';
export { tidy, keep, dispose } from './engine/scope.js';
export { memory, resetPeakMemory, type MemoryInfo } from './engine/memory.js';
export { setKernelTuning, kernelTuning, type KernelTuning } from './engine/tuning.js';
export { Random } from './engine/random.js';
export * from './autograd/ops.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads } from './autograd/gradients.js';
export { noGrad, setDebugNumerics, setDebugStep, checkNumerics, OP_NAMES } from './autograd/tape.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './autograd/gradcheck.js';
export * as nn from './nn/index.js';
export { Layer, Conv2D, MaxPooling2D, Flatten, Dense, ReLU, Sequential, Optimizer, Adam, SGD } from './nn/index.js';
export { toTfjsArtifacts, fromTfjsArtifacts, saveTfjsModel, loadTfjsModel } from './nn/interop/index.js';
export {
  profile,
  formatProfile,
  profileTable,
  summarizeProfile,
  type Profile,
  type ProfileOptions,
  type ProfileTable,
  type ProfileTiming,
  type KernelSummary,
} from './engine/profile.js';
export type { PipelineInfo } from './engine/pipeline-cache.js';
