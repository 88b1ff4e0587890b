// maxpool2d.wgsl: 2-D max-pooling over NHWC tensors, forward with argmax, and its gradient.
//
// Layout: x is [batch, in_h, in_w, channels] and y / argmax are [batch, out_h, out_w, channels],
// all row-major. Window (oh, ow) covers input rows oh * stride_h - pad_top + [0, filter_h) and
// columns ow * stride_w - pad_left + [0, filter_w); positions outside the input (the 'same'
// padding) are skipped, as if they held -infinity.
//
// Every entry point gives each invocation a quad of 4 consecutive channels (c = 4 * quad ..
// + 3) at one position, and handles them as vec4s: on SwiftShader every integer division is
// four scalar divisions per 4-lane group, and finding (n, h, w, c) from the invocation index
// costs three of them, so sharing them among 4 channels (and, for the cells, among a whole
// window) is most of the speed. With channels % 4 != 0 (QUAD = false) the last quad reads
// its missing channels clamped to the last one and never writes them.
//
// `forward`: one invocation per (output position, channel quad) scans its window row by row
// with a strict `>`, so on ties the first position in window order wins (PyTorch's and
// TensorFlow.js's CPU rule). It writes the maxima to y and the flat indices of the winners in x
// to argmax.
//
// `backward_cells` (stride >= filter, windows never overlap): the input is cut into cells of
// stride_h x stride_w positions, cell (i, j) starting at (i * stride_h - pad_top, j *
// stride_w - pad_left); window (i, j), where it exists, is the top-left filter_h x filter_w of
// its cell. Every input position lies in exactly one cell, so one invocation per (cell, channel
// quad) reads dy and argmax once and writes every dx of its cell: dy where the position is the
// window's argmax, else 0 (positions outside every window, e.g. the last row of an odd input
// under 'valid', included).
//
// `backward` (stride < filter, overlapping windows): one invocation per (input position,
// channel quad) sums dy over the windows that contain the position and whose argmax it is.
//
// With RELU_MASK (both backward entries), x was relu's output and the gradient leaving here is
// also multiplied by relu's mask (x > 0), which is 1 exactly where the pooled maximum y > 0: a
// position only receives dy from a window whose maximum it is. The mask is taken from y (the
// output, 4x smaller than x for 2x2 windows), and the conv below skips its own relu-gradient
// pass over the whole of x (src/autograd/relu-mask.ts). Multiplied, as that pass does, so the
// values are the same to the bit.
//
// No atomics: each dx element is written by exactly one invocation, in a fixed order, so
// results repeat exactly.
// Bindings are shared by all entry points so that each binding keeps one type:
// values = x (forward) or dy (backward); result = y (forward) or dx (backward); pooled = y
// (backward only; bound to dy when RELU_MASK is off).
// Tiling: none; 64 invocations per workgroup, grid folded to 2-D (common/index.wgsl).
//!include common/index.wgsl

const WG: u32 = 64u;
// channels % 4 == 0: every quad is whole, and the bounds tests on channels compile away.
override QUAD: bool = true;
// Backward: also apply relu's gradient mask, taken from the pooled maxima (see above).
override RELU_MASK: bool = false;

struct Uniforms {
  n: u32, // invocations
  batch: u32,
  in_h: u32,
  in_w: u32,
  channels: u32,
  out_h: u32,
  out_w: u32,
  filter_h: u32,
  filter_w: u32,
  stride_h: u32,
  stride_w: u32,
  pad_top: u32,
  pad_left: u32,
  quads: u32, // ceil(channels / 4)
  cells_h: u32, // backward_cells: cells per column and per row
  cells_w: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> argmax: array<i32>;
@group(0) @binding(3) var<storage, read_write> result: array<f32>;
@group(0) @binding(4) var<storage, read> pooled: array<f32>;

// Position (n, row, col) and channel c of invocation i over a [batch, rows, cols, quads] grid.
// Remainders by multiply-subtract: one division each.
struct At { n: u32, row: u32, col: u32, c: u32 }

fn split_index(i: u32, rows: u32, cols: u32) -> At {
  let t0 = i / u.quads;
  let q = i - t0 * u.quads;
  let t1 = t0 / cols;
  let col = t0 - t1 * cols;
  let n = t1 / rows;
  return At(n, t1 - n * rows, col, q * 4u);
}

// Offsets of channels c..c+3 from a position's first channel, clamped to the last channel.
fn lanes(c: u32) -> vec4<u32> {
  let l = vec4<u32>(c) + vec4<u32>(0u, 1u, 2u, 3u);
  if (QUAD) { return l; }
  return min(l, vec4<u32>(u.channels - 1u));
}

fn load4(base: u32, l: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(values[base + l.x], values[base + l.y], values[base + l.z], values[base + l.w]);
}

// dy of an output position times relu's mask there (1 where the pooled maximum is positive),
// or dy itself without RELU_MASK.
fn masked_dy(o: u32, l: vec4<u32>) -> vec4<f32> {
  let g = load4(o, l);
  if (!RELU_MASK) { return g; }
  let y = vec4<f32>(pooled[o + l.x], pooled[o + l.y], pooled[o + l.z], pooled[o + l.w]);
  return g * select(vec4<f32>(0.0), vec4<f32>(1.0), y > vec4<f32>(0.0));
}

fn store4(base: u32, c: u32, v: vec4<f32>) {
  if (QUAD || c + 3u < u.channels) {
    result[base + c] = v.x; result[base + c + 1u] = v.y; result[base + c + 2u] = v.z; result[base + c + 3u] = v.w;
    return;
  }
  result[base + c] = v.x;
  if (c + 1u < u.channels) { result[base + c + 1u] = v.y; }
  if (c + 2u < u.channels) { result[base + c + 2u] = v.z; }
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let p = split_index(i, u.out_h, u.out_w);
  let l = lanes(p.c);

  // The window's first position inside the input (the host guarantees there is one) seeds the
  // maximum; then every tap of the window, those in the padding skipped. The loops run
  // filter_h x filter_w times in every lane: on SwiftShader a trip count that varies by lane
  // (a window clipped to the input) costs more than testing each tap.
  let h0 = i32(p.row * u.stride_h) - i32(u.pad_top);
  let w0 = i32(p.col * u.stride_w) - i32(u.pad_left);
  let img = p.n * u.in_h;
  let first = ((img + u32(max(h0, 0))) * u.in_w + u32(max(w0, 0))) * u.channels;
  var best = load4(first, l);
  var best_at = vec4<u32>(first) + l;
  for (var dh = 0u; dh < u.filter_h; dh++) {
    let h = u32(h0 + i32(dh)); // past either edge when negative (wraps) or >= in_h
    let row = (img + h) * u.in_w;
    for (var dw = 0u; dw < u.filter_w; dw++) {
      let w = u32(w0 + i32(dw));
      let inside = (h < u.in_h) & (w < u.in_w); // `&`: no branch
      let at = select(first, (row + w) * u.channels, inside);
      let v = load4(at, l);
      let wins = (v > best) & vec4<bool>(inside);
      best = select(best, v, wins);
      best_at = select(best_at, vec4<u32>(at) + l, wins);
    }
  }
  let o = ((p.n * u.out_h + p.row) * u.out_w + p.col) * u.channels;
  store4(o, p.c, best);
  let a = vec4<i32>(best_at);
  if (QUAD || p.c + 3u < u.channels) {
    argmax[o + p.c] = a.x; argmax[o + p.c + 1u] = a.y; argmax[o + p.c + 2u] = a.z; argmax[o + p.c + 3u] = a.w;
    return;
  }
  argmax[o + p.c] = a.x;
  if (p.c + 1u < u.channels) { argmax[o + p.c + 1u] = a.y; }
  if (p.c + 2u < u.channels) { argmax[o + p.c + 2u] = a.z; }
}

@compute @workgroup_size(WG)
fn backward_cells(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let p = split_index(i, u.cells_h, u.cells_w);
  let l = lanes(p.c);

  // The cell's window, if it has one: its dy and argmax (flat indices in x; -1 for none).
  let has_window = (p.row < u.out_h) & (p.col < u.out_w);
  let o = ((p.n * u.out_h + min(p.row, u.out_h - 1u)) * u.out_w + min(p.col, u.out_w - 1u)) * u.channels;
  let g = masked_dy(o, l) * select(0.0, 1.0, has_window);
  let won = select(vec4<i32>(-1), vec4<i32>(argmax[o + l.x], argmax[o + l.y], argmax[o + l.z], argmax[o + l.w]), has_window);

  let h0 = i32(p.row * u.stride_h) - i32(u.pad_top);
  let w0 = i32(p.col * u.stride_w) - i32(u.pad_left);
  let img = p.n * u.in_h;
  for (var dh = 0u; dh < u.stride_h; dh++) {
    let h = u32(h0 + i32(dh)); // past either edge when negative (wraps) or >= in_h
    if (h >= u.in_h) { continue; }
    let row = (img + h) * u.in_w;
    for (var dw = 0u; dw < u.stride_w; dw++) {
      let w = u32(w0 + i32(dw));
      if (w >= u.in_w) { continue; }
      let at = (row + w) * u.channels;
      store4(at, p.c, select(vec4<f32>(0.0), g, won == vec4<i32>(vec4<u32>(at) + l)));
    }
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let p = split_index(i, u.in_h, u.in_w);
  let l = lanes(p.c);
  let me = vec4<i32>(vec4<u32>(((p.n * u.in_h + p.row) * u.in_w + p.col) * u.channels) + l);

  // Windows containing row h: oh * stride_h - pad_top <= h < oh * stride_h - pad_top + filter_h.
  let th = i32(p.row + u.pad_top);
  let tw = i32(p.col + u.pad_left);
  let sh = i32(u.stride_h);
  let sw = i32(u.stride_w);
  let lo_h = th - i32(u.filter_h) + 1;
  let lo_w = tw - i32(u.filter_w) + 1;
  let oh_lo = u32(select(0, (lo_h + sh - 1) / sh, lo_h > 0));
  let ow_lo = u32(select(0, (lo_w + sw - 1) / sw, lo_w > 0));
  let oh_hi = min(u32(th / sh) + 1u, u.out_h);
  let ow_hi = min(u32(tw / sw) + 1u, u.out_w);

  var acc = vec4<f32>(0.0);
  for (var oh = oh_lo; oh < oh_hi; oh++) {
    let row = (p.n * u.out_h + oh) * u.out_w;
    for (var ow = ow_lo; ow < ow_hi; ow++) {
      let o = (row + ow) * u.channels;
      let won = vec4<i32>(argmax[o + l.x], argmax[o + l.y], argmax[o + l.z], argmax[o + l.w]);
      acc += select(vec4<f32>(0.0), masked_dy(o, l), won == me);
    }
  }
  store4(((p.n * u.in_h + p.row) * u.in_w + p.col) * u.channels, p.c, acc);
}
