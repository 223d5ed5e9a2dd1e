// Which engine build the loader picks by itself: the threaded relaxed-SIMD build on every Node
// this package supports (Node 20 included, where V8 hides relaxed SIMD behind a flag the loader
// sets; Node always has SharedArrayBuffer).
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as kd from "../ts/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("engine build choice", () => {
  it("Node >= 20 gets the threaded relaxed-SIMD build without flags, and it computes", async () => {
    await kd.ready();
    expect(process.execArgv.join(" ")).not.toMatch(/relaxed-simd/);
    expect(kd.getEngine().variant).toBe(process.env.KINDLING_THREADS === "off" ? "relaxed" : "relaxed-threads");
    // relaxed_madd is fused or not by the CPU; a small integer matmul is exact either way.
    const a = kd.arange(0, 12).reshape([3, 4]);
    const b = kd.arange(0, 8).reshape([4, 2]);
    expect(Array.from(a.matmul(b).dataSync())).toEqual([28, 34, 76, 98, 124, 162]);
  });

  it("a fresh Node process without flags reports relaxed-threads; KINDLING_WASM=simd forces plain SIMD, KINDLING_THREADS=off one thread", () => {
    const script = `const kd = await import("./ts/index.ts"); await kd.ready(); console.log(kd.getEngine().variant);`;
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ["--import", "./scripts/register-ts.mjs", "--input-type=module", "-e", script], {
        cwd: root, encoding: "utf8", env: { ...process.env, ...env },
      });
    const plain = run({ KINDLING_THREADS: "" });
    expect(plain.stderr).not.toMatch(/Error/);
    expect(plain.stdout.trim()).toBe("relaxed-threads");
    expect(run({ KINDLING_WASM: "simd", KINDLING_THREADS: "" }).stdout.trim()).toBe("simd-threads");
    expect(run({ KINDLING_THREADS: "off" }).stdout.trim()).toBe("relaxed");
    expect(run({ KINDLING_WASM: "simd", KINDLING_THREADS: "off" }).stdout.trim()).toBe("simd");
    const bad = run({ KINDLING_THREADS: "two" });
    expect(bad.stderr).toMatch(/KINDLING_THREADS must be a thread count or "off", got "two"/);
  });
});
