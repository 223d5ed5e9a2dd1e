// kd.data (Dataset, TensorDataset, Subset, ConcatDataset, randomSplit, DataLoader, Generator) and
// kd.transforms: batching, seeded shuffling, dropLast, collate, prefetch, no leaks; transform
// numerics against hand-computed values and torch references (tests/fixtures/transforms.json,
// from scripts/gen_transform_fixtures.py).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

const { data, transforms: T } = kd;
type Tensor = kd.Tensor;
const vals = (t: Tensor) => Array.from(t.dataSync());
const live = () => kd.memory().liveTensors;
const ref = JSON.parse(readFileSync(new URL("./fixtures/transforms.json", import.meta.url), "utf8")) as Record<string, number[]>;
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `element ${i}: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(tol);
};
/** Live tensors did not grow (the garbage collector may free older garbage meanwhile, never add). */
const expectNoLeak = (before: number) => expect(live()).toBeLessThanOrEqual(before);
const tick = () => new Promise<void>((r) => setImmediate(r));

/** A dataset of n items [float tensor [2] = (i, -i), label i % 3] that counts getItem calls. */
class Counting extends data.Dataset<[Tensor, number]> {
  calls: number[] = [];
  constructor(readonly n: number) {
    super();
  }
  get length() {
    return this.n;
  }
  getItem(i: number): [Tensor, number] {
    this.calls.push(i);
    return [kd.tensor([i, -i]).mul(1), i % 3]; // an intermediate per item, freed by the loader
  }
}

function disposeBatch(b: unknown) {
  data.disposeTensors(b);
}

describe("Generator", () => {
  it("is deterministic per seed and gives permutations", () => {
    const a = new data.Generator(7);
    const b = new data.Generator().manualSeed(7);
    const xs = Array.from({ length: 5 }, () => a.random());
    expect(Array.from({ length: 5 }, () => b.random())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new data.Generator(8).random()).not.toBe(xs[0]);
    const p = Array.from(new data.Generator(1).randperm(50));
    expect(p.slice().sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p).toEqual(Array.from(new data.Generator(1).randperm(50)));
    const g = new data.Generator(3);
    const st = g.getState();
    const r1 = g.randint(0, 100);
    g.setState(st);
    expect(g.randint(0, 100)).toBe(r1);
  });

  it("draws its default seed from the engine (kd.manualSeed)", () => {
    kd.manualSeed(11);
    const a = new data.Generator().random();
    kd.manualSeed(11);
    expect(new data.Generator().random()).toBe(a);
  });
});

describe("datasets", () => {
  it("TensorDataset indexes every tensor along dim 0", () => {
    const x = kd.arange(12).reshape(6, 2).float();
    const y = kd.tensor([0, 1, 2, 0, 1, 2], { dtype: "int32" });
    const ds = new data.TensorDataset(x, y);
    expect(ds.length).toBe(6);
    const [xi, yi] = ds.getItem(2);
    expect(vals(xi)).toEqual([4, 5]);
    expect(yi.item()).toBe(2);
    expect(vals(ds.getItem(-1)[0])).toEqual([10, 11]);
    const [xb, yb] = ds.getBatch([5, 0]);
    expect(xb.shape).toEqual([2, 2]);
    expect(vals(xb)).toEqual([10, 11, 0, 1]);
    expect(vals(yb)).toEqual([2, 0]);
    expect(() => ds.getItem(6)).toThrow(kd.IndexError);
    expect(() => new data.TensorDataset(x, kd.zeros(5))).toThrow(/Size mismatch between tensors/);
  });

  it("Subset and ConcatDataset map indices", async () => {
    const ds = new Counting(10);
    const sub = new data.Subset(ds, [9, 3, 4]);
    expect(sub.length).toBe(3);
    expect(sub.getItem(1)[1]).toBe(0);
    expect(vals(sub.getItem(0)[0])).toEqual([9, -9]);
    expect(() => new data.Subset(ds, [10])).toThrow(kd.IndexError);
    const cat = new data.ConcatDataset([ds, new Counting(5)]);
    expect(cat.length).toBe(15);
    expect(vals(cat.getItem(9)[0])).toEqual([9, -9]);
    expect(vals(cat.getItem(10)[0])).toEqual([0, -0]);
    expect(vals(cat.getItem(14)[0])).toEqual([4, -4]);
    expect(ds.concat(ds).length).toBe(20);
    // Subset of a TensorDataset keeps the batch fast path.
    const td = new data.TensorDataset(kd.arange(10).float());
    const s2 = new data.Subset(td, [7, 8, 9]);
    expect(vals((s2.getBatch!([2, 0]) as Tensor[])[0])).toEqual([9, 7]);
  });

  it("randomSplit: counts or fractions, disjoint, seeded", () => {
    const ds = new Counting(10);
    const [a, b] = data.randomSplit(ds, [7, 3], new data.Generator(42));
    expect([a.length, b.length]).toEqual([7, 3]);
    expect([...a.indices, ...b.indices].sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    const [a2] = data.randomSplit(ds, [7, 3], 42);
    expect(a2.indices).toEqual(a.indices);
    const parts = data.randomSplit(ds, [0.5, 0.3, 0.2], 1);
    expect(parts.map((p) => p.length)).toEqual([5, 3, 2]);
    const odd = data.randomSplit(new Counting(11), [0.5, 0.5], 1);
    expect(odd.map((p) => p.length)).toEqual([6, 5]);
    expect(() => data.randomSplit(ds, [5, 4])).toThrow(kd.ValueError);
    kd.manualSeed(5);
    const x1 = data.randomSplit(ds, [5, 5])[0].indices;
    kd.manualSeed(5);
    expect(data.randomSplit(ds, [5, 5])[0].indices).toEqual(x1);
  });
});

describe("DataLoader", () => {
  it("batches in order, with a short last batch or dropLast", async () => {
    const ds = new Counting(10);
    const loader = new data.DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const seen: number[][] = [];
    for await (const [x, y] of loader) {
      expect(x.shape).toEqual([y.shape[0], 2]);
      expect(x.dtype).toBe("float32");
      expect(y.dtype).toBe("int32");
      seen.push(vals(x).filter((_, k) => k % 2 === 0));
      expect(vals(y)).toEqual(seen.at(-1)!.map((i) => i % 3));
      disposeBatch([x, y]);
    }
    expect(seen).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const dl = new data.DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dl.length).toBe(2);
    const sizes: number[] = [];
    for (const [x] of dl) sizes.push(x.shape[0]);
    expect(sizes).toEqual([4, 4]);
    expect(() => new data.DataLoader(ds, { batchSize: 0 })).toThrow(kd.ValueError);
  });

  it("shuffles reproducibly: seed option, explicit generator, or kd.manualSeed", async () => {
    const ds = new data.TensorDataset(kd.arange(20));
    const epoch = async (loader: kd.data.DataLoader<Tensor[]>) => {
      const order: number[] = [];
      for await (const [x] of loader) {
        order.push(...vals(x));
        x.dispose();
      }
      return order;
    };
    const l1 = new data.DataLoader(ds, { batchSize: 6, shuffle: true, seed: 3 });
    const l2 = new data.DataLoader(ds, { batchSize: 6, shuffle: true, seed: 3 });
    const e1 = await epoch(l1);
    expect(e1.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(e1).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await epoch(l2)).toEqual(e1);
    const e1b = await epoch(l1); // the next epoch is another order
    expect(e1b).not.toEqual(e1);
    expect(await epoch(l2)).toEqual(e1b);
    const g = new data.Generator(9);
    const g2 = new data.Generator(9);
    expect(await epoch(new data.DataLoader(ds, { batchSize: 5, shuffle: true, generator: g }))).toEqual(await epoch(new data.DataLoader(ds, { batchSize: 5, shuffle: true, generator: g2 })));
    kd.manualSeed(123);
    const m1 = await epoch(new data.DataLoader(ds, { batchSize: 4, shuffle: true }));
    kd.manualSeed(123);
    const m2 = await epoch(new data.DataLoader(ds, { batchSize: 4, shuffle: true }));
    expect(m2).toEqual(m1);
    // The synchronous iterator gives the same order as the asynchronous one.
    const s: number[] = [];
    for (const [x] of new data.DataLoader(ds, { batchSize: 6, shuffle: true, seed: 3 })) s.push(...vals(x));
    expect(s).toEqual(e1);
  });

  it("collates numbers, booleans, strings, typed arrays, tuples and objects; custom collate", () => {
    const b = data.defaultCollate([
      { x: new Float32Array([1, 2]), y: 1, w: 0.5, ok: true, name: "a", pair: [kd.tensor([1]), 2] },
      { x: new Float32Array([3, 4]), y: 2, w: 1, ok: false, name: "b", pair: [kd.tensor([3]), 4] },
    ]) as Record<string, unknown>;
    const x = b.x as Tensor;
    expect(x.shape).toEqual([2, 2]);
    expect(vals(x)).toEqual([1, 2, 3, 4]);
    expect((b.y as Tensor).dtype).toBe("int32");
    expect((b.w as Tensor).dtype).toBe("float32");
    expect((b.ok as Tensor).dtype).toBe("bool");
    expect(b.name).toEqual(["a", "b"]);
    const [pt, pn] = b.pair as [Tensor, Tensor];
    expect(pt.shape).toEqual([2, 1]);
    expect(vals(pn)).toEqual([2, 4]);
    expect(() => data.defaultCollate([1, "a"])).toThrow(TypeError);
    expect(() => data.defaultCollate([{ data: new Uint8Array(4), width: 2, height: 2, channels: 1 }])).toThrow(/ToTensor/);
    const ds = new Counting(5);
    const loader = new data.DataLoader(ds, { batchSize: 2, collate: (items) => items.map(([t, y]) => (t.dispose(), y)) });
    expect([...loader]).toEqual([[0, 1], [2, 0], [1]]);
    // batchSize null hands out single items, uncollated
    const single = [...new data.DataLoader(new Counting(2), { batchSize: null })];
    expect(single.map((v) => v[1])).toEqual([0, 1]);
  });

  it("uses the dataset's getBatch fast path unless a custom collate is given", async () => {
    const td = new data.TensorDataset(kd.arange(8).float(), kd.arange(8));
    let batchCalls = 0;
    const orig = td.getBatch.bind(td);
    td.getBatch = (idx) => (batchCalls++, orig(idx));
    for await (const b of new data.DataLoader(td, { batchSize: 3 })) disposeBatch(b);
    expect(batchCalls).toBe(3);
    for await (const b of new data.DataLoader(td, { batchSize: 3, collate: (items) => data.defaultCollate(items) })) disposeBatch(b);
    expect(batchCalls).toBe(3);
  });

  it("prefetches the next batch while the consumer's step awaits", async () => {
    const ds = new Counting(12);
    const seenAtStepEnd: number[] = [];
    for await (const b of new data.DataLoader(ds, { batchSize: 4 })) {
      await tick(); // the step awaits something (a read, a frame)
      await tick();
      seenAtStepEnd.push(ds.calls.length);
      disposeBatch(b);
    }
    // By the end of step k the items of batch k+1 have been fetched already.
    expect(seenAtStepEnd).toEqual([8, 12, 12]);
    const ds0 = new Counting(12);
    const seen0: number[] = [];
    for await (const b of new data.DataLoader(ds0, { batchSize: 4, prefetch: 0 })) {
      await tick();
      await tick();
      seen0.push(ds0.calls.length);
      disposeBatch(b);
    }
    expect(seen0).toEqual([4, 8, 12]);
  });

  it("loads async datasets (I/O overlapped) and refuses them synchronously", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const ds = {
      length: 6,
      async getItem(i: number) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        return [kd.tensor([i]), i];
      },
    };
    const before = live();
    const loader = new data.DataLoader(ds, { batchSize: 3 });
    const xs: number[] = [];
    for await (const [x, y] of loader as unknown as AsyncIterable<[Tensor, Tensor]>) {
      xs.push(...vals(x));
      expect(vals(y)).toEqual(vals(x));
      disposeBatch([x, y]);
    }
    expect(xs).toEqual([0, 1, 2, 3, 4, 5]);
    expect(maxInFlight).toBeGreaterThanOrEqual(3);
    expectNoLeak(before);
    expect(() => [...loader]).toThrow(/for await/);
  });

  it("leaks nothing over an epoch, frees prefetched batches on break, keeps a dataset's own tensors", async () => {
    const ds = new Counting(50);
    const td = new data.TensorDataset(kd.randn([50, 3]), kd.randint(0, 3, [50]));
    for (const d of [ds, td] as kd.data.MapDataset[]) {
      const before = live();
      for await (const b of new data.DataLoader(d, { batchSize: 8, shuffle: true, seed: 1 })) disposeBatch(b);
      expectNoLeak(before);
      for (const b of new data.DataLoader(d, { batchSize: 8 })) disposeBatch(b);
      expectNoLeak(before);
      for await (const b of new data.DataLoader(d, { batchSize: 8, prefetch: 2 })) {
        disposeBatch(b);
        break;
      }
      await tick();
      await tick();
      expectNoLeak(before);
    }
    // A dataset handing out tensors it keeps: the loader must not free them.
    const stored = Array.from({ length: 4 }, (_, i) => kd.tensor([i]));
    const keeper = { length: 4, getItem: (i: number) => stored[i] };
    for await (const b of new data.DataLoader(keeper, { batchSize: 2 })) disposeBatch(b);
    expect(stored.every((t) => !t.isDisposed)).toBe(true);
  });

  it("raises a dataset's error at its batch and frees what was prefetched", async () => {
    const ds = new Counting(20);
    const bad = { length: 20, getItem: (i: number) => { if (i === 9) throw new RangeError("bad item 9"); return ds.getItem(i); } };
    const before = live();
    const got: number[] = [];
    await expect((async () => {
      for await (const [x, y] of new data.DataLoader(bad, { batchSize: 4, prefetch: 2 })) {
        got.push(x.shape[0]);
        disposeBatch([x, y]);
      }
    })()).rejects.toThrow("bad item 9");
    expect(got).toEqual([4, 4]);
    await tick();
    await tick();
    expectNoLeak(before);
  });

  it("batches iterable datasets (sync and async), without shuffle", async () => {
    const it1 = data.IterableDataset.from(function* () {
      for (let i = 0; i < 7; i++) yield i;
    });
    const out: number[][] = [];
    for await (const b of new data.DataLoader(it1, { batchSize: 3 })) out.push(vals(b as Tensor));
    expect(out).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    class Stream extends data.IterableDataset<[Tensor, number]> {
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < 5; i++) {
          await tick();
          yield [kd.tensor([i, i]), i] as [Tensor, number];
        }
      }
    }
    const before = live();
    const sizes: number[] = [];
    for await (const [x, y] of new data.DataLoader(new Stream(), { batchSize: 2, dropLast: true })) {
      sizes.push(x.shape[0]);
      disposeBatch([x, y]);
    }
    expect(sizes).toEqual([2, 2]);
    expectNoLeak(before);
    expect(() => new data.DataLoader(it1, { shuffle: true })).toThrow(/IterableDataset/);
    expect([...new data.DataLoader(it1, { batchSize: 4 })].map((t) => vals(t as Tensor))).toEqual([[0, 1, 2, 3], [4, 5, 6]]);
    const sync = [...new data.DataLoader({ *[Symbol.iterator]() { yield 1; yield 2; yield 3; } }, { batchSize: 2 })];
    expect(sync.map((t) => vals(t as Tensor))).toEqual([[1, 2], [3]]);
  });

  it("follows a sampler's order", () => {
    const ds = new data.TensorDataset(kd.arange(6));
    const got = [...new data.DataLoader(ds, { batchSize: 2, sampler: [5, 4, 3] })].map(([x]) => vals(x));
    expect(got).toEqual([[5, 4], [3]]);
  });
});

describe("transforms", () => {
  const rgb: kd.transforms.RawImage = { data: new Uint8Array([0, 51, 255, 102, 153, 204, 255, 0, 0, 10, 20, 30]), height: 2, width: 2, channels: 3 };

  it("ToTensor: uint8 HWC -> float CHW in [0, 1]", () => {
    const t = new T.ToTensor().apply(rgb);
    expect(t.shape).toEqual([3, 2, 2]);
    close(vals(t), [0, 102, 255, 10, 51, 153, 0, 20, 255, 204, 0, 30].map((v) => v / 255), 1e-7);
    const g = new T.ToTensor().apply({ data: new Uint8Array([0, 255, 128, 1]), height: 2, width: 2, channels: 1 });
    expect(g.shape).toEqual([1, 2, 2]);
    close(vals(g), [0, 1, 128 / 255, 1 / 255], 1e-7);
    expect(() => new T.ToTensor().apply(g as never)).toThrow(TypeError);
  });

  it("Normalize against hand-computed values, per channel and on batches", () => {
    const x = kd.tensor([[[0, 0.5], [1, 0.25]], [[0.2, 0.4], [0.6, 0.8]]]); // [2, 2, 2]
    const y = new T.Normalize([0.5, 0.4], [0.25, 0.2]).apply(x);
    close(vals(y), [-2, 0, 2, -1, -1, 0, 1, 2]);
    const b = new T.Normalize(0.5, 0.5).apply(kd.ones([3, 1, 2, 2]));
    expect(b.shape).toEqual([3, 1, 2, 2]);
    close(vals(b), new Array(12).fill(1));
    expect(() => new T.Normalize([0.5], [0])).toThrow(kd.ValueError);
    expect(() => new T.Normalize([0.1, 0.2, 0.3], [1, 1, 1]).apply(x)).toThrow(kd.ShapeError);
    const before = live();
    new T.Normalize([0.5, 0.4], [0.25, 0.2]).apply(x).dispose();
    expectNoLeak(before);
  });

  it("Resize matches torch's interpolate (bilinear, nearest); RawImage stays RawImage", () => {
    const img = kd.tensor(ref.img).reshape(1, 5, 6);
    for (const [key, size, mode] of [["bilinear_3x4", [3, 4], "bilinear"], ["bilinear_7x9", [7, 9], "bilinear"], ["nearest_3x4", [3, 4], "nearest"], ["nearest_7x9", [7, 9], "nearest"]] as const) {
      const out = new T.Resize(size as [number, number], { interpolation: mode }).apply(img) as Tensor;
      expect(out.shape).toEqual([1, ...size]);
      close(vals(out), ref[key]);
    }
    expect((new T.Resize(3).apply(img) as Tensor).shape).toEqual([1, 3, 3]); // shorter edge 5 -> 3, 6 -> floor(3.6)
    expect((new T.Resize(10).apply(kd.zeros([2, 1, 4, 8])) as Tensor).shape).toEqual([2, 1, 10, 20]);
    const raw = new T.Resize([4, 4], { interpolation: "nearest" }).apply(rgb) as kd.transforms.RawImage;
    expect([raw.height, raw.width, raw.channels]).toEqual([4, 4, 3]);
    expect(Array.from(raw.data.slice(0, 6))).toEqual([0, 51, 255, 0, 51, 255]);
  });

  it("CenterCrop rounds as torchvision and pads when the crop is larger", () => {
    const x = kd.arange(25).float().reshape(1, 5, 5);
    expect(vals(new T.CenterCrop(3).apply(x) as Tensor)).toEqual([6, 7, 8, 11, 12, 13, 16, 17, 18]);
    // (5 - 2) / 2 = 1.5 rounds (half to even) to 2
    expect(vals(new T.CenterCrop(2).apply(x) as Tensor)).toEqual([12, 13, 17, 18]);
    const big = new T.CenterCrop([3, 4]).apply(kd.ones([1, 1, 2])) as Tensor;
    expect(vals(big)).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]); // padded 1 left, 1 top, as torchvision
  });

  it("RandomCrop with padding: seeded, and a window of the padded image", () => {
    const x = kd.arange(16).float().add(1).reshape(1, 4, 4);
    const crop = (seed: number) => vals(new T.RandomCrop(4, { padding: 2, generator: new data.Generator(seed) }).apply(x) as Tensor);
    expect(crop(5)).toEqual(crop(5));
    const padded = vals(new T.Pad(2).apply(x) as Tensor); // 8 x 8
    const windows = new Set<string>();
    for (let s = 0; s < 40; s++) {
      const c = crop(s);
      windows.add(c.join(","));
      let found = false;
      for (let i = 0; i <= 4 && !found; i++) for (let j = 0; j <= 4 && !found; j++) {
        found = c.every((v, k) => v === padded[(i + Math.floor(k / 4)) * 8 + j + (k % 4)]);
      }
      expect(found).toBe(true);
    }
    expect(windows.size).toBeGreaterThan(5);
    expect(() => new T.RandomCrop(5).apply(x)).toThrow(/larger than the input/);
    expect((new T.RandomCrop(6, { padIfNeeded: true }).apply(x) as Tensor).shape).toEqual([1, 6, 6]);
    expect(vals(new T.Pad([1, 0], 0, "reflect").apply(kd.tensor([[[1, 2, 3]]])) as Tensor)).toEqual([2, 1, 2, 3, 2]);
    expect(vals(new T.Pad([2, 0], 0, "edge").apply(kd.tensor([[[1, 2, 3]]])) as Tensor)).toEqual([1, 1, 1, 2, 3, 3, 3]);
    expect(vals(new T.Pad([2, 0], 0, "symmetric").apply(kd.tensor([[[1, 2, 3]]])) as Tensor)).toEqual([2, 1, 1, 2, 3, 3, 2]);
  });

  it("RandomHorizontalFlip: p=1 mirrors, p=0 keeps, seeded draws", () => {
    const x = kd.tensor([[[1, 2, 3], [4, 5, 6]]]);
    expect(vals(new T.RandomHorizontalFlip(1).apply(x) as Tensor)).toEqual([3, 2, 1, 6, 5, 4]);
    expect(vals(new T.RandomHorizontalFlip(0).apply(x) as Tensor)).toEqual([1, 2, 3, 4, 5, 6]);
    const flips = (g: kd.data.Generator) => {
      const f = new T.RandomHorizontalFlip(0.5, { generator: g });
      return Array.from({ length: 40 }, () => (vals(f.apply(x) as Tensor)[0] === 3 ? 1 : 0));
    };
    const a = flips(new data.Generator(2));
    expect(flips(new data.Generator(2))).toEqual(a);
    const n = a.reduce((s: number, v) => s + v, 0);
    expect(n).toBeGreaterThan(8);
    expect(n).toBeLessThan(32);
    const raw = new T.RandomHorizontalFlip(1).apply(rgb) as kd.transforms.RawImage;
    expect(Array.from(raw.data)).toEqual([102, 153, 204, 0, 51, 255, 10, 20, 30, 255, 0, 0]);
  });

  it("RandomRotation matches torchvision's rotate (nearest, bilinear, fill)", () => {
    const img = kd.tensor(ref.img).reshape(1, 5, 6);
    close(vals(new T.RandomRotation([30, 30]).apply(img) as Tensor), ref.rot30_nearest);
    close(vals(new T.RandomRotation([30, 30], { interpolation: "bilinear" }).apply(img) as Tensor), ref.rot30_bilinear);
    close(vals(new T.RandomRotation([-45, -45], { interpolation: "bilinear", fill: 0.5 }).apply(img) as Tensor), ref.rotm45_bilinear_fill);
    close(vals(T.functional.rotate(kd.arange(16).float().reshape(1, 4, 4), 90) as Tensor), ref.rot90_nearest_sq);
    const r = new T.RandomRotation(20, { generator: new data.Generator(4) });
    const r2 = new T.RandomRotation(20, { generator: new data.Generator(4) });
    expect(vals(r.apply(img) as Tensor)).toEqual(vals(r2.apply(img) as Tensor));
  });

  it("random transforms without a generator follow kd.manualSeed", () => {
    const img = kd.rand([1, 8, 8]);
    const pipe = new T.Compose([new T.RandomCrop(6, { padding: 1 }), new T.RandomHorizontalFlip(), new T.RandomRotation(15)]);
    kd.manualSeed(99);
    const a = Array.from({ length: 5 }, () => vals(pipe.apply(img) as Tensor));
    kd.manualSeed(99);
    const b = Array.from({ length: 5 }, () => vals(pipe.apply(img) as Tensor));
    expect(b).toEqual(a);
    expect(new Set(a.map((v) => v.join(","))).size).toBeGreaterThan(1);
  });

  it("Compose frees its intermediates; the batch path equals item by item", () => {
    const pipe = new T.Compose([new T.ToTensor(), new T.Normalize([0.5], [0.25]), new T.CenterCrop(2)]);
    expect(pipe.batchable).toBe(false); // ToTensor takes RawImages
    const img = { data: new Uint8Array([0, 64, 128, 255, 1, 2, 3, 4, 5]), height: 3, width: 3, channels: 1 };
    const before = live();
    const one = pipe.apply(img) as Tensor;
    expect(live()).toBe(before + 1);
    const plan = T.batchPlan(pipe)!;
    expect(plan).not.toBeNull();
    const two = plan(new Uint8Array([...img.data, ...img.data]), 2, 1, 3, 3);
    expect(two.shape).toEqual([2, 1, 2, 2]);
    close(vals(two), [...vals(one), ...vals(one)], 1e-6);
    expect(T.batchPlan(new T.Compose([new T.ToTensor(), new T.RandomHorizontalFlip()]))).toBeNull();
    expect(pipe.toString()).toContain("Normalize(mean=[0.5], std=[0.25])");
  });
});
