// `npm install` / `npm run build`: the wasm engine (both SIMD variants), then the TS bundle.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { provisionData, provisionTestTools } from "./toolchain.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const step = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
step(process.execPath, [path.join(root, "scripts/build-wasm.mjs")]);
// The demo and the dataset tests read Debian's FashionMNIST; install it where we can.
provisionData();
// Chromium, PyTorch and ONNX for the browser and round-trip tests.
provisionTestTools();
step(process.execPath, [path.join(root, "node_modules/rollup/dist/bin/rollup"), "-c", "--silent"]);
