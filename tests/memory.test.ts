// Tensor lifetimes: dispose(), kd.tidy, and the FinalizationRegistry backstop (ts/memory.ts).
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

/** One macrotask turn: FinalizationRegistry callbacks only run between tasks. */
const turn = () => new Promise<void>((r) => setImmediate(r));

describe("dispose", () => {
  it("frees handles and storage back to the baseline", async () => {
    await turn();
    const base = kd.memory();
    const a = kd.randn([100, 100]);
    const b = a.add(1);
    const v = a.transpose(0, 1); // a view: shares a's storage
    let m = kd.memory();
    expect(m.liveTensors).toBe(base.liveTensors + 3);
    expect(m.storageBytes).toBe(base.storageBytes + 2 * 100 * 100 * 4);
    a.dispose();
    m = kd.memory();
    expect(m.liveTensors).toBe(base.liveTensors + 2);
    expect(m.storageBytes).toBe(base.storageBytes + 2 * 100 * 100 * 4); // v keeps a's storage alive
    expect(kd.tidy(() => v.sum().item())).toBeCloseTo(kd.tidy(() => b.sub(1).sum().item()) as number, 1);
    v.dispose();
    b.dispose();
    b.dispose(); // twice is a no-op
    m = kd.memory();
    expect(m.liveTensors).toBe(base.liveTensors);
    expect(m.storageBytes).toBe(base.storageBytes);
    expect(a.isDisposed && b.isDisposed && v.isDisposed).toBe(true);
    expect(() => a.add(1)).toThrow(kd.DisposedError);
    expect(a.toString()).toBe("tensor(<disposed>)");
  });

  it("works with `using` (Symbol.dispose)", async () => {
    await turn();
    const base = kd.memory().liveTensors;
    {
      const t = kd.ones([8]);
      t[Symbol.dispose]();
    }
    expect(kd.memory().liveTensors).toBe(base);
  });
});

describe("tidy", () => {
  it("keeps only what it returns: a tensor, arrays and objects of tensors", async () => {
    await turn();
    const base = kd.memory();
    const one = kd.tidy(() => {
      const x = kd.randn([10]);
      const y = x.mul(2);
      return y.add(1);
    });
    expect(kd.memory().liveTensors).toBe(base.liveTensors + 1);
    const many = kd.tidy(() => {
      const x = kd.ones([3]);
      const y = x.add(1);
      const z = x.mul(3);
      x.exp();
      return { y, rest: [z, { deep: x }], n: 5, s: "s" };
    });
    expect(kd.memory().liveTensors).toBe(base.liveTensors + 4);
    expect(Array.from(many.y.dataSync())).toEqual([2, 2, 2]);
    expect(Array.from((many.rest[0] as kd.Tensor).dataSync())).toEqual([3, 3, 3]);
    expect((many.rest[1] as { deep: kd.Tensor }).deep.isDisposed).toBe(false);
    for (const t of [one, many.y, many.rest[0] as kd.Tensor, (many.rest[1] as { deep: kd.Tensor }).deep]) t.dispose();
    const m = kd.memory();
    expect(m.liveTensors).toBe(base.liveTensors);
    expect(m.storageBytes).toBe(base.storageBytes);
  });

  it("nests: an inner tidy's result belongs to the outer scope", async () => {
    await turn();
    const base = kd.memory().liveTensors;
    let inner: kd.Tensor | undefined;
    const outer = kd.tidy(() => {
      const a = kd.ones([4]);
      inner = kd.tidy(() => a.add(1).mul(2)); // (a + 1) freed here, the product kept
      expect(kd.memory().liveTensors).toBe(base + 2);
      return inner.sum();
    });
    expect(inner!.isDisposed).toBe(true); // not returned by the outer tidy
    expect(outer.item()).toBe(16);
    expect(kd.memory().liveTensors).toBe(base + 1);
    outer.dispose();
    expect(kd.memory().liveTensors).toBe(base);
  });

  it("frees its tensors when the function throws (async functions: tests/async.test.ts)", async () => {
    await turn();
    const base = kd.memory().liveTensors;
    expect(() => kd.tidy(() => {
      const a = kd.ones([2, 3]);
      a.add(1);
      return a.matmul(a); // ShapeError
    })).toThrow(kd.ShapeError);
    expect(kd.memory().liveTensors).toBe(base);
  });
});

describe("garbage collection backstop", () => {
  it("bounds wasm memory in a loop that never disposes, if it awaits a macrotask now and then", async () => {
    // x, y and the intermediate x.mul(2) are dropped every iteration: only the
    // FinalizationRegistry releases them, after V8 collects the Tensor objects. ts/memory.ts
    // asks for a collection when live storage bytes or handles double; without that, V8
    // (which sees 100-byte JS objects, not the wasm memory behind them) let this loop reach
    // ~36-47 MB and ~80-96k live handles, and 333 MB with 16 KB tensors (numbers in ts/memory.ts).
    await turn();
    const ITER = 100_000;
    const N = 1000; // iterations between macrotask turns
    const base = kd.memory();
    let maxLive = 0;
    const t0 = Date.now();
    for (let i = 0; i < ITER; i++) {
      const x = kd.randn([64]);
      const y = x.mul(2).add(1);
      if (y.numel() !== 64) throw new Error("unreachable");
      if (i % N === N - 1) {
        await turn();
        maxLive = Math.max(maxLive, kd.memory().liveTensors);
      }
    }
    await turn();
    const end = kd.memory();
    // wasm memory never shrinks, so its size now is the high-water mark
    const hwMiB = end.wasmBytes / 2 ** 20;
    console.log(
      `[memory] ${ITER} iterations (3 tensors each, no dispose), a macrotask every ${N}: wasm high-water ` +
        `${hwMiB.toFixed(1)} MiB (start ${(base.wasmBytes / 2 ** 20).toFixed(1)} MiB), most live handles at a turn ${maxLive}, ` +
        `live after the last turn ${end.liveTensors}, gc requests ${end.gcRequests - base.gcRequests}, ${Date.now() - t0} ms`,
    );
    expect(end.wasmBytes).toBeLessThan(64 * 2 ** 20);
    expect(end.liveTensors).toBeLessThan(40_000);
    expect(maxLive).toBeLessThan(60_000);
  });
});
