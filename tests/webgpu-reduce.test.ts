// The webgpu reductions, softmax and index kernels on shapes the torch fixtures (small tensors,
// replayed in tests/webgpu.test.ts) do not reach: each launch shape (a thread per output for
// short runs, a workgroup per output, a long run split over workgroups and merged by a second
// dispatch) against the CPU backend, whose kernels tests/ops.test.ts holds to torch. Plus the
// index-error flag: an out-of-range index on the GPU is PyTorch's IndexError at the next read.
//
// Tolerances: float sums in another order (a tree of partials against the CPU's f64 loop):
// rtol 1e-5, atol 1e-4 for sums of 20,000 randn values (|sum| ~ 140, f32 ulp there ~ 1.5e-5);
// everything that selects (amax, argmax, counts, gathers, scatter_add's ordered adds) is exact.
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import type { Tensor } from "../ts/index.js";
import { mismatches } from "./helpers/fixture-values.js";
import { useSwiftShader } from "./helpers/swiftshader.js";

useSwiftShader();
await kd.ready();
await kd.webgpu.init();

const CLOSE = { rtol: 1e-5, atol: 1e-4 };
const EXACT = { rtol: 0, atol: 0 };

/** f on the CPU tensor and on its webgpu copy give the same numbers (and shape, and dtype). */
async function same(label: string, x: Tensor, f: (t: Tensor) => Tensor, tol = CLOSE): Promise<void> {
  const want = f(x);
  const g = x.to("webgpu");
  const got = f(g);
  expect(got.device, label).toBe("webgpu");
  expect(got.shape, label).toEqual(want.shape);
  expect(got.dtype, label).toBe(want.dtype);
  const bad = mismatches(Array.from(await got.data(), Number), Array.from(want.dataSync(), Number), tol);
  expect(bad, label).toEqual([]);
  for (const t of [want, g, got]) t.dispose();
}

describe("webgpu reductions in every launch shape", () => {
  kd.manualSeed(7);
  // [3, 20000] along dim 1: a long run, few outputs (split + merge); [20000, 3] along dim 0: the
  // same through a permuted copy; [40, 1000]: a workgroup per output; [500, 7]: a thread per output
  const shapes: Array<[number[], number]> = [[[3, 20000], 1], [[20000, 3], 0], [[40, 1000], 1], [[500, 7], 1]];
  for (const [shape, dim] of shapes) {
    const x = kd.randn(shape);
    const label = (op: string) => `${op} of [${shape}] along ${dim}`;
    it(`float reductions of [${shape}] along dim ${dim}`, async () => {
      for (const op of ["sum", "mean", "amax", "amin", "logsumexp"] as const) await same(label(op), x, (t) => t[op](dim));
      await same(label("var"), x, (t) => t.var(dim));
      await same(label("std, correction 0"), x, (t) => t.std({ dim, correction: 0 }));
      await same(label("prod"), x, (t) => kd.tidy(() => t.mul(1e-3).add(1).prod(dim)));
      for (const op of ["argmax", "argmin"] as const) await same(label(op), x, (t) => t[op](dim), EXACT);
      await same(label("count_nonzero"), x, (t) => kd.tidy(() => t.gt(0.5).countNonzero(dim)), EXACT);
      await same(label("all"), x, (t) => kd.tidy(() => t.gt(-3.5).all(dim)), EXACT);
      await same(label("any"), x, (t) => kd.tidy(() => t.gt(3.5).any(dim)), EXACT);
    });
  }

  it("sums over every dim, int32 sums wrap as on the cpu, bool counts", async () => {
    const x = kd.randn([6, 50, 70]);
    await same("sum of all", x, (t) => t.sum());
    await same("sum over dims 0 and 2", x, (t) => t.sum([0, 2], true));
    const big = kd.tensor(Int32Array.from({ length: 30000 }, (_, i) => (i * 2654435761) | 0)).reshape([2, 15000]);
    await same("int32 sum (wrapping)", big, (t) => t.sum(1), EXACT);
    await same("int32 amax", big, (t) => t.amax(1), EXACT);
    const mask = kd.tensor(Uint8Array.from({ length: 20000 }, (_, i) => (i % 3 === 0 ? 1 : 0)), { dtype: "bool" });
    await same("bool sum", mask, (t) => t.sum(), EXACT);
    for (const t of [x, big, mask]) t.dispose();
  });

  it("argmax keeps torch's first index across split chunks, and a NaN wins", async () => {
    const v = new Float32Array(2 * 10000);
    v[7000] = v[9000] = 5; // a tie in row 0: the first index
    v[10000 + 3] = 5;
    v[10000 + 8000] = NaN; // row 1: the NaN, wherever the max is
    const x = kd.tensor(v).reshape([2, 10000]);
    await same("argmax", x, (t) => t.argmax(1), EXACT);
    await same("amax with NaN", x, (t) => t.amax(1), EXACT);
    const g = x.to("webgpu");
    expect(Array.from(await g.argmax(1).data())).toEqual([7000, 8000]);
    x.dispose();
    g.dispose();
  });
});

describe("webgpu softmax", () => {
  it("matches the cpu along long rows (a workgroup per row) and short ones, on any dim", async () => {
    kd.manualSeed(3);
    const x = kd.randn([4, 3000]).mul(4);
    await same("softmax dim 1", x, (t) => t.softmax(1), { rtol: 1e-5, atol: 1e-7 });
    await same("log_softmax dim 1", x, (t) => t.logSoftmax(1));
    await same("softmax dim 0", x, (t) => t.softmax(0), { rtol: 1e-5, atol: 1e-7 });
    x.dispose();
  });
});

describe("webgpu indexing", () => {
  it("cat, index_select, gather and scatter_add match the cpu exactly", async () => {
    kd.manualSeed(5);
    const a = kd.randn([3, 4, 5]);
    const b = kd.randn([3, 5, 2]);
    // the second part a transposed (strided) view on each device
    const cpu = kd.cat([a, b.transpose(1, 2)], 1);
    const got = kd.cat([a.to("webgpu"), b.to("webgpu").transpose(1, 2)], 1);
    expect(got.shape).toEqual([3, 6, 5]);
    expect(mismatches(Array.from(await got.data()), Array.from(cpu.dataSync()), EXACT)).toEqual([]);
    const idx = kd.tensor(Int32Array.from([4, 0, -1, 2, 2]));
    await same("index_select", a, (t) => t.indexSelect(2, t.device === "cpu" ? idx : idx.to("webgpu")), EXACT);
    const gi = kd.randint(0, 4, [3, 6, 5]).to("int32");
    await same("gather", a, (t) => t.gather(1, t.device === "cpu" ? gi : gi.to("webgpu")), EXACT);
    // many sources into few bins: the GPU adds them in index order, as the CPU does
    const src = kd.randn([3, 6, 5]);
    const zero = kd.zeros([3, 4, 5]);
    const cpuAdd = zero.scatterAdd(1, gi, src);
    const gpuAdd = zero.to("webgpu").scatterAdd(1, gi.to("webgpu"), src.to("webgpu"));
    expect(mismatches(Array.from(await gpuAdd.data()), Array.from(cpuAdd.dataSync()), EXACT)).toEqual([]);
  });

  it("an out-of-range index is an IndexError at the next read, then the flag is clear", async () => {
    const t = kd.arange(6).to("float32").to("webgpu");
    const bad = t.indexSelect(0, kd.tensor(Int32Array.from([1, 6])).to("webgpu"));
    await expect(bad.data()).rejects.toThrow(kd.IndexError);
    const bad2 = t.gather(0, kd.tensor(Int32Array.from([-7])).to("webgpu"));
    await expect(bad2.data()).rejects.toThrow(/index -7 is out of bounds for dimension 0 with size 6/);
    const ok = t.indexSelect(0, kd.tensor(Int32Array.from([5, -6])).to("webgpu"));
    expect(Array.from(await ok.data())).toEqual([5, 0]);
  });
});
