/**
 * Conv shapes as TensorFlow.js computes them (NHWC input, HWIO filter; 'same' padding puts the
 * odd row/column at the bottom/right). Every conv kernel variant takes this geometry.
 */
export type Padding = 'valid' | 'same';

/**
 * The corner of a conv's dy that can be non-zero (rows 0..h-1, columns 0..w-1): all of it
 * unless the caller knows better (src/autograd/live-extent.ts).
 */
export interface LiveExtent {
  h: number;
  w: number;
}

/** Everything a conv launch needs to know about its shapes. */
export interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  cin: number;
  kh: number;
  kw: number;
  cout: number;
  sh: number;
  sw: number;
  oh: number;
  ow: number;
  /** Padding before the first row / column. */
  pt: number;
  pl: number;
}

/** Output size and leading padding along one dim, as tfjs computes them. */
export function convOutput(size: number, k: number, s: number, pad: Padding): { out: number; before: number } {
  if (pad === 'valid') return { out: Math.max(0, Math.ceil((size - k + 1) / s)), before: 0 };
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  return { out, before: Math.floor(total / 2) };
}

export function convGeometry(xShape: readonly number[], fShape: readonly number[], strides: [number, number], pad: Padding): ConvGeometry {
  const [n, h, w, cin] = xShape;
  const [kh, kw, , cout] = fShape;
  const [sh, sw] = strides;
  const y = convOutput(h, kh, sh, pad);
  const x = convOutput(w, kw, sw, pad);
  return { n, h, w, cin, kh, kw, cout, sh, sw, oh: y.out, ow: x.out, pt: y.before, pl: x.before };
}

/** Multiply-adds of the forward pass (each gradient costs the same). */
export function convMacs(g: ConvGeometry): number {
  return g.n * g.oh * g.ow * g.cout * g.kh * g.kw * g.cin;
}
