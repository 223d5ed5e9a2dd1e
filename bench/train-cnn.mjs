// `npm run bench -- train-cnn [steps] [--batch N] [--before DIR] [--threads 1,2 [--wasm simd,relaxed]]`:
// TinyVGG (the course's CNN) training samples/s on synthetic 28x28 batches (default 32), in one
// interleaved run.
// Without --threads: Kindling's single-threaded builds (simd128, relaxed; KINDLING_THREADS=off),
// @tensorflow/tfjs-backend-wasm (1 thread) and, where Debian's python3-torch is installed,
// PyTorch CPU with 1 thread.
// --threads 1,2: Kindling's threaded build (relaxed by default; --wasm simd,relaxed for both) at
// each count (KINDLING_THREADS=N) beside PyTorch with torch.set_num_threads(N) and tfjs-wasm
// (1 thread); the table gives each engine's speed-up over its first count and Kindling vs PyTorch
// at equal threads (issue 12's goal: TinyVGG with 2 threads >= PyTorch with 2 threads).
// --before DIR: Kindling only, this build against the wasm builds in DIR, interleaved.
// --device webgpu: Kindling on the CPU beside Kindling on WebGPU.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { beforeOption, deviceOption, interleaved, kindlingThreaded, ompLine, printTable, singleThreaded, takeOption, threadColumns, threadNotes, threadRows, threadsOption, torchBlas, torchBlasLine, torchThreaded, writeResults } from "./_harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const TFJS = "tfjs-backend-wasm (simd, 1 thread)";
const PT1 = "pytorch 1.13 cpu (1 thread)";
const b = takeOption(process.argv.slice(2), "--batch");
const batch = b.value ?? "32"; // the course's
const opt = threadsOption(b.args);
const threads = opt.threads;
const steps = deviceOption(beforeOption(opt.args, []).args, []).args[0] ?? "60";
const torch = existsSync("/usr/bin/python3");
const tfjs = { name: TFJS, script: "train-cnn-tfjs.mjs", steps: String(Math.max(5, Math.round(Number(steps) / 6))) };
const all = threads
  ? [
    ...threads.flatMap((n) => [
      ...opt.wasm.map((v) => kindlingThreaded(v, n, "train-cnn-kindling.mjs")),
      ...(torch ? [torchThreaded(n, "train-cnn-torch.py")] : []),
    ]),
    tfjs,
  ]
  : singleThreaded([
    { name: "kindling (simd128)", script: "train-cnn-kindling.mjs", env: { KINDLING_WASM: "simd" } },
    { name: "kindling (relaxed simd)", script: "train-cnn-kindling.mjs", env: { KINDLING_WASM: "relaxed" }, flags: ["--experimental-wasm-relaxed-simd"] },
    tfjs,
    ...(torch ? [{ name: PT1, script: "train-cnn-torch.py", cmd: "/usr/bin/python3" }] : []),
  ]);
const dev = deviceOption(opt.args, all);
const { engines } = beforeOption(dev.args, dev.engines);
const reps = Number(process.env.BENCH_REPS ?? 2);
const best = (a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a);
const probeArgs = (e) => [e.steps ?? steps, batch, ...(e.cmd && e.threads ? [String(e.threads)] : [])];
const results = interleaved(engines.map((e) => ({ ...e, path: path.join(here, "probes", e.script), args: probeArgs(e) })), [steps, batch], reps, best);
let profiled = "kindling (simd128)";
if (!threads) {
  const tf = results[TFJS]?.samplesPerSec;
  const pt = results[PT1]?.samplesPerSec;
  printTable(`TinyVGG training, SGD, batch ${batch}, best of ${reps} interleaved runs: samples/s (1 thread, higher is better)`, ["engine", "samples/s", "vs tfjs", "vs pytorch"],
    engines.map((e) => {
      const v = results[e.name].samplesPerSec;
      return [e.name, v?.toFixed(0) ?? "error", tf && v ? (v / tf).toFixed(2) + "x" : "-", pt && v ? (v / pt).toFixed(2) + "x" : "-"];
    }));
} else {
  printTable(`TinyVGG training, SGD, batch ${batch}, ${steps} steps, best of ${reps} interleaved runs: samples/s (higher is better; goal: Kindling 2 threads >= PyTorch 2 threads)`,
    threadColumns(threads, "samples/s"), threadRows(engines, results, { threads, value: (r) => r.samplesPerSec, base: TFJS }));
  for (const l of threadNotes(engines, results)) console.log(l);
  if (torch) console.log(torchBlasLine());
  if (torch && ompLine()) console.log(ompLine());
  profiled = kindlingThreaded(opt.wasm[opt.wasm.length - 1], threads[threads.length - 1]).name;
}
const prof = results[profiled]?.profile;
if (prof) printTable(`${profiled}: where one training step goes`, ["op", "phase", "ms/step", "share"], prof.map((r) => [r.op, r.phase, r.msPerStep.toFixed(2), (100 * r.share).toFixed(1) + "%"]));
for (const e of engines) if (results[e.name].error) console.log(`${e.name}: ${results[e.name].error}`);
const gpu = results["kindling (webgpu)"];
if (gpu?.adapter) console.log(`webgpu adapter: ${gpu.adapter}; webgpu vs kindling (simd128): ${(gpu.samplesPerSec / results["kindling (simd128)"].samplesPerSec).toFixed(2)}x`);
writeResults("train-cnn", { unit: "samples/s", reps, steps: Number(steps), batch: Number(batch), threads, ...(torch ? { torchBlas: torchBlas(), ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? null } : {}), results });
