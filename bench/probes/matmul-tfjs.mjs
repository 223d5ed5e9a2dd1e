// Times @tensorflow/tfjs-backend-wasm (SIMD, 1 thread) matMul; prints RESULT {gflops}.
import * as tf from "@tensorflow/tfjs-core";
import { setWasmPaths, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import path from "node:path";
import { bestTime } from "../_harness.mjs";

import { readFile } from "node:fs/promises";

// tfjs-backend-wasm fetches its .wasm; Node's fetch cannot read files, so serve local paths.
const netFetch = globalThis.fetch;
globalThis.fetch = async (url, init) =>
  typeof url === "string" && url.startsWith("/") ? new Response(await readFile(url), { headers: { "content-type": "application/wasm" } }) : netFetch(url, init);

const require = createRequire(import.meta.url);
const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm"));
setWasmPaths(dist + path.sep, true);
setThreadsCount(1);
await tf.setBackend("wasm");
await tf.ready();

const sizes = process.argv.slice(2).map(Number);
const out = {};
for (const n of sizes) {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const sec = bestTime(() => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); }, { minTime: n >= 1024 ? 2 : 0.6 });
  out[n] = (2 * n ** 3) / sec / 1e9;
}
console.log("RESULT " + JSON.stringify({ backend: tf.getBackend(), gflops: out }));
