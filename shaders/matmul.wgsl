// matmul.wgsl: c[z] = act(op(a[z]) · op(b[z]) + bias), batched, with either operand transposed.
//
// Layout: every operand is addressed through element strides held in the uniforms, so one
// pipeline covers all four transpose combinations, broadcasting of a batch of 1, and any M, N, K
// (no multiple-of-4 requirement):
//   A(r, k) of batch z = a[z * a_bs + r * a_rs + k * a_ks]    (r < m, k < k)
//   B(k, c) of batch z = b[z * b_bs + k * b_ks + c * b_cs]    (c < n)
//   C(r, c) of batch z = c[z * m * n + r * n + c]             (row-major output)
// A row-major [M, K] operand has a_rs = K, a_ks = 1; its transpose ([K, M] in memory) has
// a_rs = 1, a_ks = M. A batch that is broadcast has a_bs = 0.
// Epilogue: when HAS_BIAS, bias[c] is added; when RELU, max(x, 0) is taken; both happen in the
// output write, so a dense layer is one launch. (Without a bias the host binds any read-only
// buffer at binding 3, because pipelines use layout 'auto' and `bias` is statically used.)
//
// Two entry points:
//  * `matmul` (software adapters such as SwiftShader, and the default): barrier-free register
//    blocking. Each invocation computes an 8 x 8 block of C as an outer product per k: it loads
//    8 values of A's column k and 8 of B's row k, then does 16 vec4 multiply-adds into 16 NAMED
//    vec4 accumulators (SwiftShader keeps named variables in registers, but not private arrays
//    indexed by loop variables: 10x slower, see KERNELS.md). It reads storage directly and lets
//    the CPU cache do the tiling; barriers would turn every 4-lane group into a coroutine there.
//    Rows and columns past the edge are clamped to the last valid one (their results are never
//    stored), so the hot loop has no bounds checks. Workgroups of 8 x 8 invocations cover 64 x 64
//    outputs; grid = (ceil(n / 64), ceil(m / 64), batch).
//  * `matmul_tiled` (hardware GPUs): classic shared-memory tiling. A workgroup of 16 x 16
//    invocations computes a 64 x 64 tile of C; per K-step of 16 it stages a 16 x 64 slab of A and
//    of B in workgroup memory (two barriers), and each invocation accumulates a 4 x 4 block from
//    vec4 reads of those slabs. Out-of-range elements are staged as zeros.
//    grid = (ceil(n / 64), ceil(m / 64), batch).

override HAS_BIAS: bool = false;
override RELU: bool = false;

struct Uniforms {
  m: u32,
  n: u32,
  k: u32,
  batch: u32,
  a_rs: u32,
  a_ks: u32,
  b_ks: u32,
  b_cs: u32,
  a_bs: u32,
  b_bs: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// The fused epilogue for one output value in column `col`.
fn finish(x: f32, col: u32) -> f32 {
  var y = x;
  if (HAS_BIAS) { y += bias[col]; }
  if (RELU) { y = max(y, 0.0); }
  return y;
}

// Stores 4 consecutive outputs of row `row` starting at column `col`, skipping those outside C.
fn store4(z_off: u32, row: u32, col: u32, v: vec4<f32>) {
  if (row >= u.m) { return; }
  let o = z_off + row * u.n + col;
  if (col < u.n) { c[o] = finish(v.x, col); }
  if (col + 1u < u.n) { c[o + 1u] = finish(v.y, col + 1u); }
  if (col + 2u < u.n) { c[o + 2u] = finish(v.z, col + 2u); }
  if (col + 3u < u.n) { c[o + 3u] = finish(v.w, col + 3u); }
}

@compute @workgroup_size(8, 8)
fn matmul(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col0 = gid.x * 8u;
  let row0 = gid.y * 8u;
  let z = gid.z;
  if (row0 >= u.m || col0 >= u.n || z >= u.batch) { return; }

  // Offsets of the block's 8 rows of A and 8 columns of B, clamped at the edges.
  let last_r = u.m - 1u;
  let last_c = u.n - 1u;
  let ar0 = row0 * u.a_rs;
  let ar1 = min(row0 + 1u, last_r) * u.a_rs;
  let ar2 = min(row0 + 2u, last_r) * u.a_rs;
  let ar3 = min(row0 + 3u, last_r) * u.a_rs;
  let ar4 = min(row0 + 4u, last_r) * u.a_rs;
  let ar5 = min(row0 + 5u, last_r) * u.a_rs;
  let ar6 = min(row0 + 6u, last_r) * u.a_rs;
  let ar7 = min(row0 + 7u, last_r) * u.a_rs;
  let bc0 = col0 * u.b_cs;
  let bc1 = min(col0 + 1u, last_c) * u.b_cs;
  let bc2 = min(col0 + 2u, last_c) * u.b_cs;
  let bc3 = min(col0 + 3u, last_c) * u.b_cs;
  let bc4 = min(col0 + 4u, last_c) * u.b_cs;
  let bc5 = min(col0 + 5u, last_c) * u.b_cs;
  let bc6 = min(col0 + 6u, last_c) * u.b_cs;
  let bc7 = min(col0 + 7u, last_c) * u.b_cs;

  // acc<r>l holds row r, columns 0-3 of the block; acc<r>h holds columns 4-7.
  var acc0l = vec4<f32>(0.0); var acc0h = vec4<f32>(0.0);
  var acc1l = vec4<f32>(0.0); var acc1h = vec4<f32>(0.0);
  var acc2l = vec4<f32>(0.0); var acc2h = vec4<f32>(0.0);
  var acc3l = vec4<f32>(0.0); var acc3h = vec4<f32>(0.0);
  var acc4l = vec4<f32>(0.0); var acc4h = vec4<f32>(0.0);
  var acc5l = vec4<f32>(0.0); var acc5h = vec4<f32>(0.0);
  var acc6l = vec4<f32>(0.0); var acc6h = vec4<f32>(0.0);
  var acc7l = vec4<f32>(0.0); var acc7h = vec4<f32>(0.0);

  var pa = z * u.a_bs;
  var pb = z * u.b_bs;
  for (var k = 0u; k < u.k; k++) {
    let bl = vec4<f32>(b[pb + bc0], b[pb + bc1], b[pb + bc2], b[pb + bc3]);
    let bh = vec4<f32>(b[pb + bc4], b[pb + bc5], b[pb + bc6], b[pb + bc7]);
    let a0 = a[pa + ar0]; acc0l += a0 * bl; acc0h += a0 * bh;
    let a1 = a[pa + ar1]; acc1l += a1 * bl; acc1h += a1 * bh;
    let a2 = a[pa + ar2]; acc2l += a2 * bl; acc2h += a2 * bh;
    let a3 = a[pa + ar3]; acc3l += a3 * bl; acc3h += a3 * bh;
    let a4 = a[pa + ar4]; acc4l += a4 * bl; acc4h += a4 * bh;
    let a5 = a[pa + ar5]; acc5l += a5 * bl; acc5h += a5 * bh;
    let a6 = a[pa + ar6]; acc6l += a6 * bl; acc6h += a6 * bh;
    let a7 = a[pa + ar7]; acc7l += a7 * bl; acc7h += a7 * bh;
    pa += u.a_ks;
    pb += u.b_ks;
  }

  let zo = z * u.m * u.n;
  let col4 = col0 + 4u;
  store4(zo, row0, col0, acc0l); store4(zo, row0, col4, acc0h);
  store4(zo, row0 + 1u, col0, acc1l); store4(zo, row0 + 1u, col4, acc1h);
  store4(zo, row0 + 2u, col0, acc2l); store4(zo, row0 + 2u, col4, acc2h);
  store4(zo, row0 + 3u, col0, acc3l); store4(zo, row0 + 3u, col4, acc3h);
  store4(zo, row0 + 4u, col0, acc4l); store4(zo, row0 + 4u, col4, acc4h);
  store4(zo, row0 + 5u, col0, acc5l); store4(zo, row0 + 5u, col4, acc5h);
  store4(zo, row0 + 6u, col0, acc6l); store4(zo, row0 + 6u, col4, acc6h);
  store4(zo, row0 + 7u, col0, acc7l); store4(zo, row0 + 7u, col4, acc7h);
}

// ---- shared-memory tiled variant ----------------------------------------------------------

const TILE: u32 = 64u;   // rows and columns of C per workgroup
const TK: u32 = 16u;     // k per stage
// a_slab[kk * 16 + q] holds A(row0 + 4q .. 4q + 3, k0 + kk); b_slab[kk * 16 + q] holds
// B(k0 + kk, col0 + 4q .. 4q + 3). 2 x 4 KiB of workgroup memory.
var<workgroup> a_slab: array<vec4<f32>, 256>;
var<workgroup> b_slab: array<vec4<f32>, 256>;

fn a_at(base: u32, r: u32, k: u32) -> f32 {
  if (r >= u.m || k >= u.k) { return 0.0; }
  return a[base + r * u.a_rs + k * u.a_ks];
}

fn b_at(base: u32, k: u32, col: u32) -> f32 {
  if (k >= u.k || col >= u.n) { return 0.0; }
  return b[base + k * u.b_ks + col * u.b_cs];
}

@compute @workgroup_size(16, 16)
fn matmul_tiled(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
) {
  let z = wid.z;
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let t = lid.y * 16u + lid.x;
  // Staging role of this invocation: k-row `sk` of the slabs, 4 consecutive rows/columns `sq`.
  let sk = t / 16u;
  let sq = t % 16u;
  let a_base = z * u.a_bs;
  let b_base = z * u.b_bs;

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < u.k; k0 += TK) {
    let kk = k0 + sk;
    let r = row0 + sq * 4u;
    a_slab[t] = vec4<f32>(a_at(a_base, r, kk), a_at(a_base, r + 1u, kk), a_at(a_base, r + 2u, kk), a_at(a_base, r + 3u, kk));
    let cc = col0 + sq * 4u;
    b_slab[t] = vec4<f32>(b_at(b_base, kk, cc), b_at(b_base, kk, cc + 1u), b_at(b_base, kk, cc + 2u), b_at(b_base, kk, cc + 3u));
    workgroupBarrier();
    for (var j = 0u; j < TK; j++) {
      let av = a_slab[j * 16u + lid.y];
      let bv = b_slab[j * 16u + lid.x];
      acc0 += av.x * bv;
      acc1 += av.y * bv;
      acc2 += av.z * bv;
      acc3 += av.w * bv;
    }
    workgroupBarrier();
  }
  let zo = z * u.m * u.n;
  let r0 = row0 + lid.y * 4u;
  let c0 = col0 + lid.x * 4u;
  store4(zo, r0, c0, acc0);
  store4(zo, r0 + 1u, c0, acc1);
  store4(zo, r0 + 2u, c0, acc2);
  store4(zo, r0 + 3u, c0, acc3);
}
