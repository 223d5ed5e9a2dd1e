// Loads @tensorflow/tfjs-backend-wasm (SIMD, 1 thread) in Node: its loader fetches the .wasm,
// which Node's fetch cannot read from disk, so local paths are served from the file system.
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const netFetch = globalThis.fetch;
globalThis.fetch = async (url, init) =>
  typeof url === "string" && url.startsWith("/") ? new Response(await readFile(url), { headers: { "content-type": "application/wasm" } }) : netFetch(url, init);

const require = createRequire(import.meta.url);
const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm"));
setWasmPaths(dist + path.sep, true);
setThreadsCount(1);
await tf.setBackend("wasm");
await tf.ready();
export { tf };
