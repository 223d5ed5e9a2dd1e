#!/usr/bin/env bash
# The WebGPU speed check for a lent GPU machine, in one command (under 8 minutes): Kindling's
# matmul (N up to 4096) and TinyVGG training (batch 32 and 256) on WebGPU through Dawn's Vulkan
# backend (npm `webgpu`), beside Kindling's wasm CPU engine in the same run, each printing the
# adapter's name; then, where FashionMNIST is there, TinyVGG's test accuracy after 300 steps on
# cpu and webgpu (bench/webgpu-accuracy.mjs). Writes bench/results/*.json (copied to $OUT when set).
#
# Needs: node >= 20, the built dist/ and node_modules/webgpu (21 MB of it is the linux-x64
# dawn.node). On a machine that reaches no registry, bring them along, e.g.
#   run --carry dist --carry node_modules/webgpu -- bash bench/gpu-check.sh
# Vulkan: the GPU's own ICD (NVIDIA's nvidia_icd.json from its driver). VK_ICD_FILENAMES is left
# alone: pointing it at SwiftShader would measure the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "gpu-check: node is not installed (apt-get install -y nodejs)"; exit 2; }
[ -f dist/index.js ] || { echo "gpu-check: dist/ is missing: run npm run build here, or carry dist"; exit 2; }
[ -f node_modules/webgpu/index.js ] || { echo "gpu-check: node_modules/webgpu is missing: npm install webgpu, or carry node_modules/webgpu"; exit 2; }
if ! ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
  # Dawn loads libvulkan.so.1 and a vendor ICD; NVIDIA's comes with its driver's GL/Vulkan libraries
  echo "gpu-check: no Vulkan ICD found (/usr/share/vulkan/icd.d); install the GPU driver's Vulkan part (NVIDIA: libnvidia-gl-*) and libvulkan1" >&2
fi
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || true
export BENCH_REPS=${BENCH_REPS:-2}
timeout 240 node bench/matmul.mjs 1024,2048,4096 --device webgpu
cp bench/results/matmul.json bench/results/matmul-webgpu.json
timeout 120 node bench/train-cnn.mjs 40 --device webgpu
cp bench/results/train-cnn.json bench/results/train-cnn-webgpu-32.json
timeout 120 node bench/train-cnn.mjs 20 --device webgpu --batch 256
cp bench/results/train-cnn.json bench/results/train-cnn-webgpu-256.json
# TinyVGG 300 steps on the real FashionMNIST, cpu vs webgpu: test accuracy within a point
if [ -d /usr/share/datasets/fashion-mnist ] || [ -d "${KINDLING_DATA_HOME:-$HOME/.cache/kindling/datasets}/FashionMNIST" ]; then
  timeout 240 node bench/webgpu-accuracy.mjs 300 || echo "gpu-check: webgpu-accuracy failed (exit $?)"
else
  echo "gpu-check: FashionMNIST not found (/usr/share/datasets/fashion-mnist or KINDLING_DATA_HOME): webgpu-accuracy skipped"
fi
if [ -n "${OUT:-}" ]; then cp bench/results/*webgpu*.json "$OUT"/; fi
