// Standalone single-thread timing of kd_matmul straight on the .wasm (no TS library).
// The module is instantiated directly (its only imports, if any, are stubbed).
// Usage: node bench/gemm-probe.mjs [simd|relaxed|path/to/module.wasm] [N ...]
//   relaxed needs: node --experimental-wasm-relaxed-simd bench/gemm-probe.mjs relaxed
// Prints GFLOP/s = 2N^3 / time, best of several repetitions (the machine is noisy).
// Env: SAMPLES=n timing samples per size (default 7); CHECK=1 also compares one product per N against a JS f64 reference.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const variant = process.argv[2] ?? "simd";
const sizes = process.argv.slice(3).map(Number);
const Ns = sizes.length ? sizes : [128, 256, 512, 1024];
const SAMPLES = Number(process.env.SAMPLES ?? 7);

const file = variant.endsWith(".wasm") ? variant : path.join(root, "dist", `kindling.${variant}.wasm`);
const bytes = readFileSync(file);
// Newer builds import a clock (env.kd_now, for the profiler); give every function import a stub.
const module = await WebAssembly.compile(bytes);
const imports = {};
for (const imp of WebAssembly.Module.imports(module)) {
  if (imp.kind !== "function") continue;
  (imports[imp.module] ??= {})[imp.name] = imp.name === "kd_now" ? () => performance.now() : () => 0;
}
const instance = await WebAssembly.instantiate(module, imports);
const x = instance.exports;

function randn(dims) {
  const p = x.kd_scratch() >>> 2;
  const s = new Int32Array(x.memory.buffer);
  dims.forEach((d, i) => { s[p + i] = d; });
  const h = x.kd_randn(dims.length);
  if (!h) throw new Error("kd_randn failed");
  return h;
}

function data(h, len) {
  return new Float32Array(x.memory.buffer, x.kd_data_ptr(h), len).slice();
}

function check(N) {
  const a = randn([N, N]), b = randn([N, N]);
  const c = x.kd_matmul(a, b);
  const A = data(a, N * N), B = data(b, N * N), C = data(c, N * N);
  let worst = 0;
  for (let t = 0; t < 200; t++) {
    const i = (Math.random() * N) | 0, j = (Math.random() * N) | 0;
    let s = 0;
    for (let p = 0; p < N; p++) s += A[i * N + p] * B[p * N + j];
    worst = Math.max(worst, Math.abs(s - C[i * N + j]) / Math.sqrt(N));
  }
  [a, b, c].forEach((h) => x.kd_release(h));
  return worst;
}

const rows = [];
for (const N of Ns) {
  const a = randn([N, N]), b = randn([N, N]);
  const flop = 2 * N ** 3;
  // Repeat each timing sample until it lasts ~50 ms; warm up first so TurboFan code runs.
  const reps = Math.max(1, Math.round(5e7 / flop * 20));
  for (let w = 0; w < 3; w++) x.kd_release(x.kd_matmul(a, b));
  // Best wall time and best CPU time (user+system of this process) per product: on a busy
  // machine the CPU time is the steadier of the two, since it leaves out time descheduled.
  let best = Infinity, bestCpu = Infinity;
  for (let s = 0; s < SAMPLES; s++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) x.kd_release(x.kd_matmul(a, b));
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    best = Math.min(best, (t1 - t0) / reps);
    bestCpu = Math.min(bestCpu, (c1.user + c1.system) / 1000 / reps);
  }
  x.kd_release(a); x.kd_release(b);
  const gf = flop / (best * 1e6);
  const gfCpu = flop / (bestCpu * 1e6);
  const row = { N, ms: +best.toFixed(3), gflops: +gf.toFixed(1), gflopsCpu: +gfCpu.toFixed(1) };
  if (process.env.CHECK) row.maxErr = check(N);
  rows.push(row);
  console.log(`${variant} N=${N}: ${best.toFixed(3)} ms  ${gf.toFixed(1)} GFLOP/s (cpu-time ${gfCpu.toFixed(1)})${row.maxErr !== undefined ? `  err/sqrtN ${row.maxErr.toExponential(2)}` : ""}`);
}
if (x.kd_live_tensors() !== 0) console.log(`warning: ${x.kd_live_tensors()} live tensors left`);
