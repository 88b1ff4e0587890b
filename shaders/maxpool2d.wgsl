// maxpool2d.wgsl: 2-D max-pooling over NHWC tensors, forward with argmax, and its gradient.
//
// Layout: x is [batch, in_h, in_w, channels] and y / argmax are [batch, out_h, out_w, channels],
// all row-major. Window (oh, ow) covers input rows oh * stride_h - pad_top + [0, filter_h) and
// columns ow * stride_w - pad_left + [0, filter_w); positions outside the input (the 'same'
// padding) are skipped, as if they held -infinity.
//
// `forward`: one invocation per output element scans its window row by row with a strict `>`,
// so on ties the first position in window order wins (PyTorch's and TensorFlow.js's CPU rule).
// It writes the maximum to y and the flat index of the winner in x to argmax.
//
// `backward`: one invocation per input element sums dy over the windows that contain it and
// whose argmax is that element. No atomics: each dx element is written by exactly one
// invocation, in a fixed order, so results repeat exactly; overlapping windows (stride <
// filter) simply mean more than one window to visit.
//
// Bindings are shared by both entry points so that each binding keeps one type:
// values = x (forward) or dy (backward); result = y (forward) or dx (backward).
// Tiling: none; 64 invocations per workgroup, grid folded to 2-D (common/index.wgsl).
//!include common/index.wgsl

const WG: u32 = 64u;

struct Uniforms {
  n: u32, // invocations: output elements (forward) or input elements (backward)
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
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> argmax: array<i32>;
@group(0) @binding(3) var<storage, read_write> result: array<f32>;

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let c = i % u.channels;
  var t = i / u.channels;
  let ow = t % u.out_w;
  t = t / u.out_w;
  let oh = t % u.out_h;
  let b = t / u.out_h;

  // The window clipped to the input; the host guarantees it is never empty.
  let h0 = i32(oh * u.stride_h) - i32(u.pad_top);
  let w0 = i32(ow * u.stride_w) - i32(u.pad_left);
  let h_lo = u32(max(h0, 0));
  let h_hi = u32(min(h0 + i32(u.filter_h), i32(u.in_h)));
  let w_lo = u32(max(w0, 0));
  let w_hi = u32(min(w0 + i32(u.filter_w), i32(u.in_w)));

  let base = b * u.in_h;
  var best_at = ((base + h_lo) * u.in_w + w_lo) * u.channels + c;
  var best = values[best_at];
  for (var h = h_lo; h < h_hi; h++) {
    let row = ((base + h) * u.in_w) * u.channels + c;
    for (var w = w_lo; w < w_hi; w++) {
      let at = row + w * u.channels;
      let v = values[at];
      if (v > best) {
        best = v;
        best_at = at;
      }
    }
  }
  result[i] = best;
  argmax[i] = i32(best_at);
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  let c = i % u.channels;
  var t = i / u.channels;
  let w = t % u.in_w;
  t = t / u.in_w;
  let h = t % u.in_h;
  let b = t / u.in_h;

  // Windows containing row h: oh * stride_h - pad_top <= h < oh * stride_h - pad_top + filter_h.
  let th = i32(h + u.pad_top);
  let tw = i32(w + u.pad_left);
  let sh = i32(u.stride_h);
  let sw = i32(u.stride_w);
  let lo_h = th - i32(u.filter_h) + 1;
  let lo_w = tw - i32(u.filter_w) + 1;
  let oh_lo = u32(select(0, (lo_h + sh - 1) / sh, lo_h > 0));
  let ow_lo = u32(select(0, (lo_w + sw - 1) / sw, lo_w > 0));
  let oh_hi = min(u32(th / sh) + 1u, u.out_h);
  let ow_hi = min(u32(tw / sw) + 1u, u.out_w);

  var acc = 0.0;
  for (var oh = oh_lo; oh < oh_hi; oh++) {
    let row = (b * u.out_h + oh) * u.out_w;
    for (var ow = ow_lo; ow < ow_hi; ow++) {
      let o = (row + ow) * u.channels + c;
      if (u32(argmax[o]) == i) { acc += values[o]; }
    }
  }
  result[i] = acc;
}
