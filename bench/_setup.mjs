// `npm run bench -- setup`: what the PyTorch rows need, checked and (as root, with apt) installed:
// Debian's python3-torch, and OpenBLAS with OpenMP threads behind libblas.so.3 (Debian's torch
// calls sgemm through libblas.so.3; the reference BLAS there runs about 3 GFLOP/s, so without
// OpenBLAS PyTorch's matmul and nn.Linear rows say little). Benches never install anything.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { torchBlas, torchBlasLine } from "./_harness.mjs";

const sh = (cmd, args) => spawnSync(cmd, args, { encoding: "utf8" });
const installed = (pkg) => sh("dpkg-query", ["-W", "-f=${Status}", pkg]).stdout?.includes("install ok installed");
const missing = [];
if (!existsSync("/usr/bin/python3") || sh("/usr/bin/python3", ["-c", "import torch"]).status !== 0) missing.push("python3-torch");
if (!installed("libopenblas0-openmp")) missing.push("libopenblas0-openmp");
if (!missing.length) {
  console.log(`nothing to install; ${torchBlasLine()}`);
  process.exit(0);
}
const root = process.getuid?.() === 0;
if (!root || !existsSync("/usr/bin/apt-get")) {
  console.log(`missing: ${missing.join(", ")}; install them with: sudo apt-get install -y ${missing.join(" ")}`);
  process.exit(1);
}
console.log(`apt-get install -y ${missing.join(" ")}`);
let r = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { stdio: "inherit" });
if (r.status !== 0) {
  spawnSync("apt-get", ["update"], { stdio: "inherit" });
  r = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { stdio: "inherit" });
}
if (r.status !== 0) process.exit(r.status ?? 1);
console.log(torchBlasLine(torchBlas()));
