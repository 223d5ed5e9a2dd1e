// `npm run bench -- train-cnn [steps] [--before DIR]`: TinyVGG (the course's CNN) training
// samples/s on synthetic 28x28 batches of 32, for Kindling, @tensorflow/tfjs-backend-wasm
// (1 thread) and, where Debian's python3-torch is installed, PyTorch CPU with 1 thread, in one
// run. --before DIR: Kindling only, this build against the wasm builds in DIR, interleaved.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { beforeOption, interleaved, printTable, writeResults } from "./_harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const steps = beforeOption(argv, []).args[0] ?? "60";
const batch = "32";
const all = [
  { name: "kindling (simd128)", script: "train-cnn-kindling.mjs", env: { KINDLING_WASM: "simd" } },
  { name: "kindling (relaxed simd)", script: "train-cnn-kindling.mjs", env: { KINDLING_WASM: "relaxed" }, flags: ["--experimental-wasm-relaxed-simd"] },
  { name: "tfjs-backend-wasm (simd, 1 thread)", script: "train-cnn-tfjs.mjs", steps: String(Math.max(5, Math.round(Number(steps) / 6))) },
];
if (existsSync("/usr/bin/python3")) all.push({ name: "pytorch 1.13 cpu (1 thread)", script: "train-cnn-torch.py", cmd: "/usr/bin/python3" });
const { engines } = beforeOption(argv, all);
const reps = Number(process.env.BENCH_REPS ?? 2);
const best = (a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a);
const results = interleaved(engines.map((e) => ({ ...e, path: path.join(here, "probes", e.script), args: [e.steps ?? steps, batch] })), [steps, batch], reps, best);
const tf = results["tfjs-backend-wasm (simd, 1 thread)"]?.samplesPerSec;
const pt = results["pytorch 1.13 cpu (1 thread)"]?.samplesPerSec;
printTable(`TinyVGG training, SGD, batch ${batch}, best of ${reps} interleaved runs: samples/s (1 thread, higher is better)`, ["engine", "samples/s", "vs tfjs", "vs pytorch"],
  engines.map((e) => {
    const v = results[e.name].samplesPerSec;
    return [e.name, v?.toFixed(0) ?? "error", tf && v ? (v / tf).toFixed(2) + "x" : "-", pt && v ? (v / pt).toFixed(2) + "x" : "-"];
  }));
const prof = results["kindling (simd128)"].profile;
if (prof) printTable("Kindling (simd128): where one training step goes", ["op", "phase", "ms/step", "share"], prof.map((r) => [r.op, r.phase, r.msPerStep.toFixed(2), (100 * r.share).toFixed(1) + "%"]));
for (const e of engines) if (results[e.name].error) console.log(`${e.name}: ${results[e.name].error}`);
writeResults("train-cnn", { unit: "samples/s", reps, steps: Number(steps), batch: Number(batch), results });
