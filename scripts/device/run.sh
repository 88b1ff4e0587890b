#!/usr/bin/env bash
# Runs on the lent GPU machine (see README.md here): unpacks .devpack, then runs the bundled
# kernel tests and the benchmark on the hardware adapter. Output goes to $OUT.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/out}"; mkdir -p "$OUT"
D=/tmp/dev; mkdir -p $D/bin $D/js/node_modules/webgpu/dist/linux-x64
xz -dc .devpack/node.xz > $D/bin/node && chmod +x $D/bin/node
xz -dc .devpack/dawn.node.xz > $D/js/node_modules/webgpu/dist/linux-x64/dawn.node
cp .devpack/webgpu-index.js $D/js/node_modules/webgpu/index.js
cp .devpack/webgpu-package.json $D/js/node_modules/webgpu/package.json
cp .devpack/js/* $D/js/
# Dawn looks for libvulkan.so.1 beside dawn.node first; supply one if the system has none.
ldconfig -p | grep -q libvulkan.so.1 || cp .devpack/libvulkan.so.1 $D/js/node_modules/webgpu/dist/linux-x64/
export PATH=$D/bin:$PATH XDG_RUNTIME_DIR=/tmp SIAMESE_ADAPTER=hardware
if ! ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/etc/vulkan/icd.d/nvidia_icd.json; do
    [ -f "$f" ] && export VK_DRIVER_FILES="$f" VK_ICD_FILENAMES="$f" SIAMESE_VK_ICD="$f" && break
  done
fi
{ nvidia-smi -L; node --version; echo "ICD: ${SIAMESE_VK_ICD:-search}"; } 2>&1 | tee "$OUT/env.txt"
cd $D/js
timeout "${CHECK_TIMEOUT:-240}" node checks.mjs 2>&1 | tee "$OUT/checks.log" | grep -E "^FAIL|passed|Error" | head -60
[ -f bench.mjs ] && timeout "${BENCH_TIMEOUT:-200}" node bench.mjs --quick --skip ours-chromium,tfjs-cpu,tfjs-webgpu-node,tfjs-webgl,tfjs-webgpu-chromium --out "$OUT" ${BENCH_ARGS:-} 2>&1 | tee "$OUT/bench.log" | tail -60

