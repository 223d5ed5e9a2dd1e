// `npm run bench -- train-cnn [steps] [--before DIR]`: TinyVGG (the course's CNN) training
// samples/s on synthetic 28x28 batches of 32, for Kindling, @tensorflow/tfjs-backend-wasm
// (1 thread) and, where Debian's python3-torch is installed, PyTorch CPU with 1 thread, in one
// run. --before DIR: Kindling only, this build against the wasm builds in DIR, interleaved.
// --device webgpu: Kindling on the CPU beside Kindling on WebGPU; --batch N (default 32).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { beforeOption, deviceOption, interleaved, printTable, writeResults } from "./_harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const raw = process.argv.slice(2);
// --batch N (default 32, the course's)
const bi = raw.indexOf("--batch");
const batch = bi >= 0 ? raw[bi + 1] : "32";
const argv = bi >= 0 ? [...raw.slice(0, bi), ...raw.slice(bi + 2)] : raw;
const steps = deviceOption(beforeOption(argv, []).args, []).args[0] ?? "60";
const all = [
  { name: "kindling (simd128)", script: "train-cnn-kindling.mjs", env: { KINDLING_WASM: "simd" } },
  { name: "kindling (relaxed simd)", script: "train-cnn-kindling.mjs", env: { KINDLING_WASM: "relaxed" }, flags: ["--experimental-wasm-relaxed-simd"] },
  { name: "tfjs-backend-wasm (simd, 1 thread)", script: "train-cnn-tfjs.mjs", steps: String(Math.max(5, Math.round(Number(steps) / 6))) },
];
if (existsSync("/usr/bin/python3")) all.push({ name: "pytorch 1.13 cpu (1 thread)", script: "train-cnn-torch.py", cmd: "/usr/bin/python3" });
const dev = deviceOption(argv, all);
const { engines } = beforeOption(dev.args, dev.engines);
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
const gpu = results["kindling (webgpu)"];
if (gpu?.adapter) console.log(`webgpu adapter: ${gpu.adapter}; webgpu vs kindling (simd128): ${(gpu.samplesPerSec / results["kindling (simd128)"].samplesPerSec).toFixed(2)}x`);
writeResults("train-cnn", { unit: "samples/s", reps, steps: Number(steps), batch: Number(batch), results });
