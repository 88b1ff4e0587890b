/**
 * The seed network's shapes and the floating-point work of one training step, counted from the
 * shapes alone (never from what a kernel reports about itself), so that every GFLOP/s in the
 * benchmark divides an independent count by a measured time.
 *
 * Network (NHWC, valid padding): conv 3×3 1→32 + ReLU → max-pool 2 → conv 3×3 32→64 + ReLU →
 * max-pool 2 → flatten 1600 → dense 128 + ReLU → dense 64.
 *
 * Counting rule: 2 FLOPs per multiply-add of the convolutions and matrix products, the work that
 * any implementation must do. Forward: every layer. Backward: the filter (weight) gradient of
 * every conv/dense layer, and the input gradient of every layer except the first (nothing needs
 * the gradient of the images). Bias adds, ReLU, pooling, the distance, the loss and Adam are
 * O(elements) and left out: together they are under 1% of the count. Per 28×28 image this gives
 * 5.28 MFLOP forward and 10.16 MFLOP backward, 15.44 MFLOP per image, 30.9 MFLOP per pair
 * (two images per pair), matching the 31 MFLOP of shared/PLATFORM.md.
 */

export interface ConvShape {
  batch: number;
  inH: number;
  inW: number;
  cin: number;
  k: number;
  cout: number;
  outH: number;
  outW: number;
}

export interface DenseShape {
  batch: number;
  inputs: number;
  units: number;
}

export interface PoolShape {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  outH: number;
  outW: number;
}

/** Every layer's shape at a batch of `images` 28×28×1 images. */
export function seedShapes(images: number) {
  const conv1: ConvShape = { batch: images, inH: 28, inW: 28, cin: 1, k: 3, cout: 32, outH: 26, outW: 26 };
  const pool1: PoolShape = { batch: images, inH: 26, inW: 26, channels: 32, outH: 13, outW: 13 };
  const conv2: ConvShape = { batch: images, inH: 13, inW: 13, cin: 32, k: 3, cout: 64, outH: 11, outW: 11 };
  const pool2: PoolShape = { batch: images, inH: 11, inW: 11, channels: 64, outH: 5, outW: 5 };
  const dense1: DenseShape = { batch: images, inputs: 5 * 5 * 64, units: 128 };
  const dense2: DenseShape = { batch: images, inputs: 128, units: 64 };
  return { conv1, pool1, conv2, pool2, dense1, dense2 };
}

/** Multiply-adds of a conv's forward pass; its input gradient and filter gradient do as many. */
export const convMacs = (c: ConvShape): number => c.batch * c.outH * c.outW * c.cout * c.k * c.k * c.cin;
export const denseMacs = (d: DenseShape): number => d.batch * d.inputs * d.units;

/** The seed network's parameters: kernels and biases of both convs and both dense layers. */
export function seedParameterCount(): number {
  const s = seedShapes(1);
  const conv = (c: ConvShape) => c.k * c.k * c.cin * c.cout + c.cout;
  const dense = (d: DenseShape) => d.inputs * d.units + d.units;
  return conv(s.conv1) + conv(s.conv2) + dense(s.dense1) + dense(s.dense2);
}

export interface StepFlops {
  forward: number;
  backward: number;
  total: number;
  /** By layer: forward, input gradient, filter gradient. */
  layers: { name: string; forward: number; inputGrad: number; filterGrad: number }[];
}

/** FLOPs of one training step on `images` images, by the rule in the header. */
export function stepFlops(images: number): StepFlops {
  const s = seedShapes(images);
  const layers = [
    { name: 'conv1', macs: convMacs(s.conv1), first: true },
    { name: 'conv2', macs: convMacs(s.conv2), first: false },
    { name: 'dense1', macs: denseMacs(s.dense1), first: false },
    { name: 'dense2', macs: denseMacs(s.dense2), first: false },
  ].map((l) => ({ name: l.name, forward: 2 * l.macs, inputGrad: l.first ? 0 : 2 * l.macs, filterGrad: 2 * l.macs }));
  const forward = layers.reduce((a, l) => a + l.forward, 0);
  const backward = layers.reduce((a, l) => a + l.inputGrad + l.filterGrad, 0);
  return { forward, backward, total: forward + backward, layers };
}

/**
 * FLOPs of conv2 that a step on `images` images can leave out: its outputs past the corner its
 * 2x2 pool reads (11x11 computed, 10x10 read), in the forward pass and both gradients.
 */
export function skippedConv2Flops(images: number): number {
  const s = seedShapes(images);
  const c = s.conv2;
  const read = 2 * s.pool2.outH * 2 * s.pool2.outW;
  return 3 * 2 * convMacs(c) * (1 - read / (c.outH * c.outW));
}

/** FLOPs per training pair (two images). */
export const FLOPS_PER_PAIR = stepFlops(2).total;
/** Forward FLOPs per image (inference). */
export const FORWARD_FLOPS_PER_IMAGE = stepFlops(1).forward;
