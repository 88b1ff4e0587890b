/**
 * matMul and fusedMatMul (tfjs's `tf.matMul` and `tf.fused.matMul`), with gradients.
 *
 * For C = op(A) · op(B) and upstream gradient G = dL/dC, the gradients use the same kernel with
 * transpose flags, never a materialised transpose:
 *   A · B      dA = G · Bᵀ       dB = Aᵀ · G
 *   Aᵀ · B     dA = B · Gᵀ       dB = A · G
 *   A · Bᵀ     dA = G · B        dB = Gᵀ · A
 *   Aᵀ · Bᵀ    dA = Bᵀ · Gᵀ      dB = Gᵀ · Aᵀ
 * An operand broadcast over the batch (rank 2, or a batch of 1) gets its per-batch gradients
 * summed.
 */
import type { Tensor } from '../engine/tensor.js';
import { matMulKernel } from '../kernels/matmul.js';
import { binaryKernel } from '../kernels/elementwise.js';
import { reduceKernel } from '../kernels/reduce.js';
import { defineOp } from './tape.js';
import { toTensor, type TensorLike } from './creation.js';

/** Sums a gradient computed per batch ([batch, r, c]) down to its operand's shape. */
function toOperandShape(g: Tensor, shape: readonly number[]): Tensor {
  if (g.rank === shape.length && g.shape[0] === shape[0]) return g;
  return reduceKernel('sum', g, [0]).viewAs(shape);
}

/** Gradients of op(a) · op(b) for upstream `g`, each summed to its operand's shape. */
function matMulGrads(a: Tensor, b: Tensor, ta: boolean, tb: boolean, g: Tensor): [Tensor, Tensor] {
  const mm = (x: Tensor, y: Tensor, tx: boolean, ty: boolean) => matMul(x, y, tx, ty);
  let da: Tensor;
  let db: Tensor;
  if (!ta && !tb) {
    da = mm(g, b, false, true);
    db = mm(a, g, true, false);
  } else if (ta && !tb) {
    da = mm(b, g, false, true);
    db = mm(a, g, false, false);
  } else if (!ta && tb) {
    da = mm(g, b, false, false);
    db = mm(g, a, true, false);
  } else {
    da = mm(b, g, true, true);
    db = mm(g, a, true, true);
  }
  return [toOperandShape(da, a.shape), toOperandShape(db, b.shape)];
}

const matMulOp = defineOp(
  'matMul',
  (a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean) => {
    const value = matMulKernel(a, b, { transposeA, transposeB, op: 'matMul' });
    return { value, backward: (dy: Tensor) => matMulGrads(a, b, transposeA, transposeB, dy) };
  },
  (a: Tensor, b: Tensor) => [a, b],
);

/**
 * Matrix product of rank-2 or rank-3 tensors (batched; a batch of 1, or a rank-2 operand, is
 * broadcast over the other's batch), as tfjs's `matMul(a, b, transposeA, transposeB)`.
 */
export function matMul(a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor {
  return matMulOp(toTensor(a), toTensor(b), transposeA, transposeB);
}

export type FusedActivation = 'linear' | 'relu';

export interface FusedMatMulArgs {
  a: TensorLike;
  b: TensorLike;
  transposeA?: boolean;
  transposeB?: boolean;
  /** Shape [N]: added to every row of the product. */
  bias?: Tensor;
  activation?: FusedActivation;
}

const fusedOp = defineOp(
  'fusedMatMul',
  (a: Tensor, b: Tensor, bias: Tensor | undefined, ta: boolean, tb: boolean, activation: FusedActivation) => {
    const relu = activation === 'relu';
    const value = matMulKernel(a, b, { transposeA: ta, transposeB: tb, bias, relu, op: 'fusedMatMul' });
    return {
      value,
      backward: (dy: Tensor) => {
        // relu's mask comes from the output (y > 0 exactly where the pre-activation was), as
        // in tfjs's fused kernel gradient; no pre-activation tensor is kept.
        const dz = relu ? binaryKernel('reluGrad', dy, value) : dy;
        const [da, db] = matMulGrads(a, b, ta, tb, dz);
        if (!bias) return [da, db];
        const rows = dz.rank === 3 ? [0, 1] : [0];
        return [da, db, reduceKernel('sum', dz, rows)];
      },
    };
  },
  (a: Tensor, b: Tensor, bias: Tensor | undefined) => (bias ? [a, b, bias] : [a, b]),
);

/**
 * `act(op(a) · op(b) + bias)` in one launch: tfjs's `tf.fused.matMul` for a dense layer.
 * Activation 'linear' (default) or 'relu'.
 */
export function fusedMatMul(args: FusedMatMulArgs): Tensor {
  const activation = args.activation ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') {
    throw new Error(`fusedMatMul: activation must be 'linear' or 'relu', got '${String(activation)}'`);
  }
  return fusedOp(toTensor(args.a), toTensor(args.b), args.bias, !!args.transposeA, !!args.transposeB, activation);
}
