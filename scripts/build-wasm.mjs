// Builds crates/wasm into dist/: kindling.simd.wasm (simd128) and kindling.relaxed.wasm
// (simd128 + relaxed SIMD). The loader picks one at run time with WebAssembly.validate.
// One target folder per flag set, so switching flags never rebuilds std.
import { copyFileSync, mkdirSync, renameSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { findToolchain } from "./toolchain.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TARGET = "wasm32-unknown-unknown";
const VARIANTS = {
  simd: "+simd128",
  relaxed: "+simd128,+relaxed-simd",
};

const tc = findToolchain();
const only = process.argv.slice(2);
mkdirSync(path.join(root, "dist"), { recursive: true });

for (const [name, features] of Object.entries(VARIANTS)) {
  if (only.length && !only.includes(name)) continue;
  const targetDir = path.join(root, "target", `wasm-${name}`);
  const args = ["build", "--release", "-p", "kd-wasm", "--target", TARGET, "--target-dir", targetDir];
  const env = {
    ...process.env,
    RUSTC: tc.rustc,
    RUSTFLAGS: `-C target-feature=${features}`,
  };
  if (tc.buildStd) {
    // Debian ships std as source only: build it, and never ask the network for its deps.
    args.push(
      "-Zbuild-std=std,panic_abort",
      "--config", "source.crates-io.replace-with='vendored-sources'",
      "--config", `source.vendored-sources.directory='${tc.vendor}'`,
    );
    env.RUSTC_BOOTSTRAP = "1";
  }
  const t0 = Date.now();
  const r = spawnSync(tc.cargo, args, { cwd: root, env, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`[kindling] wasm build (${name}) failed`);
    process.exit(r.status ?? 1);
  }
  const out = path.join(targetDir, TARGET, "release", "kd_wasm.wasm");
  const dest = path.join(root, "dist", `kindling.${name}.wasm`);
  // Copy then rename, so a reader never sees a half-written module.
  copyFileSync(out, dest + ".tmp");
  renameSync(dest + ".tmp", dest);
  console.log(`[kindling] ${path.relative(root, dest)}: ${(statSync(dest).size / 1024).toFixed(0)} KiB (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
