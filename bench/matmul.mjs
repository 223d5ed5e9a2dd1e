// `npm run bench -- matmul`: f32 square matmul GFLOP/s, Kindling (simd128 and relaxed SIMD)
// beside @tensorflow/tfjs-backend-wasm (SIMD, 1 thread), all single-threaded, in one run.
import { fileURLToPath } from "node:url";
import path from "node:path";
import { printTable, runProbe, writeResults } from "./_harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const sizes = (process.argv[2] ?? "128,256,512,1024").split(",");
const engines = [
  { name: "kindling (simd128)", script: "matmul-kindling.mjs", env: { KINDLING_WASM: "simd" } },
  { name: "kindling (relaxed simd)", script: "matmul-kindling.mjs", env: { KINDLING_WASM: "relaxed" }, flags: ["--experimental-wasm-relaxed-simd"] },
  { name: "tfjs-backend-wasm (simd, 1 thread)", script: "matmul-tfjs.mjs" },
];
const results = {};
for (const e of engines) {
  process.stderr.write(`running ${e.name}...\n`);
  results[e.name] = runProbe(path.join(here, "probes", e.script), sizes, { flags: e.flags, env: e.env });
}
const tf = results["tfjs-backend-wasm (simd, 1 thread)"].gflops ?? {};
const rows = sizes.map((n) => [
  n,
  ...engines.map((e) => results[e.name].gflops?.[n]?.toFixed(1) ?? "error"),
  tf[n] ? (results["kindling (simd128)"].gflops?.[n] / tf[n]).toFixed(2) + "x" : "-",
]);
printTable("f32 matmul, N x N x N, GFLOP/s (1 thread, higher is better)", ["N", ...engines.map((e) => e.name), "simd128 vs tfjs"], rows);
for (const e of engines) if (results[e.name].error) console.log(`${e.name}: ${results[e.name].error}`);
writeResults("matmul", { unit: "GFLOP/s", sizes: sizes.map(Number), results });
