// `npm run bench -- infer-cnn`: TinyVGG inference, images/s at batch 1 and 32, for Kindling and
// for onnxruntime (web: wasm SIMD, 1 thread; node: native, 1 thread) running the ONNX file
// Kindling exports of the same model, all in one run.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { interleaved, printTable, runProbe, singleThreaded, writeResults } from "./_harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const batches = ["1", "32"];
const dir = mkdtempSync(path.join(os.tmpdir(), "kd-infer-"));
const model = path.join(dir, "tinyvgg.onnx");
try {
  const exported = runProbe(path.join(here, "probes/infer-cnn-kindling.mjs"), ["--export", model, "1"], { env: { KINDLING_WASM: "simd" } });
  if (exported.error) throw new Error(`export failed: ${exported.error}`);
  // single-threaded builds (KINDLING_THREADS=off), as onnxruntime's 1 thread
  const engines = singleThreaded([
    { name: "kindling (simd128)", script: "infer-cnn-kindling.mjs", env: { KINDLING_WASM: "simd" } },
    { name: "kindling (relaxed simd)", script: "infer-cnn-kindling.mjs", env: { KINDLING_WASM: "relaxed" }, flags: ["--experimental-wasm-relaxed-simd"] },
    { name: "onnxruntime-web (wasm simd, 1 thread)", script: "infer-cnn-ort.mjs", pre: ["web", model] },
    { name: "onnxruntime-node (native, 1 thread)", script: "infer-cnn-ort.mjs", pre: ["node", model] },
  ]);
  const reps = Number(process.env.BENCH_REPS ?? 3);
  const best = (a, b) => ({ ...a, imagesPerSec: Object.fromEntries(Object.keys(a.imagesPerSec).map((k) => [k, Math.max(a.imagesPerSec[k], b.imagesPerSec[k])])) });
  const results = interleaved(engines.map((e) => ({ ...e, path: path.join(here, "probes", e.script), args: [...(e.pre ?? []), ...batches] })), batches, reps, best);
  const web = results["onnxruntime-web (wasm simd, 1 thread)"].imagesPerSec;
  printTable(`TinyVGG inference (the same weights: Kindling's ONNX export), best of ${reps} interleaved runs: images/s (higher is better)`,
    ["engine", ...batches.flatMap((b) => [`batch ${b}`, `vs ort-web`])],
    engines.map((e) => {
      const r = results[e.name].imagesPerSec;
      return [e.name, ...batches.flatMap((b) => (r ? [r[b].toFixed(0), web ? (r[b] / web[b]).toFixed(2) + "x" : "-"] : ["error", "-"]))];
    }));
  for (const e of engines) if (results[e.name].error) console.log(`${e.name}: ${results[e.name].error}`);
  writeResults("infer-cnn", { unit: "images/s", reps, batches: batches.map(Number), results });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
