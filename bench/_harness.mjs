// Shared bench plumbing: run a probe in a child process per engine (so each gets its own
// flags and wasm build), collect JSON from its stdout, print a table, write results JSON.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
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
  return { model: (field("model name") ?? fallbackModel) + id, ...simd, cpus: os.cpus().length, node: process.version };
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
  return `machine: ${m.model} (${width}), ${m.cpus} cores, Node ${m.node}`;
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
      const res = runProbe(e.path, e.args ?? args, { flags: e.flags, env: e.env, cmd: e.cmd });
      const prev = results[e.name];
      results[e.name] = !prev || prev.error ? res : res.error ? prev : better(prev, res);
    }
  }
  return results;
}

/**
 * `--before DIR` in argv: compares this build with the wasm builds in DIR (e.g. copied from
 * main before a change). Returns the other arguments and the engine list: with --before, only
 * the Kindling engines, each twice (this build, then " before" with KINDLING_WASM_DIR=DIR), so
 * `interleaved` alternates them.
 */
export function beforeOption(argv, engines) {
  const i = argv.indexOf("--before");
  if (i < 0) return { args: argv, engines };
  const dir = argv[i + 1];
  if (!dir) throw new Error("--before needs a folder holding kindling.simd.wasm and kindling.relaxed.wasm");
  const args = [...argv.slice(0, i), ...argv.slice(i + 2)];
  const mine = engines.filter((e) => e.name.startsWith("kindling"));
  return { args, engines: mine.flatMap((e) => [e, { ...e, name: `${e.name} before`, env: { ...e.env, KINDLING_WASM_DIR: dir } }]) };
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
