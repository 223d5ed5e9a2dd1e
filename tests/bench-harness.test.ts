// Every bench table names the CPU it ran on and its SIMD width (native engines use AVX-512 or
// AVX2, wasm is 128-bit everywhere, so ratios differ between machines).
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
// @ts-expect-error plain JS module without types
import { beforeOption, cpuInfo, kindlingThreaded, machineLine, ompLine, singleThreaded, takeOption, threadColumns, threadNotes, threadRows, threadsOption, torchBlas, torchBlasLine, torchThreaded } from "../bench/_harness.mjs";

const zen4 = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\nmodel name\t: AMD EPYC 9R14\nflags\t\t: fpu sse2 avx avx2 avx512f avx512bw\n";
const zen3 = "processor\t: 0\ncpu family\t: 25\nmodel\t\t: 1\nmodel name\t: AMD EPYC 7R13 Processor\nflags\t\t: fpu sse2 avx avx2 fma\n";
const arm = "processor\t: 0\nFeatures\t: fp asimd evtstrm aes\nCPU implementer\t: 0x41\n";

describe("bench machine line", () => {
  it("reads the model and the widest SIMD from /proc/cpuinfo text", () => {
    expect(cpuInfo(zen4)).toMatchObject({ model: "AMD EPYC 9R14 (family 25, model 17)", simd: "AVX-512", simdBits: 512 });
    expect(cpuInfo(zen3)).toMatchObject({ model: "AMD EPYC 7R13 Processor (family 25, model 1)", simd: "AVX2", simdBits: 256 });
    expect(cpuInfo(arm, "Neoverse")).toMatchObject({ model: "Neoverse", simd: "NEON", simdBits: 128 });
    expect(machineLine(cpuInfo(zen4))).toMatch(/^machine: AMD EPYC 9R14 \(family 25, model 17\) \(AVX-512, 512-bit SIMD\), \d+ cores, Node v\d+/);
  });

  it("printTable prints it under the title", () => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e",
      `import { printTable } from "./bench/_harness.mjs"; printTable("T", ["a"], [[1]]);`], { encoding: "utf8" });
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("T");
    expect(lines[1]).toMatch(/^machine: .+ \((AVX-512|AVX2|AVX|SSE2|NEON), \d+-bit SIMD|SIMD width unknown\)/);
    expect(lines[2]).toBe("| a |");
  });
});

describe("bench options", () => {
  it("takeOption removes a flag and its value, in either spelling", () => {
    expect(takeOption(["512", "--batch", "64", "x"], "--batch")).toEqual({ args: ["512", "x"], value: "64" });
    expect(takeOption(["--batch=64"], "--batch")).toEqual({ args: [], value: "64" });
    expect(takeOption(["512"], "--batch")).toEqual({ args: ["512"], value: undefined });
    expect(() => takeOption(["--batch"], "--batch")).toThrow(/needs a value/);
    expect(() => takeOption(["--batch", "--threads", "2"], "--batch")).toThrow(/needs a value/);
  });

  it("threadsOption parses --threads and --wasm", () => {
    expect(threadsOption(["256,512"])).toEqual({ args: ["256,512"], threads: null, wasm: [] });
    expect(threadsOption(["256,512", "--threads", "1,2"])).toEqual({ args: ["256,512"], threads: [1, 2], wasm: ["relaxed"] });
    expect(threadsOption(["--threads=2,1,2", "--wasm", "simd,relaxed", "60"])).toEqual({ args: ["60"], threads: [2, 1], wasm: ["simd", "relaxed"] });
    expect(() => threadsOption(["--threads", "0,2"])).toThrow(/thread counts/);
    expect(() => threadsOption(["--threads", "two"])).toThrow(/thread counts/);
    expect(() => threadsOption(["--threads", "1", "--wasm", "avx"])).toThrow(/simd and\/or relaxed/);
    expect(() => threadsOption(["--wasm", "simd"])).toThrow(/goes with --threads/);
    expect(() => threadsOption(["--threads"])).toThrow(/needs a value/);
  });

  it("names the engines and their environment", () => {
    expect(kindlingThreaded("relaxed", 2, "p.mjs")).toMatchObject({
      name: "kindling (relaxed-threads, 2 threads)", family: "kindling (relaxed-threads)", threads: 2,
      env: { KINDLING_WASM: "relaxed", KINDLING_THREADS: "2" }, flags: ["--experimental-wasm-relaxed-simd"],
    });
    expect(kindlingThreaded("simd", 1, "p.mjs")).toMatchObject({ name: "kindling (simd128-threads, 1 thread)", env: { KINDLING_THREADS: "1" } });
    expect(kindlingThreaded("simd", 1, "p.mjs").flags).toBeUndefined();
    expect(torchThreaded(2, "p.py")).toMatchObject({ name: "pytorch 1.13 cpu (2 threads)", family: "pytorch 1.13 cpu", cmd: "/usr/bin/python3", env: { OMP_NUM_THREADS: "2" } });
    // without --threads, Kindling runs the single-threaded builds; others are left alone
    const pinned = singleThreaded([{ name: "kindling (simd128)", env: { KINDLING_WASM: "simd" } }, { name: "tfjs" }]);
    expect(pinned[0].env).toEqual({ KINDLING_THREADS: "off", KINDLING_WASM: "simd" });
    expect(pinned[1].env).toBeUndefined();
  });

  it("beforeOption keeps the thread pinning and adds the other build's folder", () => {
    const { engines } = beforeOption(["--before", "/tmp/old"], [kindlingThreaded("relaxed", 2, "p.mjs"), torchThreaded(2, "p.py")]);
    expect(engines.map((e: { name: string }) => e.name)).toEqual(["kindling (relaxed-threads, 2 threads)", "kindling (relaxed-threads, 2 threads) before"]);
    expect(engines[1].env).toEqual({ KINDLING_WASM: "relaxed", KINDLING_THREADS: "2", KINDLING_WASM_DIR: "/tmp/old" });
  });

  it("beforeOption with a built checkout runs that checkout's probes; an unbuilt one is a clear error", () => {
    const tree = mkdtempSync(path.join(os.tmpdir(), "kd-before-"));
    try {
      mkdirSync(path.join(tree, "bench", "probes"), { recursive: true });
      expect(() => beforeOption(["--before", tree], [kindlingThreaded("relaxed", 1, "p.mjs")])).toThrow(/no dist\/index.js/);
      mkdirSync(path.join(tree, "dist"));
      writeFileSync(path.join(tree, "dist", "index.js"), "");
      const { engines } = beforeOption(["--before", tree], [kindlingThreaded("relaxed", 1, "p.mjs")]);
      expect(engines[1].tree).toBe(tree);
      expect(engines[1].env).toEqual({ KINDLING_WASM: "relaxed", KINDLING_THREADS: "1" }); // no KINDLING_WASM_DIR: its own dist
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });

  it("threadRows gives the speed-up over the first count and the ratio to PyTorch at equal threads", () => {
    const engines = [kindlingThreaded("relaxed", 1, "k"), torchThreaded(1, "t"), kindlingThreaded("relaxed", 2, "k"), torchThreaded(2, "t"), { name: "tfjs" }];
    const v = { "kindling (relaxed-threads, 1 thread)": 100, "pytorch 1.13 cpu (1 thread)": 200, "kindling (relaxed-threads, 2 threads)": 190, "pytorch 1.13 cpu (2 threads)": 100, tfjs: 50 };
    const results = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, { samplesPerSec: x }]));
    results["pytorch 1.13 cpu (2 threads)"] = { error: "boom" } as never;
    const rows = threadRows(engines, results, { threads: [1, 2], value: (r: { samplesPerSec: number }) => r.samplesPerSec, base: "tfjs" });
    expect(rows).toEqual([
      ["kindling (relaxed-threads, 1 thread)", "100", "-", "0.50x", "2.00x"],
      ["pytorch 1.13 cpu (1 thread)", "200", "-", "-", "4.00x"],
      ["kindling (relaxed-threads, 2 threads)", "190", "1.90x", "-", "3.80x"],
      ["pytorch 1.13 cpu (2 threads)", "error", "-", "-", "-"],
      ["tfjs", "50", "-", "-", "1.00x"],
    ]);
    expect(threadColumns([1, 2], "samples/s")).toEqual(["engine", "samples/s", "vs 1 thread", "vs pytorch, same threads", "vs tfjs"]);
  });

  it("torchBlas tells OpenBLAS from the reference BLAS behind libblas.so.3", () => {
    expect(torchBlas("/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3")).toMatchObject({ blas: "OpenBLAS (openmp)", openblas: true });
    expect(torchBlas("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0")).toMatchObject({ blas: "reference BLAS (libblas3)", openblas: false });
    expect(torchBlasLine(torchBlas("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"))).toMatch(/npm run bench -- setup/);
    expect(torchBlas(null)).toMatchObject({ blas: "unknown", openblas: false });
  });
});

describe("thread notes", () => {
  it("names an engine that ran on fewer threads than asked", () => {
    const engines = [kindlingThreaded("relaxed", 2, "k"), torchThreaded(2, "t"), { name: "tfjs" }];
    const results = { [engines[0].name]: { threads: 1 }, [engines[1].name]: { threads: 2 }, tfjs: {} };
    expect(threadNotes(engines, results)).toEqual(["note: kindling (relaxed-threads, 2 threads) ran on 1 thread(s)"]);
  });
});

describe("OpenMP wait policy line", () => {
  it("says which policy ran, and how to rerun on busy cores", () => {
    expect(ompLine("PASSIVE", 9, 2)).toBe("pytorch OMP_WAIT_POLICY=PASSIVE");
    expect(ompLine(undefined, 1.5, 2)).toBeUndefined();
    expect(ompLine(undefined, 9, 2)).toMatch(/load 9\.0 on 2.*OMP_WAIT_POLICY=PASSIVE/);
  });
});
