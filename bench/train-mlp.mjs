// `npm run bench -- train-mlp [steps]`: 784-256-10 ReLU MLP, SGD, batch 32, synthetic data,
// training samples/s for Kindling and @tensorflow/tfjs-backend-wasm (1 thread) in one run.
import { fileURLToPath } from "node:url";
import path from "node:path";
import { interleaved, printTable, writeResults } from "./_harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const steps = process.argv[2] ?? "500";
const batch = "32";
const engines = [
  { name: "kindling (simd128)", script: "train-mlp-kindling.mjs", env: { KINDLING_WASM: "simd" } },
  { name: "kindling (relaxed simd)", script: "train-mlp-kindling.mjs", env: { KINDLING_WASM: "relaxed" }, flags: ["--experimental-wasm-relaxed-simd"] },
  { name: "tfjs-backend-wasm (simd, 1 thread)", script: "train-mlp-tfjs.mjs" },
];
const reps = Number(process.env.BENCH_REPS ?? 2);
const best = (a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a);
const results = interleaved(engines.map((e) => ({ ...e, path: path.join(here, "probes", e.script), args: [e.steps ?? steps, batch] })), [steps, batch], reps, best);
const tf = results["tfjs-backend-wasm (simd, 1 thread)"].samplesPerSec;
printTable(`MLP 784-256-10 training, SGD, batch ${batch}, ${steps} steps, best of ${reps} interleaved runs: samples/s (1 thread)`, ["engine", "samples/s", "vs tfjs"],
  engines.map((e) => [e.name, results[e.name].samplesPerSec?.toFixed(0) ?? "error", tf && results[e.name].samplesPerSec ? (results[e.name].samplesPerSec / tf).toFixed(2) + "x" : "-"]));
for (const e of engines) if (results[e.name].error) console.log(`${e.name}: ${results[e.name].error}`);
writeResults("train-mlp", { unit: "samples/s", reps, steps: Number(steps), batch: Number(batch), results });
