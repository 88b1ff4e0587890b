/**
 * conv2d and its gradients as matrix products over the patch matrix (im2col, see
 * shaders/conv2d.wgsl): forward with the fused bias/relu epilogue of the matmul kernel, the
 * gradient of the input through col2im, the gradient of the filter as Pᵀ · dy. On a hardware GPU
 * the products run on the matmul kernel's shared-memory tiled variant, which is why this path is
 * the conv's hardware variant (src/kernels/conv2d.ts picks it).
 */
import { backend } from '../engine/device.js';
import { Uniforms } from '../engine/uniforms.js';
import { empty, type Tensor } from '../engine/tensor.js';
import { cover } from './grid.js';
import { matMulKernel } from './matmul.js';
import type { ConvGeometry } from './conv2d-geometry.js';

function uniforms(g: ConvGeometry, total: number): ArrayBuffer {
  return new Uniforms()
    .u32(g.n, g.h, g.w, g.cin, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, total, 0, 0, 0)
    .bytes();
}

/** Rows (output pixels) and columns (filter taps) of the patch matrix. */
const patchRows = (g: ConvGeometry) => g.n * g.oh * g.ow;
const patchCols = (g: ConvGeometry) => g.kh * g.kw * g.cin;

/** A 1x1, stride-1, unpadded conv needs no patch matrix: x itself is [n*h*w, cin]. */
const isPointwise = (g: ConvGeometry) => g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1;

/** The patch matrix P [n*oh*ow, kh*kw*cin] of x (a view of x when the conv is pointwise). */
export function im2col(x: Tensor, g: ConvGeometry): Tensor {
  if (isPointwise(g)) return x.viewAs([patchRows(g), patchCols(g)]);
  const p = empty([patchRows(g), patchCols(g)]);
  backend().dispatch({
    shader: 'conv2d',
    entry: 'im2col',
    uniforms: uniforms(g, p.size),
    buffers: [x.buffer, p.buffer],
    workgroups: cover(p.size),
    bytes: 4 * (x.size + p.size),
  });
  return p;
}

/** Sums a patch-matrix gradient back onto the input's positions. */
function col2im(dp: Tensor, g: ConvGeometry): Tensor {
  if (isPointwise(g)) return dp.viewAs([g.n, g.h, g.w, g.cin]);
  const dx = empty([g.n, g.h, g.w, g.cin]);
  backend().dispatch({
    shader: 'conv2d',
    entry: 'col2im',
    uniforms: uniforms(g, dx.size),
    buffers: [dp.buffer, dx.buffer],
    workgroups: cover(dx.size),
    bytes: 4 * (dp.size + dx.size),
  });
  return dx;
}

/** y = act(conv2d(x, filter) + bias), as the patch matrix times the filter matrix. */
export function conv2dForwardIm2col(x: Tensor, filter: Tensor, g: ConvGeometry, bias: Tensor | null, relu: boolean): Tensor {
  const p = im2col(x, g);
  const w = filter.viewAs([patchCols(g), g.cout]);
  const y = matMulKernel(p, w, { bias, relu, op: 'conv2d' });
  p.dispose();
  w.dispose();
  const out = y.viewAs([g.n, g.oh, g.ow, g.cout]);
  y.dispose();
  return out;
}

/** dx = col2im(dy · Wᵀ). */
export function conv2dInputGradIm2col(dy: Tensor, filter: Tensor, g: ConvGeometry): Tensor {
  const d = dy.viewAs([patchRows(g), g.cout]);
  const w = filter.viewAs([patchCols(g), g.cout]);
  const dp = matMulKernel(d, w, { transposeB: true, op: 'conv2d' });
  d.dispose();
  w.dispose();
  const dx = col2im(dp, g);
  dp.dispose();
  return dx;
}

/** dW = Pᵀ · dy, with the patch matrix rebuilt from x (cheaper in memory than keeping it). */
export function conv2dFilterGradIm2col(x: Tensor, dy: Tensor, g: ConvGeometry): Tensor {
  const p = im2col(x, g);
  const d = dy.viewAs([patchRows(g), g.cout]);
  const dw = matMulKernel(p, d, { transposeA: true, op: 'conv2d' });
  p.dispose();
  d.dispose();
  const out = dw.viewAs([g.kh, g.kw, g.cin, g.cout]);
  dw.dispose();
  return out;
}
