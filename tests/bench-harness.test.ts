// Every bench table names the CPU it ran on and its SIMD width (native engines use AVX-512 or
// AVX2, wasm is 128-bit everywhere, so ratios differ between machines).
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
// @ts-expect-error plain JS module without types
import { cpuInfo, machineLine } from "../bench/_harness.mjs";

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
