// Shared bench plumbing: run a probe in a child process per engine (so each gets its own
// flags and wasm build), collect JSON from its stdout, print a table, write results JSON.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Runs `node [flags] script args`; the child prints one JSON line prefixed by "RESULT ". */
export function runProbe(script, args = [], { flags = [], env = {}, cmd = process.execPath } = {}) {
  const r = spawnSync(cmd, [...flags, script, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 1 << 26,
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (r.status !== 0 || !line) {
    return { error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split("\n").slice(-3).join(" | ") };
  }
  return JSON.parse(line.slice(7));
}

/**
 * The CPU a bench ran on, from /proc/cpuinfo's text where there is one: its model and the widest
 * SIMD its flags list. Native engines (PyTorch, onnxruntime-node) use that width; wasm is 128-bit
 * everywhere, so the ratios between them depend on it (AVX-512 favours the native side).
 */
export function cpuInfo(cpuinfo = readCpuinfo(), fallbackModel = os.cpus()[0]?.model ?? "unknown CPU") {
  const field = (name) => cpuinfo.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, "m"))?.[1]?.trim();
  const flags = new Set((field("flags") ?? field("Features") ?? "").split(/\s+/));
  const simd = flags.has("avx512f") ? { simdBits: 512, simd: "AVX-512" }
    : flags.has("avx2") ? { simdBits: 256, simd: "AVX2" }
    : flags.has("avx") ? { simdBits: 256, simd: "AVX" }
    : flags.has("sse2") ? { simdBits: 128, simd: "SSE2" }
    : flags.has("asimd") ? { simdBits: 128, simd: "NEON" }
    : { simdBits: null, simd: "unknown" };
  // A VM may name only the vendor line ("AMD EPYC"): family and model numbers tell generations apart.
  const family = field("cpu family"), model = field("model");
  const id = family && model ? ` (family ${family}, model ${model})` : "";
  // the 1-minute load average when the line is made: on a shared machine, how busy the cores were
  const load = os.loadavg()[0] > 0 ? Number(os.loadavg()[0].toFixed(2)) : undefined;
  return { model: (field("model name") ?? fallbackModel) + id, ...simd, cpus: os.cpus().length, node: process.version, ...(load !== undefined ? { load } : {}) };
}

function readCpuinfo() {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return ""; // not Linux: the model comes from os.cpus()
  }
}

/** One line naming the machine, printed under every table's title. */
export function machineLine(m = cpuInfo()) {
  const width = m.simdBits ? `${m.simd}, ${m.simdBits}-bit SIMD` : "SIMD width unknown";
  const load = m.load !== undefined ? `, load average ${m.load} (1 min, this bench included)` : "";
  return `machine: ${m.model} (${width}), ${m.cpus} cores, Node ${m.node}${load}`;
}

export function printTable(title, columns, rows) {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => String(r[i]).length)));
  const fmt = (cells) => "| " + cells.map((c, i) => String(c).padStart(widths[i])).join(" | ") + " |";
  console.log(`\n${title}`);
  console.log(machineLine());
  console.log(fmt(columns));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of rows) console.log(fmt(r));
}

export function writeResults(name, data) {
  const dir = path.join(process.cwd(), "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const payload = {
    bench: name,
    date: new Date().toISOString(),
    machine: cpuInfo(),
    ...data,
  };
  writeFileSync(file + ".tmp", JSON.stringify(payload, null, 2));
  renameSync(file + ".tmp", file); // never leave a half-written results file
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}

/** Best (minimum) seconds per call of fn over `reps` timed runs after warm-up. */
export function bestTime(fn, { minTime = 0.3, reps = 5 } = {}) {
  fn();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    let n = 0;
    const t0 = performance.now();
    let t;
    do {
      fn();
      n++;
      t = (performance.now() - t0) / 1000;
    } while (t < minTime / reps);
    best = Math.min(best, t / n);
  }
  return best;
}

/**
 * Runs every engine's probe `reps` times, interleaved (A B C A B C ...), and keeps each
 * engine's best result: this machine's speed drifts by 2x over minutes, and interleaving keeps
 * that drift from favouring whichever engine ran in a fast spell. `better(a, b)` merges two
 * results of one engine into the better one.
 */
export function interleaved(engines, args, reps, better) {
  const results = {};
  for (let r = 0; r < reps; r++) {
    for (const e of engines) {
      process.stderr.write(`run ${r + 1}/${reps}: ${e.name}...\n`);
      // an engine of another checkout (--before CHECKOUT) runs that checkout's probe and build
      const probe = e.tree ? path.join(e.tree, "bench", "probes", path.basename(e.path)) : e.path;
      const res = runProbe(probe, e.args ?? args, { flags: e.flags, env: e.env, cmd: e.cmd });
      const prev = results[e.name];
      results[e.name] = !prev || prev.error ? res : res.error ? prev : better(prev, res);
    }
  }
  return results;
}

/**
 * `--before DIR` in argv: compares this build with the wasm builds in DIR (e.g. copied from
 * main before a change), or with the checkout DIR (a git worktree of an older commit, built:
 * its own probes, library and wasm, for changes of the ABI). Returns the other arguments and the
 * engine list: with --before, only the Kindling engines, each twice (this build, then
 * " before"), so `interleaved` alternates them.
 */
export function beforeOption(argv, engines) {
  const i = argv.indexOf("--before");
  if (i < 0) return { args: argv, engines };
  const dir = argv[i + 1];
  if (!dir) throw new Error("--before needs a folder holding kindling.simd.wasm and kindling.relaxed.wasm (with --threads, the -threads builds), or a built checkout");
  const args = [...argv.slice(0, i), ...argv.slice(i + 2)];
  const mine = engines.filter((e) => e.name.startsWith("kindling"));
  const checkout = existsSync(path.join(dir, "bench", "probes"));
  if (checkout && !existsSync(path.join(dir, "dist", "index.js"))) throw new Error(`--before ${dir}: the checkout has no dist/index.js (build it: npm run build there)`);
  const before = (e) => ({ ...e, name: `${e.name} before`, ...(checkout ? { tree: path.resolve(dir) } : { env: { ...e.env, KINDLING_WASM_DIR: dir } }) });
  return { args, engines: mine.flatMap((e) => [e, before(e)]) };
}

/**
 * `--device webgpu` in argv: Kindling on the CPU (simd128, relaxed) beside Kindling on WebGPU,
 * in one run. Returns the other arguments and, with the flag, that engine list built from
 * `kindling` (the CPU engines of the bench).
 */
export function deviceOption(argv, engines) {
  const i = argv.indexOf("--device");
  if (i < 0) return { args: argv, engines, device: "cpu" };
  const device = argv[i + 1];
  if (device !== "webgpu") throw new Error(`--device takes "webgpu" (the CPU engines always run), got ${device}`);
  const args = [...argv.slice(0, i), ...argv.slice(i + 2)];
  const cpu = engines.filter((e) => e.name.startsWith("kindling"));
  if (!cpu.length) return { args, engines, device };
  const gpu = { ...cpu[0], name: "kindling (webgpu)", env: { ...cpu[0].env, KINDLING_DEVICE: "webgpu" } };
  return { args, engines: [...cpu, gpu], device };
}

/**
 * Removes `flag VALUE` (or `flag=VALUE`) from argv. Returns the other arguments and the value
 * (undefined when the flag is absent); a flag without a value throws.
 */
export function takeOption(argv, flag) {
  const i = argv.findIndex((a) => a === flag || a.startsWith(flag + "="));
  if (i < 0) return { args: argv, value: undefined };
  const inline = argv[i].startsWith(flag + "=");
  const value = inline ? argv[i].slice(flag.length + 1) : argv[i + 1];
  if (value === undefined || value === "" || (!inline && value.startsWith("--"))) throw new Error(`${flag} needs a value`);
  return { args: [...argv.slice(0, i), ...argv.slice(i + (inline ? 1 : 2))], value };
}

/**
 * `--threads 1,2` in argv: the thread counts to run Kindling's threaded build and PyTorch at
 * (KINDLING_THREADS=N, torch.set_num_threads(N)), in the order given, repeats dropped; null
 * without the flag. `--wasm simd,relaxed` picks the threaded builds (default relaxed).
 */
export function threadsOption(argv) {
  const t = takeOption(argv, "--threads");
  const w = takeOption(t.args, "--wasm");
  if (t.value === undefined) {
    if (w.value !== undefined) throw new Error("--wasm goes with --threads (without it the benches run both single-threaded builds)");
    return { args: argv, threads: null, wasm: [] };
  }
  const threads = [...new Set(t.value.split(",").map((s) => Number(s.trim())))];
  if (threads.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) throw new Error(`--threads takes thread counts from 1 to 64, e.g. --threads 1,2 (got "${t.value}")`);
  const wasm = [...new Set((w.value ?? "relaxed").split(",").map((s) => s.trim()))];
  for (const v of wasm) if (v !== "simd" && v !== "relaxed") throw new Error(`--wasm takes simd and/or relaxed, got "${v}"`);
  return { args: w.args, threads, wasm };
}

const plural = (n) => `${n} thread${n === 1 ? "" : "s"}`;

/** The name of Kindling's threaded build `wasm` (simd|relaxed) at n threads, and its engine. */
export function kindlingThreaded(wasm, n, script) {
  return {
    name: `kindling (${wasm === "simd" ? "simd128" : "relaxed"}-threads, ${plural(n)})`,
    family: `kindling (${wasm === "simd" ? "simd128" : "relaxed"}-threads)`,
    script,
    threads: n,
    wasm,
    env: { KINDLING_WASM: wasm, KINDLING_THREADS: String(n) },
    ...(wasm === "relaxed" ? { flags: ["--experimental-wasm-relaxed-simd"] } : {}),
  };
}

/** PyTorch (Debian's python3-torch) at n threads: the probe gets n as its last argument. */
export function torchThreaded(n, script) {
  return {
    name: `pytorch 1.13 cpu (${plural(n)})`,
    family: "pytorch 1.13 cpu",
    script,
    threads: n,
    cmd: "/usr/bin/python3",
    // torch.set_num_threads(n) in the probe; OpenMP and OpenBLAS read these before it runs
    env: { OMP_NUM_THREADS: String(n), OPENBLAS_NUM_THREADS: String(n) },
  };
}

/** Without --threads: the Kindling engines run the single-threaded builds, as before threads. */
export function singleThreaded(engines) {
  return engines.map((e) => (e.name.startsWith("kindling") ? { ...e, env: { KINDLING_THREADS: "off", ...e.env } } : e));
}

/**
 * Where /usr/bin/python3 with torch is installed, the BLAS its libblas.so.3 resolves to
 * (Debian's alternatives: the reference BLAS, or OpenBLAS once libopenblas0-openmp/-pthread is
 * installed). PyTorch's matmul and nn.Linear run on it, so a reference BLAS makes PyTorch
 * look slow; `npm run bench -- setup` installs OpenBLAS.
 */
export function torchBlas(realpath = blasRealpath()) {
  if (!realpath) return { blas: "unknown", openblas: false };
  const openblas = /openblas/.test(realpath);
  const flavour = realpath.match(/openblas-(openmp|pthread|serial)/)?.[1];
  return { blas: openblas ? `OpenBLAS${flavour ? ` (${flavour})` : ""}` : /\/blas\//.test(realpath) ? "reference BLAS (libblas3)" : realpath, openblas, path: realpath };
}

function blasRealpath() {
  for (const p of ["/usr/lib/x86_64-linux-gnu/libblas.so.3", "/usr/lib/aarch64-linux-gnu/libblas.so.3"]) {
    try {
      return realpathSync(p);
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** The line printed under a table with PyTorch rows: the BLAS, and the fix when it is the reference one. */
export function torchBlasLine(b = torchBlas()) {
  return b.openblas ? `pytorch BLAS: ${b.blas}` : `pytorch BLAS: ${b.blas}; PyTorch's matmul/Linear are slow on it: run \`npm run bench -- setup\` (apt-get install libopenblas0-openmp)`;
}

/**
 * The table of a --threads run of a bench with one number per engine (`value(result)`, higher is
 * better): per engine the number, its speed-up over the same engine at the first thread count,
 * Kindling over PyTorch at the same count, and over `base` (tfjs-wasm, 1 thread) when given.
 */
export function threadRows(engines, results, { threads, value, base, digits = 0 }) {
  const v = (e) => (e && !results[e.name]?.error ? value(results[e.name]) : undefined);
  const ratio = (a, b) => (a && b ? (a / b).toFixed(2) + "x" : "-");
  const find = (family, n) => engines.find((e) => e.family === family && e.threads === n);
  const baseV = base ? v(engines.find((e) => e.name === base)) : undefined;
  return engines.map((e) => [
    e.name,
    v(e)?.toFixed(digits) ?? "error",
    e.family && e.threads !== threads[0] ? ratio(v(e), v(find(e.family, threads[0]))) : "-",
    e.family?.startsWith("kindling") ? ratio(v(e), v(find("pytorch 1.13 cpu", e.threads))) : "-",
    baseV ? ratio(v(e), baseV) : "-",
  ]);
}

/** The columns of threadRows' table. */
export const threadColumns = (threads, unit, base = "tfjs") => ["engine", unit, `vs ${threads[0]} thread${threads[0] === 1 ? "" : "s"}`, "vs pytorch, same threads", `vs ${base}`];

/** Lines for the engines of a --threads run that did not run on the threads asked for (a pool worker failed to start). */
export function threadNotes(engines, results) {
  return engines.filter((e) => e.threads !== undefined && results[e.name]?.threads !== undefined && results[e.name].threads !== e.threads)
    .map((e) => `note: ${e.name} ran on ${results[e.name].threads} thread(s)`);
}

/**
 * Under a --threads table with PyTorch rows: PyTorch's OpenMP threads spin at their barriers, so
 * with a core taken by another process its 2-thread numbers collapse (measured on the 2 shared
 * cores here: 1.9 GFLOP/s at N=256 against 31 with 1 thread; 38 with OMP_WAIT_POLICY=PASSIVE).
 * Says which wait policy ran and, on busy cores under the default, how to rerun.
 */
export function ompLine(policy = process.env.OMP_WAIT_POLICY, load = os.loadavg()[0], cpus = os.cpus().length) {
  if (policy) return `pytorch OMP_WAIT_POLICY=${policy}`;
  if (load <= cpus) return undefined;
  return `the cores are busy (load ${load.toFixed(1)} on ${cpus}): PyTorch's OpenMP threads spin-wait and its multi-thread rows collapse when a core is taken; OMP_WAIT_POLICY=PASSIVE npm run bench -- ... gives it fairer numbers on a shared machine`;
}
