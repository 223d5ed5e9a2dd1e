// Checkpoints of a whole run: a run resumed from a checkpoint (fresh model, optimizer, scheduler
// and loader, a disturbed global RNG) gives the uninterrupted run's losses bit for bit on real
// FashionMNIST images; the engine and data generators save and restore their streams exactly;
// bad, mismatched and randomly mutated checkpoints raise CheckpointError and change nothing.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as kd from "../ts/index.js";

const { nn, optim, data, transforms } = kd;
const FMNIST = "/usr/share/datasets/fashion-mnist";
const tmp = mkdtempSync(path.join(tmpdir(), "kd-ckpt-"));

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Every number a run's state holds, to compare "before" and "after" exactly. */
function snapshot(t: { model: kd.nn.Module; optimizer?: kd.optim.Optimizer; scheduler?: { stateDict(): unknown }; loader?: kd.data.DataLoader<any, any> }) {
  const opt = t.optimizer?.stateDict();
  const optState = opt ? Object.entries(opt.state).map(([i, s]) => [i, Object.entries(s).map(([k, v]) => [k, v instanceof kd.Tensor ? Array.from(v.dataSync()) : v])]) : null;
  if (opt) for (const s of Object.values(opt.state)) for (const v of Object.values(s)) if (v instanceof kd.Tensor) v.dispose();
  return {
    model: Object.entries(t.model.stateDict({ keepVars: true })).map(([k, v]) => [k, v.dtype, [...v.shape], Array.from(v.dataSync())]),
    optimizer: opt ? JSON.stringify([opt.param_groups, optState]) : null,
    scheduler: t.scheduler ? JSON.stringify(t.scheduler.stateDict(), (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)) : null,
    rng: hex(kd.getRngState()), // 5056 bytes each: as hex, so comparing snapshots stays cheap
    loader: t.loader?.generator ? hex(t.loader.generator.getState()) : null,
  };
}

describe("RNG state", () => {
  it("getRngState / setRngState continue the engine's stream exactly, cached normal included", () => {
    kd.manualSeed(123);
    kd.randn([3]).dispose(); // an odd count leaves a Box-Muller value cached
    const state = kd.getRngState();
    expect(state).toBeInstanceOf(Uint8Array);
    expect(state.length).toBe(5056); // torch.get_rng_state()'s layout (tests/rng.test.ts checks its bytes)
    const draw = () => [kd.randn([5]), kd.rand([4]), kd.randint(0, 1000, [6]), kd.randperm(7), nn.functional.dropout(kd.ones([16]), 0.5)].map((t) => Array.from(t.dataSync()));
    const want = draw();
    kd.setRngState(state);
    expect(draw()).toEqual(want);
    // the state is the seed's: the same seed gives the same state, another seed another one
    kd.manualSeed(123);
    const s1 = kd.getRngState();
    kd.manualSeed(123);
    expect(kd.getRngState()).toEqual(s1);
    kd.manualSeed(124);
    expect(kd.getRngState()).not.toEqual(s1);
  });

  it("refuses bad states with a ValueError and leaves the generator as it was", () => {
    kd.manualSeed(5);
    const before = kd.getRngState();
    const unseeded = before.slice();
    unseeded[12] = 0; // the seeded flag
    const left = before.slice();
    left[8] = 0; // left = 0: no position
    const next = before.slice();
    next[17] = 3; // next = 768, past the 624 words
    const zeroWords = before.slice();
    zeroWords.fill(0, 24, 5016);
    const bad: [unknown, RegExp][] = [
      [before.subarray(0, 5055), /must be 5056 bytes, got 5055/],
      [new Uint8Array(5057), /must be 5056 bytes, got 5057/],
      [new Uint8Array(5056), /seeded flag/],
      [unseeded, /seeded flag/],
      [left, /position is out of range/],
      [next, /position is out of range/],
      [zeroWords, /all zero/],
      [[...before].map((v, i) => (i === 3 ? 256 : v)), /byte 3/],
      ["abc", /Uint8Array/],
      [null, /Uint8Array/],
    ];
    for (const [s, msg] of bad) {
      expect(() => kd.setRngState(s as Uint8Array), String(msg)).toThrow(kd.ValueError);
      expect(() => kd.setRngState(s as Uint8Array), String(msg)).toThrow(msg);
      expect(kd.getRngState()).toEqual(before);
    }
    expect(() => kd.setRngState(Array.from(before))).not.toThrow(); // plain arrays are accepted
  });

  it("data.Generator getState / setState continue its stream; bad states are ValueErrors", () => {
    const g = new data.Generator(9);
    g.random();
    const st = g.getState();
    const want = [g.randperm(10), g.random(), g.randint(0, 50)];
    g.setState(st);
    expect([g.randperm(10), g.random(), g.randint(0, 50)]).toEqual(want);
    const now = g.getState();
    const edit = (f: (b: Uint8Array) => void) => { const b = now.slice(); f(b); return b; };
    const bad: [ArrayLike<number>, RegExp][] = [
      [now.subarray(0, 5055), /5056 bytes, got 5055/],
      [edit((b) => b.fill(0, 24, 5016)), /all zero/],
      [edit((b) => { b[12] = 0; }), /seeded flag/],
      [edit((b) => new DataView(b.buffer).setInt32(8, 0, true)), /position is out of range/],
      [Array.from(now, (v, i) => (i === 3 ? 256 : v)), /byte 3/],
      [Array.from(now, (v, i) => (i === 7 ? -1 : v)), /byte 7/],
      [Array.from(now, (v, i) => (i === 9 ? 3.5 : v)), /byte 9/],
    ];
    for (const [s, msg] of bad) {
      expect(() => g.setState(s), String(msg)).toThrow(kd.ValueError);
      expect(() => g.setState(s), String(msg)).toThrow(msg);
    }
    expect(g.getState()).toEqual(now);
  });
});

describe("checkpoints", () => {
  let train: kd.datasets.FashionMNIST<kd.Tensor, number>;
  beforeAll(async () => {
    // a random flip drawn from the engine's RNG: the data pipeline depends on the RNG state too
    train = await kd.datasets.FashionMNIST.load({ root: FMNIST, train: true, transform: new transforms.Compose([new transforms.RandomHorizontalFlip(0.5), new transforms.ToTensor()]) }) as never;
  });

  /** A small CNN with Dropout, Adam with weight decay, StepLR, a seeded shuffling loader over 256 real images. */
  function makeRun(initSeed: number, loaderSeed: number) {
    kd.manualSeed(initSeed);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Dropout(0.3), new nn.Linear(4 * 14 * 14, 10),
    );
    const optimizer = new optim.Adam(model.parameters(), { lr: 3e-3, weightDecay: 1e-4 });
    const scheduler = new optim.StepLR(optimizer, { stepSize: 1, gamma: 0.7 });
    const loader = new data.DataLoader(new data.Subset(train, Array.from({ length: 256 }, (_, i) => i)), { batchSize: 32, shuffle: true, seed: loaderSeed });
    return { model, optimizer, scheduler, loader };
  }

  const lossFn = new nn.CrossEntropyLoss();
  async function trainEpochs(run: ReturnType<typeof makeRun>, epochs: number, losses: number[]) {
    for (let e = 0; e < epochs; e++) {
      run.model.train();
      for await (const [x, y] of run.loader as AsyncIterable<[kd.Tensor, kd.Tensor]>) {
        const loss = lossFn.forward(run.model.forward(x), y);
        run.optimizer.zeroGrad();
        loss.backward();
        run.optimizer.step();
        losses.push(loss.item() as number);
        x.dispose(); y.dispose(); loss.dispose();
      }
      run.scheduler.step();
    }
  }

  it("a run resumed from a checkpoint gives the uninterrupted run's losses bit for bit", async () => {
    // Run A: 4 epochs without a break.
    const a = makeRun(1, 2024);
    const lossesA: number[] = [];
    await trainEpochs(a, 4, lossesA);
    expect(lossesA.length).toBe(32);
    expect(lossesA.slice(-8).reduce((s, v) => s + v) / 8).toBeLessThan(lossesA.slice(0, 8).reduce((s, v) => s + v) / 8); // it learns

    // Run B: 2 epochs, a checkpoint, then fresh objects built differently, and a disturbed RNG.
    const b = makeRun(1, 2024);
    const lossesB: number[] = [];
    await trainEpochs(b, 2, lossesB);
    expect(lossesB).toEqual(lossesA.slice(0, 16));
    const file = path.join(tmp, "run.safetensors");
    await kd.saveCheckpoint(file, { ...b, epoch: 2, step: 16, extra: { note: "half way", best: Infinity, hist: lossesB.slice(0, 2) } });
    expect(readdirSync(tmp).filter((f) => f.includes(".tmp"))).toEqual([]); // written through a temp file + rename
    const atSave = snapshot(b);

    const c = makeRun(99, 7);
    kd.manualSeed(31337);
    kd.randn([11]).dispose();
    expect(snapshot(c).model).not.toEqual(atSave.model);
    expect(snapshot(c).rng).not.toEqual(atSave.rng);
    expect(snapshot(c).loader).not.toEqual(atSave.loader);
    const info = await kd.loadCheckpoint(file, c);
    expect(info).toEqual({ epoch: 2, step: 16, extra: { note: "half way", best: Infinity, hist: lossesB.slice(0, 2) } });
    expect(snapshot(c)).toEqual(atSave); // model, optimizer, scheduler, RNG and loader generator
    const lossesC: number[] = [];
    await trainEpochs(c, 2, lossesC);
    expect(lossesC).toEqual(lossesA.slice(16)); // bit for bit
    expect(snapshot(c).model).toEqual(snapshot(a).model);

    // Without the RNG state (dropout masks, flips) the continuation differs: the state matters.
    const d = makeRun(99, 7);
    await kd.loadCheckpoint(file, { ...d, restoreRng: false });
    const lossesD: number[] = [];
    await trainEpochs(d, 1, lossesD);
    expect(lossesD).not.toEqual(lossesA.slice(16, 24));
  });

  it("resumes SGD with momentum, every scheduler, and a loader that shuffles from the engine's RNG", async () => {
    const schedulers: [string, (o: kd.optim.Optimizer) => { step(m: number): void; stateDict(): Record<string, unknown>; loadStateDict(s: Record<string, unknown>): void }][] = [
      ["MultiStepLR", (o) => new optim.MultiStepLR(o, { milestones: [1, 3], gamma: 0.5 })],
      ["CosineAnnealingLR", (o) => new optim.CosineAnnealingLR(o, { tMax: 3, etaMin: 0.001 })],
      ["ExponentialLR", (o) => new optim.ExponentialLR(o, { gamma: 0.9 })],
      ["OneCycleLR", (o) => new optim.OneCycleLR(o, { maxLr: 0.1, totalSteps: 10 })],
      ["ReduceLROnPlateau", (o) => new optim.ReduceLROnPlateau(o, { patience: 0, factor: 0.5 })],
    ];
    const x = (() => { kd.manualSeed(0); return kd.randn([48, 6]); })();
    const y = kd.randint(0, 3, [48]);
    for (const [name, makeSched] of schedulers) {
      const make = (seed: number) => {
        kd.manualSeed(seed);
        const model = new nn.Sequential(new nn.Linear(6, 8), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(8, 3));
        const optimizer = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true });
        const scheduler = makeSched(optimizer);
        const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 16, shuffle: true }); // no generator of its own
        return { model, optimizer, scheduler, loader };
      };
      const epochs = async (r: ReturnType<typeof make>, n: number, out: number[]) => {
        for (let e = 0; e < n; e++) {
          let total = 0;
          for (const [xb, yb] of r.loader as Iterable<[kd.Tensor, kd.Tensor]>) {
            const loss = lossFn.forward(r.model.forward(xb), yb);
            r.optimizer.zeroGrad();
            loss.backward();
            r.optimizer.step();
            out.push(loss.item() as number);
            total += loss.item() as number;
            loss.dispose(); xb.dispose(); yb.dispose();
          }
          r.scheduler.step(total);
        }
      };
      const a = make(3);
      const lossesA: number[] = [];
      await epochs(a, 4, lossesA);
      const b = make(3);
      const lossesB: number[] = [];
      await epochs(b, 2, lossesB);
      const bytes = kd.serializeCheckpoint({ ...b, epoch: 2 });
      const c = make(8);
      kd.randn([3]).dispose();
      expect((await kd.loadCheckpoint(bytes, c)).epoch, name).toBe(2);
      const lossesC: number[] = [];
      await epochs(c, 2, lossesC);
      expect(lossesB.concat(lossesC), name).toEqual(lossesA);
      expect(c.scheduler.stateDict(), name).toEqual(a.scheduler.stateDict());
    }
  });

  it("is a safetensors file with the model under PyTorch's key names and the rest in the metadata", async () => {
    kd.manualSeed(4);
    const model = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
    const optimizer = new optim.Adam(model.parameters());
    model.forward(kd.randn([4, 3])).sum().backward();
    optimizer.step();
    const { tensors, metadata } = await kd.load(kd.serializeCheckpoint({ model, optimizer, epoch: 1 }));
    expect(Object.keys(tensors).sort()).toEqual([
      "model.0.bias", "model.0.weight", "model.1.bias", "model.1.num_batches_tracked", "model.1.running_mean", "model.1.running_var", "model.1.weight",
      "optimizer.state.0.exp_avg", "optimizer.state.0.exp_avg_sq", "optimizer.state.1.exp_avg", "optimizer.state.1.exp_avg_sq",
      "optimizer.state.2.exp_avg", "optimizer.state.2.exp_avg_sq", "optimizer.state.3.exp_avg", "optimizer.state.3.exp_avg_sq",
    ]);
    expect(metadata).toMatchObject({ format: "kindling.checkpoint", version: "1", epoch: "1", rng_state: expect.stringMatching(/^[0-9a-f]{10112}$/) });
    expect(JSON.parse(metadata.optimizer)).toMatchObject({ class: "Adam", param_groups: [{ lr: 0.001, betas: [0.9, 0.999], params: [0, 1, 2, 3] }], state: { 0: { step: 1, exp_avg: { $tensor: true } } } });
    for (const t of Object.values(tensors)) t.dispose();
  });

  it("saves to a Blob without a path, and takes a data.Generator as the loader", async () => {
    kd.manualSeed(6);
    const model = new nn.Linear(2, 2);
    const gen = new data.Generator(77);
    gen.random();
    const blob = await kd.saveCheckpoint(undefined, { model, loader: gen, step: 5 });
    expect(blob).toBeInstanceOf(Blob);
    const want = [gen.random(), gen.random()];
    const other = new data.Generator(1);
    const fresh = new nn.Linear(2, 2);
    expect(await kd.loadCheckpoint(blob as Blob, { model: fresh, loader: other })).toEqual({ epoch: undefined, step: 5, extra: undefined });
    expect([other.random(), other.random()]).toEqual(want);
    expect(Array.from(fresh.weight.dataSync())).toEqual(Array.from(model.weight.dataSync()));
  });

  describe("bad checkpoints", () => {
    function smallRun(hidden = 5, seed = 1) {
      kd.manualSeed(seed);
      const model = new nn.Sequential(new nn.Linear(4, hidden), new nn.Tanh(), new nn.Linear(hidden, 3));
      const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
      const scheduler = new optim.StepLR(optimizer, { stepSize: 2, gamma: 0.5 });
      const loader = new data.DataLoader(new data.TensorDataset(kd.randn([8, 4])), { batchSize: 4, shuffle: true, seed: seed + 1 });
      const loss = model.forward(kd.randn([6, 4])).square().mean();
      loss.backward();
      optimizer.step();
      scheduler.step();
      return { model, optimizer, scheduler, loader };
    }

    it("truncated, foreign, wrong keys, wrong shapes, wrong optimizer/scheduler/loader: a CheckpointError, nothing changed", async () => {
      const good = kd.serializeCheckpoint({ ...smallRun(), epoch: 3 });
      const plain = kd.safetensors.serialize(smallRun().model.stateDict());
      const other = smallRun(5, 2);
      const cases: [string, Uint8Array, Partial<ReturnType<typeof smallRun>>, RegExp][] = [
        ["truncated", good.subarray(0, good.length - 10), {}, /past the end/],
        ["header only", good.subarray(0, 50), {}, /past the end/],
        ["a plain state dict", plain, {}, /not a Kindling checkpoint/],
        ["wrong keys", kd.serializeCheckpoint({ model: new nn.Sequential(new nn.Linear(4, 5), new nn.Linear(5, 3), new nn.ReLU()) }), { optimizer: undefined, scheduler: undefined, loader: undefined }, /missing key\(s\) "2.weight", "2.bias"; unexpected key\(s\) "1.bias", "1.weight"/],
        ["wrong shapes", kd.serializeCheckpoint(smallRun(6)), {}, /"0.weight" has shape \[6, 4\] in the checkpoint but \[5, 4\] in the model/],
        ["no optimizer saved", kd.serializeCheckpoint({ model: smallRun().model }), { scheduler: undefined, loader: undefined }, /no optimizer state/],
        ["another optimizer", kd.serializeCheckpoint({ model: other.model, optimizer: new optim.SGD(other.model.parameters(), { lr: 0.1, momentum: 0.9 }) }), { scheduler: undefined, loader: undefined }, /optimizer is "SGD", this one is Adam/],
        ["another scheduler", kd.serializeCheckpoint({ model: other.model, optimizer: other.optimizer, scheduler: new optim.ExponentialLR(other.optimizer, { gamma: 0.5 }) }), { loader: undefined }, /scheduler is "ExponentialLR", this one is StepLR/],
        ["loader without generator", kd.serializeCheckpoint({ model: other.model, loader: new data.DataLoader(new data.TensorDataset(kd.zeros([2])), { shuffle: true }) }), { optimizer: undefined, scheduler: undefined }, /had no Generator/],
      ];
      // A file that passes every structural check but whose lr the optimizer refuses: the scheduler
      // state, restored first, must be put back.
      const { tensors, metadata } = kd.safetensors.deserialize(good);
      const opt = JSON.parse(metadata.optimizer);
      opt.param_groups[0].lr = -1;
      const sched = JSON.parse(metadata.scheduler);
      sched.state.last_epoch = 40;
      cases.push(["optimizer refuses", kd.safetensors.serialize(tensors, { ...metadata, optimizer: JSON.stringify(opt), scheduler: JSON.stringify(sched) }), {}, /optimizer: .*Invalid learning rate: -1/]);
      const badRng = { ...metadata, rng_state: "00".repeat(5056) };
      cases.push(["zero rng state", kd.safetensors.serialize(tensors, badRng), {}, /rng_state: setRngState: .*seeded flag is 0/]);
      const stray = { ...tensors, "optimizer.state.9.exp_avg": kd.zeros([2]) };
      cases.push(["stray optimizer tensor", kd.safetensors.serialize(stray, metadata), {}, /"optimizer.state.9.exp_avg" is not part of the optimizer's state/]);
      const strayModel = { ...tensors, "weights.x": kd.zeros([2]) };
      cases.push(["tensor outside model/optimizer", kd.safetensors.serialize(strayModel, metadata), {}, /unexpected tensor "weights.x"/]);
      for (const t of Object.values(tensors)) t.dispose();

      for (const [name, bytes, override, msg] of cases) {
        const run = { ...smallRun(5, 9), ...override };
        const targets = Object.fromEntries(Object.entries(run).filter(([, v]) => v !== undefined)) as ReturnType<typeof smallRun>;
        const before = snapshot(targets);
        const live = kd.memory().liveTensors;
        const err = await kd.loadCheckpoint(bytes, targets).then(() => null, (e) => e);
        expect(err, name).toBeInstanceOf(kd.CheckpointError);
        expect(err, name).toBeInstanceOf(kd.safetensors.SafetensorsError);
        expect(String(err.message), name).toMatch(msg);
        expect(snapshot(targets), name).toEqual(before);
        expect(kd.memory().liveTensors, name).toBe(live); // the file's tensors were freed
      }
      // the good file still loads into the same kind of run
      await expect(kd.loadCheckpoint(good, smallRun(5, 9))).resolves.toEqual({ epoch: 3, step: undefined, extra: undefined });
    });

    it("bad arguments to saveCheckpoint are ValueErrors naming the culprit", () => {
      const run = smallRun();
      expect(() => kd.serializeCheckpoint({ model: {} as never })).toThrow(/model must be an nn.Module, got Object/);
      expect(() => kd.serializeCheckpoint({ model: run.model, epoch: -1 })).toThrow(/epoch must be a non-negative integer, got -1/);
      expect(() => kd.serializeCheckpoint({ model: run.model, extra: { w: kd.zeros([1]) } })).toThrow(/extra.w is a Tensor/);
      expect(() => kd.serializeCheckpoint({ model: run.model, extra: { f: () => 1 } })).toThrow(kd.ValueError);
      const live = kd.memory().liveTensors;
      expect(() => kd.serializeCheckpoint({ ...run, extra: new Map() })).toThrow(/extra is a Map/);
      expect(kd.memory().liveTensors).toBe(live); // the optimizer state copies were freed
    });

    it("survives 1,500 randomly mutated checkpoints: a valid load or a CheckpointError that changed nothing", async () => {
      const good = kd.serializeCheckpoint({ ...smallRun(), epoch: 1, step: 2, extra: { a: [1, 2] } });
      const n = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + n)));
      let seed = 99;
      const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
      const junk = [-1, 0, 1, 2.5, 1e300, -1e300, "x", "", null, true, [], {}, [1, 2, 3, 4], { $kd: "NaN" }, { $kd: "bogus" }, { $tensor: true }, "00ff"];
      /** Mutates one value somewhere inside a JSON value. */
      const mutateJson = (v: unknown, depth = 0): unknown => {
        if (v === null || typeof v !== "object" || depth > 6 || rnd() < 0.25) return pick(junk);
        if (Array.isArray(v)) {
          if (!v.length || rnd() < 0.15) return [...v, pick(junk)];
          const c = v.slice();
          const i = Math.floor(rnd() * c.length);
          if (rnd() < 0.15) c.splice(i, 1);
          else c[i] = mutateJson(c[i], depth + 1);
          return c;
        }
        const c = { ...(v as Record<string, unknown>) };
        const keys = Object.keys(c);
        if (!keys.length || rnd() < 0.1) c[pick(["x", "$kd", "lr", "0"])] = pick(junk);
        else {
          const k = pick(keys);
          if (rnd() < 0.15) delete c[k];
          else c[k] = mutateJson(c[k], depth + 1);
        }
        return c;
      };
      const mutate = (): Uint8Array => {
        if (rnd() < 0.4) { // bytes: flips and truncation
          const b = good.slice(0, rnd() < 0.2 ? Math.floor(rnd() * good.length) : good.length);
          for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) if (b.length) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
          return b;
        }
        // structure: one value of the header, or of a JSON document inside the metadata
        const h = structuredClone(header);
        const meta = h.__metadata__;
        if (rnd() < 0.6) {
          const k = pick(Object.keys(meta));
          let inner: unknown;
          try { inner = JSON.parse(meta[k]); } catch { inner = meta[k]; }
          const m = mutateJson(inner);
          meta[k] = rnd() < 0.9 ? JSON.stringify(m) : m;
        } else {
          const k = pick(Object.keys(h));
          h[k] = mutateJson(h[k]);
        }
        const json = new TextEncoder().encode(JSON.stringify(h));
        const out = new Uint8Array(8 + json.length + good.length - 8 - n);
        new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
        out.set(json, 8);
        out.set(good.subarray(8 + n), 8 + json.length);
        return out;
      };
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      const run = smallRun(5, 9);
      let before = snapshot(run);
      const live = kd.memory().liveTensors;
      let errors = 0, loads = 0;
      const t0 = performance.now();
      try {
        for (let i = 0; i < 1500; i++) {
          const bytes = mutate();
          try {
            await kd.loadCheckpoint(bytes, run);
            loads++;
            before = snapshot(run);
          } catch (e) {
            if (!(e instanceof kd.CheckpointError)) throw new Error(`mutation ${i}: ${(e as Error).name}: ${(e as Error).message}`);
            errors++;
            expect(snapshot(run), `mutation ${i}: ${(e as Error).message}`).toEqual(before);
          }
          expect(kd.memory().liveTensors).toBe(live);
        }
      } finally {
        warn.mockRestore();
      }
      expect(errors).toBeGreaterThan(700);
      expect(loads).toBeGreaterThan(50);
      expect(performance.now() - t0).toBeLessThan(20_000);
      // the engine is alive and the run trains on
      run.model.forward(kd.ones([2, 4])).sum().backward();
      run.optimizer.step();
      expect(kd.ones([3]).sum().item()).toBe(3);
    });
  });

  describe("NaN and Inf weights", () => {
    it("kd.load and loadCheckpoint warn in one line naming the tensors and counts, and still load", async () => {
      kd.manualSeed(2);
      const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Linear(4, 2));
      const poison = (t: kd.Tensor, at: Record<number, number>) => {
        const v = t.dataSync() as Float32Array;
        for (const [i, x] of Object.entries(at)) v[Number(i)] = x;
        kd.noGrad(() => t.copy_(kd.tensor(v).reshape([...t.shape])));
      };
      const own = model.stateDict({ keepVars: true });
      poison(own["0.weight"], { 0: NaN, 5: Infinity, 7: NaN });
      poison(own["1.bias"], { 1: -Infinity });
      const file = path.join(tmp, "nan.safetensors");
      await kd.save(model.stateDict(), file);
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      try {
        const { tensors } = await kd.load(file);
        expect(warn).toHaveBeenCalledTimes(1);
        const line = String(warn.mock.calls[0][0]);
        expect(line).not.toContain("\n");
        expect(line).toContain(`kd.load(${JSON.stringify(file)})`);
        expect(line).toContain(`"0.weight" (2 NaN, 1 Inf)`);
        expect(line).toContain(`"1.bias" (1 Inf)`);
        expect(line).not.toContain("0.bias");
        const w = tensors["0.weight"].dataSync();
        expect([Number.isNaN(w[0]), w[5], Number.isNaN(w[7]), w[1]]).toEqual([true, Infinity, true, model.stateDict({ keepVars: true })["0.weight"].dataSync()[1]]);

        warn.mockClear();
        const fresh = new nn.Sequential(new nn.Linear(3, 4), new nn.Linear(4, 2));
        await kd.loadCheckpoint(kd.serializeCheckpoint({ model }), { model: fresh });
        expect(warn).toHaveBeenCalledTimes(1);
        expect(String(warn.mock.calls[0][0])).toMatch(/^loadCheckpoint: 2 tensor\(s\) hold NaN or Inf values, loaded anyway: "model.0.weight" \(2 NaN, 1 Inf\), "model.1.bias" \(1 Inf\)$/);
        expect(Number.isNaN(fresh.stateDict({ keepVars: true })["0.weight"].dataSync()[7])).toBe(true);

        warn.mockClear();
        await kd.load(kd.safetensors.serialize(new nn.Linear(2, 2).stateDict()));
        expect(warn).not.toHaveBeenCalled(); // clean weights: silent
      } finally {
        warn.mockRestore();
      }
      expect(existsSync(file) && readFileSync(file).length > 0).toBe(true);
    });
  });
});
