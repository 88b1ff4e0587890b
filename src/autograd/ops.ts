/**
 * The ops, gathered. Each is defined once, with its backward rule, in the file named beside it;
 * its kernel dispatcher is in src/kernels and its WGSL in shaders/.
 */
export * from './creation.js'; // tensor, scalar, zeros, ones, fill, random*, variable
export * from './elementwise.js'; // add ... relu, with broadcasting
export * from './reduce.js'; // sum, mean, max, min
export * from './shape.js'; // reshape, clone
export { conv2d, fusedConv2d, type Activation, type FusedConv2dArgs } from './conv.js';
export { fusedConv2dReluMaxPool } from './conv-pool.js';
export * from './matmul.js'; // matMul, fusedMatMul
export * from './distance.js'; // euclideanDistance, cosineSimilarity, pairwiseDistances
export * from './pool.js'; // maxPool
export * from './layout.js'; // transpose, slice, pad, concat, stack, gather
export * from './topk.js'; // kSmallest, topk (per row, ties to the lower index)
export * from './roc.js'; // countBelow (accept counts for ROC / EER / FAR, exact integers)
