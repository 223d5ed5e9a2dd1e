// Finds a Rust toolchain that can build wasm32-unknown-unknown, provisioning Debian's when
// we are root on Debian. Used by build-wasm.mjs and by `npm install` (postinstall).
import { existsSync } from "node:fs";
import { execFileSync, spawnSync } from "node:child_process";

const VENDOR = "/usr/lib/rustlib/src/rust/library/vendor";
const DEBIAN_PKGS = ["rustc-web", "rust-web-src", "lld-22"];

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: "utf8", ...opts });
}

/** A rustup toolchain that already has the wasm32 target, if any. */
function rustupWithWasm() {
  const r = run("rustup", ["target", "list", "--installed"]);
  if (r.status === 0 && r.stdout.includes("wasm32-unknown-unknown")) {
    return { kind: "rustup", cargo: "cargo", rustc: "rustc", buildStd: false };
  }
  return null;
}

function debian() {
  if (existsSync("/usr/bin/rustc") && existsSync("/usr/bin/cargo") && existsSync(VENDOR) && existsSync("/usr/bin/rust-lld")) {
    return { kind: "debian", cargo: "/usr/bin/cargo", rustc: "/usr/bin/rustc", buildStd: true, vendor: VENDOR };
  }
  return null;
}

function canApt() {
  return process.getuid?.() === 0 && existsSync("/usr/bin/apt-get") && existsSync("/etc/debian_version");
}

export function aptInstall(pkgs) {
  const missing = pkgs.filter((p) => run("dpkg", ["-s", p]).status !== 0);
  if (missing.length === 0) return;
  console.log(`[kindling] apt-get install ${missing.join(" ")}`);
  execFileSync("apt-get", ["update", "-q"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-q", ...missing], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

/** Returns the toolchain to use, installing Debian's when possible, else exits with advice. */
export function findToolchain({ provision = true } = {}) {
  const found = debian() ?? rustupWithWasm();
  if (found) return found;
  if (provision && canApt()) {
    aptInstall(DEBIAN_PKGS);
    const d = debian();
    if (d) return d;
  }
  console.error(`[kindling] No Rust toolchain that targets wasm32 was found. Run one of:
  sudo apt-get install -y ${DEBIAN_PKGS.join(" ")}        # Debian 12: std built from source
  rustup target add wasm32-unknown-unknown                 # with rustup and network
then run: npm run build`);
  process.exit(1);
}

/**
 * Installs those of `pkgs` that are missing, when we may (root on Debian); otherwise, or when
 * apt fails, prints `advice(missing)` as a one-line notice. The build goes on either way.
 */
function provisionPackages(pkgs, advice) {
  const missing = pkgs.filter((p) => run("dpkg", ["-s", p]).status !== 0);
  if (missing.length === 0) return;
  if (canApt()) {
    try {
      aptInstall(missing);
      return;
    } catch (e) {
      console.warn(`[kindling] could not install ${missing.join(" ")}: ${e.message}`);
    }
  }
  console.warn(`[kindling] ${advice(missing)}`);
}

/**
 * System data the tests and the demo use (Debian's FashionMNIST), installed when we may;
 * elsewhere a one-line notice says how (datasets.FashionMNIST can also download it).
 */
export function provisionData() {
  const dir = "/usr/share/datasets/fashion-mnist";
  if (existsSync(dir)) return;
  provisionPackages(["dataset-fashion-mnist"], () => `FashionMNIST is not in ${dir}: \`sudo apt-get install dataset-fashion-mnist\` (or let datasets.FashionMNIST download it)`);
}

/**
 * System packages the tests use beside the build: Debian's chromium (browser and WebGPU tests,
 * driven by playwright-core), python3-torch (the PyTorch side of round trips) and python3-onnx
 * (checks exported ONNX files). Installed when we may; elsewhere the tests that need them say so.
 */
export const TEST_PKGS = ["chromium", "python3-torch", "python3-torchvision", "python3-onnx"];

export function provisionTestTools() {
  provisionPackages(TEST_PKGS, (missing) => `for the browser and PyTorch tests: sudo apt-get install -y ${missing.join(" ")}`);
}
