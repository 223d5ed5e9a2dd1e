// `npm run bench -- train-mlp [steps] [--threads 1,2 [--wasm simd,relaxed]]`: 784-256-10 ReLU
// MLP, SGD, batch 32, synthetic data, training samples/s in one interleaved run.
// Without --threads: Kindling's single-threaded builds (simd128, relaxed; KINDLING_THREADS=off),
// @tensorflow/tfjs-backend-wasm (1 thread) and, where Debian's python3-torch is installed,
// PyTorch CPU with 1 thread.
// --threads 1,2: Kindling's threaded build (relaxed by default; --wasm simd,relaxed for both) at
// each count (KINDLING_THREADS=N) beside PyTorch with torch.set_num_threads(N) and tfjs-wasm
// (1 thread); the table gives each engine's speed-up over its first count and Kindling vs
// PyTorch at equal threads (issue 12: report that ratio, goal >= 1).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { interleaved, kindlingThreaded, ompLine, printTable, singleThreaded, threadColumns, threadNotes, threadRows, threadsOption, torchBlas, torchBlasLine, torchThreaded, writeResults } from "./_harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const TFJS = "tfjs-backend-wasm (simd, 1 thread)";
const PT1 = "pytorch 1.13 cpu (1 thread)";
const opt = threadsOption(process.argv.slice(2));
const threads = opt.threads;
const steps = opt.args[0] ?? "500";
const batch = "32";
const torch = existsSync("/usr/bin/python3");
const tfjs = { name: TFJS, script: "train-mlp-tfjs.mjs" };
const engines = threads
  ? [
    ...threads.flatMap((n) => [
      ...opt.wasm.map((v) => kindlingThreaded(v, n, "train-mlp-kindling.mjs")),
      ...(torch ? [torchThreaded(n, "train-mlp-torch.py")] : []),
    ]),
    tfjs,
  ]
  : singleThreaded([
    { name: "kindling (simd128)", script: "train-mlp-kindling.mjs", env: { KINDLING_WASM: "simd" } },
    { name: "kindling (relaxed simd)", script: "train-mlp-kindling.mjs", env: { KINDLING_WASM: "relaxed" }, flags: ["--experimental-wasm-relaxed-simd"] },
    tfjs,
    ...(torch ? [{ name: PT1, script: "train-mlp-torch.py", cmd: "/usr/bin/python3" }] : []),
  ]);
const reps = Number(process.env.BENCH_REPS ?? 2);
const best = (a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a);
const probeArgs = (e) => [steps, batch, ...(e.cmd && e.threads ? [String(e.threads)] : [])];
const results = interleaved(engines.map((e) => ({ ...e, path: path.join(here, "probes", e.script), args: probeArgs(e) })), [steps, batch], reps, best);
if (!threads) {
  const tf = results[TFJS].samplesPerSec;
  const pt = results[PT1]?.samplesPerSec;
  printTable(`MLP 784-256-10 training, SGD, batch ${batch}, ${steps} steps, best of ${reps} interleaved runs: samples/s (1 thread)`, ["engine", "samples/s", "vs tfjs", "vs pytorch"],
    engines.map((e) => {
      const v = results[e.name].samplesPerSec;
      return [e.name, v?.toFixed(0) ?? "error", tf && v ? (v / tf).toFixed(2) + "x" : "-", pt && v ? (v / pt).toFixed(2) + "x" : "-"];
    }));
} else {
  printTable(`MLP 784-256-10 training, SGD, batch ${batch}, ${steps} steps, best of ${reps} interleaved runs: samples/s (higher is better; goal: Kindling / PyTorch >= 1 at equal threads)`,
    threadColumns(threads, "samples/s"), threadRows(engines, results, { threads, value: (r) => r.samplesPerSec, base: TFJS }));
  for (const l of threadNotes(engines, results)) console.log(l);
}
if (torch) console.log(torchBlasLine());
if (torch && threads && ompLine()) console.log(ompLine());
for (const e of engines) if (results[e.name].error) console.log(`${e.name}: ${results[e.name].error}`);
writeResults("train-mlp", { unit: "samples/s", reps, steps: Number(steps), batch: Number(batch), threads, ...(torch ? { torchBlas: torchBlas(), ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? null } : {}), results });
