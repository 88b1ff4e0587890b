// Linear invocation index for launches folded into a 2-D grid by src/kernels/grid.ts:
// workgroup (x, y) of a grid nwg.x wide covers items [(x + y * nwg.x) * WG, ... + WG).
fn linear_index(gid: vec3<u32>, nwg: vec3<u32>, wg_size: u32) -> u32 {
  return gid.x + gid.y * nwg.x * wg_size;
}
