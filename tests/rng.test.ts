// Seeds that reproduce PyTorch: after kd.manualSeed(s) the random factories, in-place
// initialisers, dropout, default layer init, the RNG state bytes, data.Generator, DataLoader
// shuffling and randomSplit give torch's CPU numbers bit for bit (tests/fixtures/rng.json, from
// scripts/gen_rng_fixtures.py); makeCircles / makeBlobs give scikit-learn's points for a seed.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

const { nn, data } = kd;
const F = nn.functional;
type Tensor = kd.Tensor;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fx = JSON.parse(readFileSync(new URL("./fixtures/rng.json", import.meta.url), "utf8")) as any;

/** The float32 bit patterns of a tensor's values (or of numbers rounded to float32). */
const bits = (v: Tensor | number[]) => Array.from(new Uint32Array(Float32Array.from(v instanceof kd.Tensor ? (v.dataSync() as Float32Array) : v).buffer));
const ints = (t: Tensor) => Array.from(t.dataSync() as Int32Array);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s: string) => Uint8Array.from(s.match(/../g)!, (h) => parseInt(h, 16));

describe("kd.manualSeed reproduces torch.manual_seed", () => {
  it("kd.manualSeed(42); kd.rand(3, 4) is torch's to the last bit", () => {
    kd.manualSeed(42);
    const t = kd.rand(3, 4);
    expect(t.shape).toEqual([3, 4]);
    expect(bits(t)).toEqual(bits(fx.rand_3x4_seed42));
    expect(t.dataSync()[0]).toBe(0.8822692632675171);
  });

  it("rand and randn, every size (scalar normal path below 16, vectorised from 16)", () => {
    for (const f of ["rand", "randn"] as const) {
      for (const c of fx[f]) {
        kd.manualSeed(c.seed);
        expect(bits(kd[f]([c.n])), `${f}(${c.n}) seed ${c.seed}`).toEqual(bits(c.values));
      }
    }
  });

  it("one stream through every factory, the cached normal included", () => {
    kd.manualSeed(7);
    for (const c of fx.sequence) {
      const a = c.args as number[];
      const t = c.fn === "randint" ? kd.randint(a[0], a[1], [a[2]]) : c.fn === "randperm" ? kd.randperm(a[0]) : kd[c.fn as "rand" | "randn"](a);
      if (c.fn === "randint" || c.fn === "randperm") expect(ints(t), c.fn).toEqual(c.values);
      else expect(bits(t), `${c.fn}(${a})`).toEqual(bits(c.values));
    }
  });

  it("randint (32-bit draws below a range of 2^32, 64-bit at 2^32) and randperm, small and large n", () => {
    for (const c of fx.randint) {
      kd.manualSeed(c.seed);
      expect(ints(kd.randint(c.low, c.high, [c.n])), `randint(${c.low}, ${c.high})`).toEqual(c.values);
    }
    for (const c of fx.randperm) {
      kd.manualSeed(c.seed);
      expect(ints(kd.randperm(c.n)), `randperm(${c.n})`).toEqual(c.values);
    }
  });

  it("uniform_, normal_ and bernoulli_ on a tensor", () => {
    for (const c of fx.uniform_) {
      kd.manualSeed(c.seed);
      expect(bits(kd.zeros([c.n]).uniform_(c.low, c.high)), `uniform_(${c.low}, ${c.high})`).toEqual(bits(c.values));
    }
    for (const c of fx.normal_) {
      kd.manualSeed(c.seed);
      expect(bits(kd.zeros([c.n]).normal_(c.mean, c.std)), `normal_ n=${c.n}`).toEqual(bits(c.values));
    }
    for (const c of fx.bernoulli_) {
      kd.manualSeed(c.seed);
      expect(bits(kd.zeros([c.n]).bernoulli_(c.p)), `bernoulli_(${c.p})`).toEqual(bits(c.values));
    }
    expect(() => kd.zeros([2]).uniform_(1, 0)).toThrow(kd.ValueError);
    expect(() => kd.zeros([2]).normal_(0, -1)).toThrow(/std >= 0/);
    expect(() => kd.zeros([2]).bernoulli_(1.5)).toThrow(/\[0, 1\]/);
  });

  it("dropout and Dropout2d masks", () => {
    for (const c of fx.dropout) {
      const x = kd.tensor(c.input).reshape(c.shape);
      kd.manualSeed(c.seed);
      expect(bits(F.dropout(x, c.p, true)), `dropout(p=${c.p})`).toEqual(bits(c.values));
      kd.manualSeed(c.seed);
      const layer = new nn.Dropout(c.p);
      expect(bits(layer.forward(x))).toEqual(bits(c.values));
    }
    const d = fx.dropout2d;
    kd.manualSeed(d.seed);
    expect(bits(F.dropout2d(kd.tensor(d.input).reshape(d.shape), d.p, true))).toEqual(bits(d.values));
  });

  it("a seeded nn.Linear(3, 2), Conv2d, an MLP and Embedding initialise as torch's", () => {
    kd.manualSeed(42);
    const lin = new nn.Linear(3, 2);
    expect(bits(lin.weight)).toEqual(bits(fx.linear_3_2_seed42.weight));
    expect(bits(lin.bias!)).toEqual(bits(fx.linear_3_2_seed42.bias));
    kd.manualSeed(0);
    const conv = new nn.Conv2d(3, 4, 3);
    expect(bits(conv.weight)).toEqual(bits(fx.conv2d_3_4_3_seed0.weight));
    expect(bits(conv.bias!)).toEqual(bits(fx.conv2d_3_4_3_seed0.bias));
    kd.manualSeed(1);
    const mlp = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 4));
    const sd = mlp.stateDict();
    expect(Object.keys(sd)).toEqual(Object.keys(fx.mlp_seed1));
    for (const [k, v] of Object.entries(sd)) expect(bits(v), k).toEqual(bits(fx.mlp_seed1[k]));
    kd.manualSeed(3);
    expect(bits(new nn.Embedding(10, 4).weight)).toEqual(bits(fx.embedding_10_4_seed3));
  });

  it("getRngState has torch.get_rng_state()'s bytes, and a torch state continues torch's stream", () => {
    kd.manualSeed(42);
    kd.randn([3]).dispose();
    expect(hex(kd.getRngState())).toBe(fx.rng_state_after_seed42_randn3);
    // From torch's state: the 4th normal is the cached one of the second pair (seed 42's randn(4)[3]).
    kd.setRngState(unhex(fx.rng_state_after_seed42_randn3));
    const next = kd.randn([1]);
    kd.manualSeed(42);
    expect(bits(next)).toEqual(bits(kd.randn([4])).slice(3));
  });
});

describe("data.Generator, DataLoader and randomSplit follow torch", () => {
  it("Generator(7) gives torch.Generator().manual_seed(7)'s randperm, randint, float64 rand and state", () => {
    const g = new data.Generator(7);
    expect(Array.from(g.randperm(10))).toEqual(fx.generator_seed7.randperm10);
    expect(Array.from({ length: 5 }, () => g.randint(0, 100))).toEqual(fx.generator_seed7.randint_0_100);
    expect(Array.from({ length: 3 }, () => g.random())).toEqual(fx.generator_seed7.rand_f64);
    expect(hex(g.getState())).toBe(fx.generator_seed7.state_after);
    const h = new data.Generator(1).setState(unhex(fx.generator_seed7.state_after));
    const ref = new data.Generator(1).setState(g.getState());
    expect(Array.from(h.randperm(20))).toEqual(Array.from(ref.randperm(20)));
  });

  it("DataLoader shuffles in torch's order after kd.manualSeed, epoch after epoch, and leaves the engine where torch's does", async () => {
    const ds = new data.TensorDataset(kd.arange(10));
    for (const c of fx.dataloader) {
      kd.manualSeed(c.seed);
      const loader = new data.DataLoader(ds, { batchSize: c.batch, shuffle: true });
      for (const want of c.orders) {
        const got: number[] = [];
        for await (const [x] of loader) got.push(...ints(x));
        expect(got, `seed ${c.seed}`).toEqual(want);
      }
      expect(bits(kd.rand([2]))).toEqual(bits(c.after));
    }
    const u = fx.dataloader_unshuffled; // each epoch still takes a base seed from the engine
    kd.manualSeed(u.seed);
    const plain = new data.DataLoader(ds, { batchSize: u.batch });
    for (const want of u.orders) expect(Array.from(plain, ([x]) => ints(x)).flat()).toEqual(want);
    expect(bits(kd.rand([2]))).toEqual(bits(u.after));
    const g = fx.dataloader_generator9;
    const loader = new data.DataLoader(ds, { batchSize: g.batch, shuffle: true, generator: new data.Generator(9) });
    for (const want of g.orders) {
      const got: number[] = [];
      for (const [x] of loader) got.push(...ints(x));
      expect(got).toEqual(want);
    }
  });

  it("randomSplit with the engine's generator or a seeded Generator", () => {
    const ds = new data.TensorDataset(kd.arange(10));
    kd.manualSeed(3);
    expect(data.randomSplit(ds, [7, 3]).map((s) => Array.from(s.indices))).toEqual(fx.random_split_seed3);
    expect(data.randomSplit(ds, [7, 3], new data.Generator(42)).map((s) => Array.from(s.indices))).toEqual(fx.random_split_generator42);
  });
});

describe("makeCircles / makeBlobs are scikit-learn's", () => {
  it("give sklearn's points and labels for a random_state, with sklearn's defaults", () => {
    for (const [fn, cases] of [["makeCircles", fx.make_circles], ["makeBlobs", fx.make_blobs]] as const) {
      for (const c of cases) {
        const { X, y } = kd.datasets[fn](c.args);
        expect(ints(y), `${fn} ${JSON.stringify(c.args)}`).toEqual(c.y);
        expect(bits(X), `${fn} ${JSON.stringify(c.args)}`).toEqual(bits(c.X));
      }
    }
    const { X, y } = kd.datasets.makeBlobs({ seed: 1 });
    expect(X.shape).toEqual([100, 2]);
    expect(new Set(ints(y))).toEqual(new Set([0, 1, 2]));
  });
});
