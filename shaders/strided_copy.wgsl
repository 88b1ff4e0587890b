// strided_copy.wgsl: copies a box of elements between two strided views of 32-bit buffers.
//
// For every coordinate c of a box of shape `shape` (rank <= 8, row-major order):
//   dst[dst_offset + sum_d c[d] * dst_str[d]] = src[src_offset + sum_d c[d] * src_str[d]].
// One kernel serves every layout op: transpose (src strides permuted, dst contiguous), slice
// (src offset and strides of the whole input, dst contiguous), concat and pad (src contiguous,
// dst a region of a bigger output). The host merges dims that are contiguous in both views,
// so a slice of whole rows becomes a few long runs. Elements move as raw u32 bits, so float32
// and int32 tensors share the kernel and every bit pattern survives.
// Tiling: none; one invocation per element, 64 per workgroup, grid folded to 2-D.
//!include common/index.wgsl

const WG: u32 = 64u;

struct Uniforms {
  n: u32,
  rank: u32,
  src_offset: u32,
  dst_offset: u32,
  shape: array<vec4<u32>, 2>,
  src_str: array<vec4<u32>, 2>,
  dst_str: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, WG);
  if (i >= u.n) { return; }
  var rest = i;
  var s = u.src_offset;
  var d = u.dst_offset;
  for (var k = i32(u.rank) - 1; k >= 0; k--) {
    let q = u32(k);
    let dim = u.shape[q / 4u][q % 4u];
    let c = rest % dim;
    rest = rest / dim;
    s += c * u.src_str[q / 4u][q % 4u];
    d += c * u.dst_str[q / 4u][q % 4u];
  }
  dst[d] = src[s];
}
