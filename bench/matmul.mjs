// `npm run bench -- matmul [sizes] [--before DIR] [--threads 1,2 [--wasm simd,relaxed]]`: f32
// square matmul GFLOP/s in one interleaved run.
// Without --threads: Kindling's single-threaded builds (simd128 and relaxed SIMD,
// KINDLING_THREADS=off) beside @tensorflow/tfjs-backend-wasm (SIMD, 1 thread).
// --threads 1,2: Kindling's threaded build (relaxed by default; --wasm simd,relaxed for both) at
// each count (KINDLING_THREADS=N) beside PyTorch CPU with torch.set_num_threads(N) (Debian's
// python3-torch; `npm run bench -- setup` puts OpenBLAS behind it) and tfjs-backend-wasm
// (1 thread); a second table gives each engine's speed-up over its first count (issue 12's goal:
// Kindling 2 threads >= 1.8x 1 thread at N >= 256) and Kindling vs PyTorch at equal threads.
// --before DIR: Kindling only, this build against the wasm builds in DIR, interleaved.
// --device webgpu: Kindling on the CPU beside Kindling on WebGPU (the adapter is printed).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { beforeOption, deviceOption, interleaved, kindlingThreaded, ompLine, printTable, singleThreaded, threadNotes, threadsOption, torchBlas, torchBlasLine, torchThreaded, writeResults } from "./_harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const TFJS = "tfjs-backend-wasm (simd, 1 thread)";
const opt = threadsOption(process.argv.slice(2));
const threads = opt.threads;
const torch = existsSync("/usr/bin/python3");
const all = threads
  ? [
    ...threads.flatMap((n) => [
      ...opt.wasm.map((v) => kindlingThreaded(v, n, "matmul-kindling.mjs")),
      ...(torch ? [torchThreaded(n, "matmul-torch.py")] : []),
    ]),
    { name: TFJS, script: "matmul-tfjs.mjs" },
  ]
  : singleThreaded([
    { name: "kindling (simd128)", script: "matmul-kindling.mjs", env: { KINDLING_WASM: "simd" } },
    { name: "kindling (relaxed simd)", script: "matmul-kindling.mjs", env: { KINDLING_WASM: "relaxed" }, flags: ["--experimental-wasm-relaxed-simd"] },
    { name: TFJS, script: "matmul-tfjs.mjs" },
  ]);
const dev = deviceOption(opt.args, all);
const { args, engines } = beforeOption(dev.args, dev.engines);
// a software adapter (SwiftShader) runs 4096^3 for minutes: pass larger sizes on a real GPU
const sizes = (args[0] ?? "128,256,512,1024").split(",");
const reps = Number(process.env.BENCH_REPS ?? 3);
const best = (a, b) => ({ ...a, gflops: Object.fromEntries(Object.keys(a.gflops).map((n) => [n, Math.max(a.gflops[n], b.gflops[n] ?? 0)])) });
// the Python probe takes its sizes as one argument and its thread count last
const probeArgs = (e) => (e.cmd ? [sizes.join(","), String(e.threads ?? 1)] : sizes);
const results = interleaved(engines.map((e) => ({ ...e, path: path.join(here, "probes", e.script), args: probeArgs(e) })), sizes, reps, best);
const gf = (name, n) => results[name]?.gflops?.[n];
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) + "x" : "-");
if (!threads) {
  const tf = results[TFJS]?.gflops ?? {};
  const rows = sizes.map((n) => [n, ...engines.map((e) => gf(e.name, n)?.toFixed(1) ?? "error"), tf[n] ? ratio(gf("kindling (simd128)", n), tf[n]) : "-"]);
  printTable(`f32 matmul, N x N x N, GFLOP/s, best of ${reps} interleaved runs (1 thread, higher is better)`, ["N", ...engines.map((e) => e.name), "simd128 vs tfjs"], rows);
} else {
  printTable(`f32 matmul, N x N x N, GFLOP/s, best of ${reps} interleaved runs (higher is better)`, ["engine", ...sizes.map((n) => `N=${n}`)],
    engines.map((e) => [e.name, ...sizes.map((n) => gf(e.name, n)?.toFixed(1) ?? "error")]));
  // speed-up over the first thread count, per engine family; Kindling vs PyTorch at equal counts
  const fams = [...opt.wasm.map((v) => (n) => kindlingThreaded(v, n).name), ...(torch ? [(n) => torchThreaded(n).name] : [])];
  const famName = (f) => f(threads[0]).replace(/, \d+ threads?\)$/, ")").replace(/ \(\d+ threads?\)$/, "");
  const cols = ["N"], rows = sizes.map((n) => [n]);
  for (const f of fams) for (const t of threads.slice(1)) {
    cols.push(`${famName(f)} ${t}/${threads[0]}`);
    sizes.forEach((n, i) => rows[i].push(ratio(gf(f(t), n), gf(f(threads[0]), n))));
  }
  if (torch) for (const v of opt.wasm) for (const t of threads) {
    cols.push(`${v} / pytorch @${t}`);
    sizes.forEach((n, i) => rows[i].push(ratio(gf(kindlingThreaded(v, t).name, n), gf(torchThreaded(t).name, n))));
  }
  printTable(`f32 matmul: speed-up over ${threads[0]} thread${threads[0] === 1 ? "" : "s"} (goal: Kindling 2/1 >= 1.8x at N >= 256) and Kindling / PyTorch at equal threads`, cols, rows);
  if (torch) console.log(torchBlasLine());
  if (torch && ompLine()) console.log(ompLine());
  for (const l of threadNotes(engines, results)) console.log(l);
}
for (const e of engines) if (results[e.name].error) console.log(`${e.name}: ${results[e.name].error}`);
if (results["kindling (webgpu)"]?.adapter) console.log(`webgpu adapter: ${results["kindling (webgpu)"].adapter}`);
writeResults("matmul", { unit: "GFLOP/s", reps, sizes: sizes.map(Number), threads, ...(torch ? { torchBlas: torchBlas(), ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? null } : {}), results });
