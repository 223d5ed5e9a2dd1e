// `npm run bench -- op-overhead [case,...]`: the fixed cost of a small op through the public API,
// in µs per op (add of two [4] tensors, relu of [16], a 2x2 matmul, a tensor made from a JS
// array, a sum read back with item()), each with dispose() of every result and without (Kindling:
// the collector backstop; tf.js: tf.tidy per 1,000 ops; both yield to the event loop every
// 1,000 ops as a real loop does). Engines, interleaved in one run: Kindling's single-threaded
// simd128 build (KINDLING_THREADS=off), its threaded build at 2 threads (tiny ops stay on the
// calling thread: this is what the pool costs them), tfjs-backend-wasm (SIMD, 1 thread) and,
// where Debian's python3-torch is installed, PyTorch (1 thread). Goal (issue 12): under 2 µs.
// Case names may be shortened to a prefix: `npm run bench -- op-overhead add,relu`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { interleaved, printTable, writeResults } from "./_harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv[2] ?? "";
const engines = [
  { name: "kindling (simd128)", script: "op-overhead-kindling.mjs", env: { KINDLING_WASM: "simd", KINDLING_THREADS: "off" } },
  { name: "kindling (simd128-threads, 2)", script: "op-overhead-kindling.mjs", env: { KINDLING_WASM: "simd", KINDLING_THREADS: "2" } },
  { name: "tfjs-backend-wasm (simd, 1 thread)", script: "op-overhead-tfjs.mjs" },
];
if (existsSync("/usr/bin/python3")) engines.push({ name: "pytorch 1.13 cpu (1 thread)", script: "op-overhead-torch.py", cmd: "/usr/bin/python3" });
const reps = Number(process.env.BENCH_REPS ?? 2);
// per case and mode, the lower µs of two runs
const best = (a, b) => ({ ...a, us: Object.fromEntries(Object.entries(a.us).map(([k, v]) => [k, {
  dispose: Math.min(v.dispose, b.us?.[k]?.dispose ?? Infinity), noDispose: Math.min(v.noDispose, b.us?.[k]?.noDispose ?? Infinity) }])) });
const results = interleaved(engines.map((e) => ({ ...e, path: path.join(here, "probes", e.script) })), [only], reps, best);
const first = engines.find((e) => results[e.name].us);
const caseNames = first ? Object.keys(results[first.name].us) : [];
const tfName = "tfjs-backend-wasm (simd, 1 thread)";
const rows = caseNames.flatMap((c) => ["dispose", "noDispose"].map((mode) => {
  const cell = (e) => results[e.name].us?.[c]?.[mode];
  const kd = results["kindling (simd128)"].us?.[c]?.[mode], tf = results[tfName].us?.[c]?.[mode];
  return [c, mode === "dispose" ? "dispose" : "no dispose", ...engines.map((e) => cell(e)?.toFixed(2) ?? "error"), kd && tf ? (kd / tf).toFixed(2) + "x" : "-"];
}));
printTable(`Per-op overhead, µs per op, best of ${reps} interleaved runs (lower is better; goal < 2 µs)`, ["op", "results", ...engines.map((e) => e.name), "simd128 / tfjs"], rows);
console.log("no dispose: Kindling leaves results to its collector backstop, tf.js runs tf.tidy per 1,000 ops, PyTorch frees by refcount (same number)");
for (const e of engines) if (results[e.name].error) console.log(`${e.name}: ${results[e.name].error}`);
writeResults("op-overhead", { unit: "µs/op", reps, cases: caseNames, results });
