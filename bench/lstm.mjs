// `npm run bench -- lstm [steps]`: nn.LSTM (seq 50, batch 32, input 32, hidden 128) training
// steps (forward, mean-square loss, backward, SGD step) as samples/s, for Kindling and, where
// Debian's python3-torch is installed, PyTorch CPU with 1 thread, interleaved in one run.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { interleaved, printTable, singleThreaded, writeResults } from "./_harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const steps = process.argv[2] ?? "20";
const shape = { seq: 50, batch: 32, input: 32, hidden: 128 };
const args = [steps, String(shape.seq), String(shape.batch), String(shape.input), String(shape.hidden)];
// single-threaded builds (KINDLING_THREADS=off), as PyTorch's 1 thread
const engines = singleThreaded([
  { name: "kindling (simd128)", script: "lstm-kindling.mjs", env: { KINDLING_WASM: "simd" } },
  { name: "kindling (relaxed simd)", script: "lstm-kindling.mjs", env: { KINDLING_WASM: "relaxed" }, flags: ["--experimental-wasm-relaxed-simd"] },
]);
if (existsSync("/usr/bin/python3")) engines.push({ name: "pytorch 1.13 cpu (1 thread)", script: "lstm-torch.py", cmd: "/usr/bin/python3" });
const reps = Number(process.env.BENCH_REPS ?? 2);
const best = (a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a);
const results = interleaved(engines.map((e) => ({ ...e, path: path.join(here, "probes", e.script), args })), args, reps, best);
const pt = results["pytorch 1.13 cpu (1 thread)"]?.samplesPerSec;
printTable(`LSTM seq ${shape.seq}, batch ${shape.batch}, input ${shape.input}, hidden ${shape.hidden}: forward + backward + SGD step, best of ${reps} interleaved runs: samples/s (1 thread, higher is better)`,
  ["engine", "samples/s", "ms/step", "vs pytorch"],
  engines.map((e) => {
    const v = results[e.name].samplesPerSec;
    return [e.name, v?.toFixed(0) ?? "error", v ? ((1000 * shape.batch) / v).toFixed(1) : "-", pt && v ? (v / pt).toFixed(2) + "x" : "-"];
  }));
const prof = results["kindling (simd128)"].profile;
if (prof) printTable("Kindling (simd128): where one training step goes", ["op", "phase", "ms/step", "share"], prof.map((r) => [r.op, r.phase, r.msPerStep.toFixed(2), (100 * r.share).toFixed(1) + "%"]));
for (const e of engines) if (results[e.name].error) console.log(`${e.name}: ${results[e.name].error}`);
writeResults("lstm", { unit: "samples/s", reps, steps: Number(steps), ...shape, results });
