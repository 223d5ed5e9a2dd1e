// Builds crates/wasm into dist/: kindling.simd.wasm (simd128) and kindling.relaxed.wasm
// (simd128 + relaxed SIMD), and their threaded twins kindling.simd-threads.wasm and
// kindling.relaxed-threads.wasm (atomics, shared imported memory: ts/runtime/threads.ts runs
// their pool). The loader picks one at run time with WebAssembly.validate and
// crossOriginIsolated. One target folder per flag set, so switching flags never rebuilds std.
import { copyFileSync, mkdirSync, renameSync, statSync } from "node:fs";
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { findToolchain } from "./toolchain.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TARGET = "wasm32-unknown-unknown";
const VARIANTS = {
  simd: "+simd128",
  relaxed: "+simd128,+relaxed-simd",
  "simd-threads": "+simd128,+atomics,+bulk-memory,+mutable-globals",
  "relaxed-threads": "+simd128,+relaxed-simd,+atomics,+bulk-memory,+mutable-globals",
};
// The threaded builds' memory: imported and shared (rustc adds none of this itself, and without
// it the module silently gets its own unshared memory), its initial size fixed so the loader
// can create it (THREADED_INITIAL_PAGES in ts/runtime/threads.ts), and the globals a worker
// instance sets up: its own stack pointer and thread-local block.
const THREADED_INITIAL_BYTES = 16 * 1024 * 1024;
const THREADED_LINK = [
  "--shared-memory", "--import-memory", `--initial-memory=${THREADED_INITIAL_BYTES}`, "--max-memory=4294967296",
  "--export=__stack_pointer", "--export=__wasm_init_tls", "--export=__tls_size", "--export=__tls_align", "--export=__tls_base",
].map((a) => `-C link-arg=${a}`).join(" ");

const tc = findToolchain();
const only = process.argv.slice(2);
mkdirSync(path.join(root, "dist"), { recursive: true });

/** Builds one variant into dist/; rejects when cargo fails. */
const running = new Set();
async function build(name, features) {
  const threaded = name.endsWith("-threads");
  if (threaded && !tc.buildStd) {
    // std must be rebuilt with atomics: needs -Zbuild-std (Debian's std sources, or nightly).
    console.warn(`[kindling] skipping ${name}: this toolchain cannot rebuild std with atomics`);
    return;
  }
  const targetDir = path.join(root, "target", `wasm-${name}`);
  const args = ["build", "--release", "-p", "kd-wasm", "--target", TARGET, "--target-dir", targetDir];
  const env = {
    ...process.env,
    RUSTC: tc.rustc,
    RUSTFLAGS: `-C target-feature=${features}` + (threaded ? ` ${THREADED_LINK}` : ""),
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
  const child = spawn(tc.cargo, args, { cwd: root, env, stdio: "inherit" });
  running.add(child);
  const status = await new Promise((resolve) => child.on("close", resolve));
  running.delete(child);
  if (status !== 0) throw Object.assign(new Error(`[kindling] wasm build (${name}) failed`), { status });
  const out = path.join(targetDir, TARGET, "release", "kd_wasm.wasm");
  const dest = path.join(root, "dist", `kindling.${name}.wasm`);
  // Copy then rename, so a reader never sees a half-written module.
  copyFileSync(out, dest + ".tmp");
  renameSync(dest + ".tmp", dest);
  console.log(`[kindling] ${path.relative(root, dest)}: ${(statSync(dest).size / 1024).toFixed(0)} KiB (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

// Two builds at a time where there are two cores: each one's final LTO step runs on one core.
const queue = Object.entries(VARIANTS).filter(([name]) => !only.length || only.includes(name));
const lanes = Math.max(1, Math.min(2, availableParallelism()));
try {
  await Promise.all(Array.from({ length: lanes }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await build(...next);
  }));
} catch (e) {
  for (const c of running) c.kill(); // the other lane's build: a failed build stops everything
  console.error(e.message);
  process.exit(e.status ?? 1);
}
