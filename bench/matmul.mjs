// `npm run bench -- matmul [sizes] [--before DIR]`: f32 square matmul GFLOP/s, Kindling (simd128
// and relaxed SIMD) beside @tensorflow/tfjs-backend-wasm (SIMD, 1 thread), all single-threaded,
// in one run. --before DIR: Kindling only, this build against the wasm builds in DIR, interleaved.
// --device webgpu: Kindling on the CPU beside Kindling on WebGPU (the adapter is printed).
import { fileURLToPath } from "node:url";
import path from "node:path";
import { beforeOption, deviceOption, interleaved, printTable, writeResults } from "./_harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const all = [
  { name: "kindling (simd128)", script: "matmul-kindling.mjs", env: { KINDLING_WASM: "simd" } },
  { name: "kindling (relaxed simd)", script: "matmul-kindling.mjs", env: { KINDLING_WASM: "relaxed" }, flags: ["--experimental-wasm-relaxed-simd"] },
  { name: "tfjs-backend-wasm (simd, 1 thread)", script: "matmul-tfjs.mjs" },
];
const dev = deviceOption(process.argv.slice(2), all);
const { args, engines } = beforeOption(dev.args, dev.engines);
// a software adapter (SwiftShader) runs 4096^3 for minutes: pass larger sizes on a real GPU
const sizes = (args[0] ?? "128,256,512,1024").split(",");
const reps = Number(process.env.BENCH_REPS ?? 3);
const best = (a, b) => ({ ...a, gflops: Object.fromEntries(Object.keys(a.gflops).map((n) => [n, Math.max(a.gflops[n], b.gflops[n] ?? 0)])) });
const results = interleaved(engines.map((e) => ({ ...e, path: path.join(here, "probes", e.script) })), sizes, reps, best);
const tf = results["tfjs-backend-wasm (simd, 1 thread)"]?.gflops ?? {};
const rows = sizes.map((n) => [
  n,
  ...engines.map((e) => results[e.name].gflops?.[n]?.toFixed(1) ?? "error"),
  tf[n] ? (results["kindling (simd128)"].gflops?.[n] / tf[n]).toFixed(2) + "x" : "-",
]);
printTable(`f32 matmul, N x N x N, GFLOP/s, best of ${reps} interleaved runs (1 thread, higher is better)`, ["N", ...engines.map((e) => e.name), "simd128 vs tfjs"], rows);
for (const e of engines) if (results[e.name].error) console.log(`${e.name}: ${results[e.name].error}`);
if (results["kindling (webgpu)"]?.adapter) console.log(`webgpu adapter: ${results["kindling (webgpu)"].adapter}`);
writeResults("matmul", { unit: "GFLOP/s", reps, sizes: sizes.map(Number), results });
