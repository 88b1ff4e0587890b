/**
 * Dispatcher for shaders/matmul.wgsl: (batched) matrix products with either operand
 * transposed, and the fused dense-layer epilogue (bias, relu). No autograd here: see
 * src/autograd/matmul.ts for matMul and fusedMatMul.
 */
import { backend } from '../engine/device.js';
import { Uniforms } from '../engine/uniforms.js';
import { empty, type Tensor } from '../engine/tensor.js';
import { cover } from './grid.js';

/**
 * Which kernel runs. 'auto' picks the barrier-free register-blocked kernel on software adapters
 * (SwiftShader), where barriers are expensive, and the shared-memory tiled one on hardware GPUs.
 */
export type MatMulVariant = 'auto' | 'registers' | 'tiled';
let variant: MatMulVariant = 'auto';

/** Forces a kernel variant (tests use it to cover both on any adapter); returns the previous one. */
export function setMatMulVariant(v: MatMulVariant): MatMulVariant {
  if (v !== 'auto' && v !== 'registers' && v !== 'tiled') {
    throw new Error(`setMatMulVariant: expected 'auto', 'registers' or 'tiled', got '${String(v)}'`);
  }
  const prev = variant;
  variant = v;
  return prev;
}

function useTiled(): boolean {
  return variant === 'tiled' || (variant === 'auto' && !backend().software);
}

/**
 * The register-blocked kernel's block (16 rows by 4 groups of 4 columns, 4 k per loop step) and
 * workgroup size: see the shader's header for why.
 */
const REGISTER_BLOCK = { RM: 16, CG: 4, KU: 4, WG: 16 } as const;

/** The register-blocked kernel's grid: one invocation per block, folded to 2-D; z = batch. */
function registerGrid(m: number, n: number, batch: number): [number, number, number] {
  const { RM, CG, WG } = REGISTER_BLOCK;
  const [x, y] = cover(Math.ceil(m / RM) * Math.ceil(n / (4 * CG)), WG);
  return [x, y, batch];
}

/** Shapes of one product after validation: batch, M, N, K, and how each operand is batched. */
export interface MatMulGeometry {
  batch: number;
  m: number;
  n: number;
  k: number;
  /** Whether each operand has its own matrix per batch (false: one matrix, broadcast). */
  aBatched: boolean;
  bBatched: boolean;
  /** Output shape: [M, N] when both inputs are rank 2, else [batch, M, N]. */
  outShape: number[];
}

const show = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Checks ranks and inner dimensions the way tfjs.matMul does, naming the op and the shapes. */
export function matMulGeometry(op: string, a: readonly number[], b: readonly number[], transposeA: boolean, transposeB: boolean): MatMulGeometry {
  for (const [name, s] of [['a', a], ['b', b]] as const) {
    if (s.length !== 2 && s.length !== 3) {
      throw new Error(`${op}: ${name} must have rank 2 or 3, got shape ${show(s)}`);
    }
  }
  const ra = a.length;
  const rb = b.length;
  const [m, ka] = transposeA ? [a[ra - 1], a[ra - 2]] : [a[ra - 2], a[ra - 1]];
  const [kb, n] = transposeB ? [b[rb - 1], b[rb - 2]] : [b[rb - 2], b[rb - 1]];
  if (ka !== kb) {
    throw new Error(
      `${op}: inner dimensions differ: a ${show(a)}${transposeA ? ' (transposed)' : ''} has ${ka} columns, ` +
        `b ${show(b)}${transposeB ? ' (transposed)' : ''} has ${kb} rows`,
    );
  }
  const ba = ra === 3 ? a[0] : 1;
  const bb = rb === 3 ? b[0] : 1;
  if (ba !== bb && ba !== 1 && bb !== 1) {
    throw new Error(`${op}: batch sizes ${ba} and ${bb} of ${show(a)} and ${show(b)} differ (and neither is 1)`);
  }
  const batch = Math.max(ba, bb);
  const outShape = ra === 2 && rb === 2 ? [m, n] : [batch, m, n];
  return { batch, m, n, k: ka, aBatched: ba === batch && ra === 3, bBatched: bb === batch && rb === 3, outShape };
}

export interface MatMulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  /** Added to every row of the product; shape [N]. */
  bias?: Tensor | null;
  relu?: boolean;
  /** Name used in error messages. */
  op?: string;
}

/** c = act(op(a) · op(b) + bias) in one launch. Rank 2 or 3 (batched; a batch of 1 broadcasts). */
export function matMulKernel(a: Tensor, b: Tensor, opts: MatMulOptions = {}): Tensor {
  const op = opts.op ?? 'matMul';
  const ta = !!opts.transposeA;
  const tb = !!opts.transposeB;
  const g = matMulGeometry(op, a.shape, b.shape, ta, tb);
  const bias = opts.bias ?? null;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== g.n)) {
    throw new Error(`${op}: bias must have shape [${g.n}] (the output's columns), got ${show(bias.shape)}`);
  }
  for (const [name, t] of [['a', a], ['b', b], ['bias', bias]] as const) {
    if (t && t.dtype !== 'float32') throw new Error(`${op}: ${name} must be float32, got ${t.dtype}`);
  }
  const out = empty(g.outShape);
  if (out.size === 0) return out;
  const { m, n, k } = g;
  // Element strides of A(r, k) and B(k, c) inside one matrix (see the shader's header).
  const aRs = ta ? 1 : k;
  const aKs = ta ? m : 1;
  const bKs = tb ? 1 : n;
  const bCs = tb ? k : 1;
  const u = new Uniforms()
    .u32(m, n, k, g.batch)
    .u32(aRs, aKs, bKs, bCs)
    .u32(g.aBatched ? m * k : 0, g.bBatched ? k * n : 0, 0, 0);
  const tiled = useTiled();
  backend().dispatch({
    shader: 'matmul',
    entry: tiled ? 'matmul_tiled' : 'matmul',
    constants: { HAS_BIAS: bias ? 1 : 0, RELU: opts.relu ? 1 : 0, ...(tiled ? {} : REGISTER_BLOCK) },
    uniforms: u.bytes(),
    // Without a bias any read-only buffer fills binding 3 (the shader never reads it then).
    buffers: [a.buffer, b.buffer, (bias ?? a).buffer, out.buffer],
    workgroups: tiled ? [Math.ceil(n / 64), Math.ceil(m / 64), g.batch] : registerGrid(m, n, g.batch),
    flops: 2 * g.batch * m * n * k,
    bytes: 4 * ((g.aBatched ? g.batch : 1) * m * k + (g.bBatched ? g.batch : 1) * k * n + g.batch * m * n),
  });
  return out;
}
