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
//    blocking. Each invocation computes a block of RM rows by CG groups of 4 columns of C
//    (overrides; the host takes 16 x 16) as an outer product per k: it loads RM values of A's
//    column k and 4 * CG of B's row k, then does RM * CG vec4 multiply-adds into NAMED vec4
//    accumulators written out by `//!unroll` (scripts/gen-shaders.mjs): SwiftShader keeps named
//    variables in registers, but not private arrays indexed by loop variables (10x slower, see
//    KERNELS.md). Every storage read there is a gather of scalar loads (tens of cycles), so a
//    block's cost per k is about (RM + 4 * CG) reads against 4 * RM * CG multiply-adds: the
//    16 x 16 block does 8 multiply-adds per read where an 8 x 8 block did 4 (measured on the seed
//    network's dense layers: 16 x 16 with 4 k per step took 51 ms where 8 x 8 took 74). A loop
//    step's end is where SwiftShader stores and reloads the live accumulators, so each step takes
//    KU = 4 values of k (the remainder of K one at a time). It reads storage directly and lets
//    the CPU cache do the tiling; barriers would turn every 4-lane group into a coroutine there.
//    Rows and columns past the edge are clamped to the last valid one (their results are never
//    stored), so the hot loop has no bounds checks. Invocation t takes column block
//    t % col_blocks and row block t / col_blocks (neighbours share A's rows); workgroups of WG
//    invocations (16: a 128 x 128 product is only 64 blocks, and each of the CPU's threads needs
//    workgroups of its own), folded to 2-D for long launches; grid z = batch.
//  * `matmul_tiled` (hardware GPUs): classic shared-memory tiling. A workgroup of 16 x 16
//    invocations computes a 64 x 64 tile of C; per K-step of 16 it stages a 16 x 64 slab of A and
//    of B in workgroup memory (two barriers), and each invocation accumulates a 4 x 4 block from
//    vec4 reads of those slabs. Out-of-range elements are staged as zeros.
//    grid = (ceil(n / 64), ceil(m / 64), batch).
//!include common/index.wgsl

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

// `matmul`'s register block (see the header), and its workgroup size.
override RM: u32 = 16u;
override CG: u32 = 4u;
override KU: u32 = 4u;
override WG: u32 = 16u;
const RM_MAX: u32 = 16u;
const CG_MAX: u32 = 8u;
const KU_MAX: u32 = 8u;

@compute @workgroup_size(WG)
fn matmul(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear_index(gid, nwg, WG);
  let z = gid.z;
  let col_blocks = (u.n + 4u * CG - 1u) / (4u * CG);
  if (t >= col_blocks * ((u.m + RM - 1u) / RM) || z >= u.batch) { return; }
  let col0 = (t % col_blocks) * 4u * CG;
  let row0 = (t / col_blocks) * RM;

  // Offsets of the block's rows of A and columns of B, clamped at the edges.
  let last_r = u.m - 1u;
  let last_c = vec4<u32>(u.n - 1u);
  let lanes = vec4<u32>(0u, 1u, 2u, 3u);
//!unroll r RM_MAX
  let ar{r} = min(row0 + {r}u, last_r) * u.a_rs;
//!end
//!unroll g CG_MAX
  let bc{g} = min(vec4<u32>(col0 + {4 * g}u) + lanes, last_c) * u.b_cs;
//!end

  // acc<r>_<g>: row row0 + r, columns col0 + 4 * g .. + 3.
//!unroll r RM_MAX
//!unroll g CG_MAX
  var acc{r}_{g} = vec4<f32>(0.0);
//!end
//!end

  var pa = z * u.a_bs;
  var pb = z * u.b_bs;
  // Two loops from one body: h = 0 takes KU values of k per loop step, h = 1 the remainder of K
  // one per step. (One loop with a per-step count would put a branch around the work, which
  // costs SwiftShader more; `{h}u == 0u` is a constant, so each copy folds to what it runs.)
  let k_main = u.k - u.k % KU;
//!unroll h 2
  for (var k = select(k_main, 0u, {h}u == 0u); k < select(u.k, k_main, {h}u == 0u); k += select(1u, KU, {h}u == 0u)) {
//!unroll q KU_MAX
    if (KU > {q}u && ({h}u == 0u || {q}u == 0u)) {
//!unroll g CG_MAX
      var b{g} = vec4<f32>(0.0);
      if (CG > {g}u) { b{g} = vec4<f32>(b[pb + bc{g}.x], b[pb + bc{g}.y], b[pb + bc{g}.z], b[pb + bc{g}.w]); }
//!end
//!unroll r RM_MAX
      if (RM > {r}u) {
        let a{r} = a[pa + ar{r}];
//!unroll g CG_MAX
        if (CG > {g}u) { acc{r}_{g} += a{r} * b{g}; }
//!end
      }
//!end
      pa += u.a_ks;
      pb += u.b_ks;
    }
//!end
  }
//!end

  let zo = z * u.m * u.n;
//!unroll r RM_MAX
//!unroll g CG_MAX
  if (RM > {r}u && CG > {g}u) { store4(zo, row0 + {r}u, col0 + {4 * g}u, acc{r}_{g}); }
//!end
//!end
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
