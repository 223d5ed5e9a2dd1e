// Native kernel and engine tests (x86): the same blocking code as the wasm build, scalar lanes.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { findToolchain } from "./toolchain.mjs";

const tc = findToolchain();
// The Debian toolchain and rustup both build native code; prefer the one that built the wasm.
const cargo = tc.kind === "debian" && existsSync("/usr/bin/cargo") ? "/usr/bin/cargo" : "cargo";
const r = spawnSync(cargo, ["test", "--release", "--lib", "-p", "kd-kernels", "-p", "kd-engine"], {
  stdio: "inherit",
  env: { ...process.env, RUSTC: tc.rustc },
});
process.exit(r.status ?? 1);
