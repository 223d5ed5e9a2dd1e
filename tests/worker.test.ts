// kd.worker in Node: the engine in a worker_threads Worker (the built dist/worker.js) behind
// Comlink. Trains on real FashionMNIST with progress while the main thread's timers keep
// firing; predictions and evaluation equal the same weights run on the main thread; weights,
// tensors (transferred, detaching the sender) and typed errors cross; cancel stops; a worker
// killed or exiting mid-train rejects what is pending with a WorkerError, and respawns.
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

const dist = new URL("../dist/", import.meta.url);
const fixtureModule = new URL("./worker-fixture.mjs", import.meta.url).href;
const FASHION = { name: "FashionMNIST" } as const;

/** Runs `f` while a 10 ms setInterval ticks on this thread: the ticks seen and the longest gap between them. */
async function whileTicking<T>(f: () => Promise<T>): Promise<{ value: T; ticks: number; maxGap: number; ms: number }> {
  const t0 = performance.now();
  let last = t0, ticks = 0, maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 10);
  try {
    const value = await f();
    return { value, ticks, maxGap: Math.max(maxGap, performance.now() - last), ms: performance.now() - t0 };
  } finally {
    clearInterval(timer);
  }
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** The same model on this thread, with the worker's weights. */
async function mainThreadCopy(w: kd.worker.KindlingWorker, name: string): Promise<kd.nn.Module> {
  const model = kd.models.makeModel(name);
  model.loadStateDict(kd.worker.fromPayloads(await w.stateDict()));
  return model.eval();
}

describe("kd.worker (Node worker_threads, dist/worker.js)", () => {
  let w: kd.worker.KindlingWorker;
  let test: kd.datasets.FashionMNIST<kd.Tensor>;

  beforeAll(async () => {
    if (!existsSync(new URL("worker.js", dist))) throw new Error("dist/worker.js is missing: run `npm run build:ts` first");
    w = await kd.worker.spawn({ variant: kd.getEngine().variant as "simd" | "relaxed", imports: [fixtureModule] });
    test = await kd.datasets.FashionMNIST.load({ train: false, transform: new kd.transforms.ToTensor() });
  });
  afterAll(async () => {
    await w?.terminate();
  });

  it("spawns, and builds TinyVGG from the built-in factory with the main thread's keys and sizes", async () => {
    expect(w.alive).toBe(true);
    expect(w.variant).toBe(kd.getEngine().variant);
    const info = await w.build({ factory: "tinyvgg" });
    const here = kd.models.makeModel("tinyvgg");
    expect(info.parameters).toBe(here.numParameters());
    expect(info.keys).toEqual(Object.keys(here.stateDict()));
    expect(info.summary).toBe(here.toString());
  });

  it("trains TinyVGG on real FashionMNIST with progress, while this thread's timer keeps firing", async () => {
    const progress: kd.worker.TrainProgress[] = [];
    const { value: r, ticks, maxGap, ms } = await whileTicking(() =>
      w.train({ dataset: { ...FASHION, limit: 640 }, batchSize: 32, seed: 1, epochs: 1, progressEvery: 4 }, (p) => progress.push(p)));
    console.log(`[worker] TinyVGG 20 steps in the worker: ${ms.toFixed(0)} ms, ${r.samplesPerSec.toFixed(0)} samples/s; main-thread 10 ms timer: ${ticks} ticks, longest gap ${maxGap.toFixed(1)} ms`);
    expect(r).toMatchObject({ steps: 20, epochs: 1, samples: 640, cancelled: false });
    expect(progress.map((p) => p.step)).toEqual([4, 8, 12, 16, 20]);
    for (const p of progress) {
      expect(p.epoch).toBe(1);
      expect(p.totalSteps).toBe(20);
      expect(Number.isFinite(p.loss) && p.loss > 0).toBe(true);
      expect(p.accuracy).toBeGreaterThanOrEqual(0);
      expect(p.samplesPerSec).toBeGreaterThan(0);
    }
    // A blocked main thread would show one gap as long as the training (over a second); here it
    // ticks throughout. The bound leaves room for a busy 2-core CI machine descheduling us.
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(ms / 10 / 4));
    expect(maxGap).toBeLessThan(250);
  });

  it("evaluate() and predict() give what the same weights give on the main thread", async () => {
    const model = await mainThreadCopy(w, "tinyvgg");
    const [x, y] = test.getBatch(Array.from({ length: 256 }, (_, i) => i));
    const want = kd.noGrad(() => model.forward(x));
    const got = kd.worker.fromPayload(await w.predict(x));
    expect(got.shape).toEqual([256, 10]);
    expect(maxAbsDiff(got.dataSync(), want.dataSync())).toBeLessThanOrEqual(1e-6);

    const ev = await w.evaluate({ ...FASHION, train: false, limit: 256 }, { batchSize: 64 });
    const loss = kd.noGrad(() => new kd.nn.CrossEntropyLoss().forward(want, y).item() as number);
    const acc = (want.argmax(1).eq(y).sum().item() as number) / 256;
    expect(ev.samples).toBe(256);
    expect(Math.abs(ev.loss - loss)).toBeLessThanOrEqual(1e-5);
    expect(ev.accuracy).toBe(acc);
  });

  it("a state dict goes in and comes back out unchanged, in transferred buffers", async () => {
    kd.manualSeed(7);
    const here = kd.models.makeModel("tinyvgg").eval();
    const sd = here.stateDict();
    expect(await w.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const back = await w.stateDict();
    expect(Object.keys(back)).toEqual(Object.keys(sd));
    for (const [k, t] of Object.entries(sd)) {
      expect(back[k].shape, k).toEqual(t.shape);
      expect(back[k].dtype, k).toBe(t.dtype);
      expect(Array.from(back[k].data), k).toEqual(Array.from(t.dataSync()));
      expect(back[k].data.buffer.byteLength, `${k}: a buffer of its own`).toBe(back[k].data.byteLength);
    }
    const x = kd.randn([8, 1, 28, 28]);
    const got = kd.worker.fromPayload(await w.predict(x));
    expect(maxAbsDiff(got.dataSync(), kd.noGrad(() => here.forward(x)).dataSync())).toBeLessThanOrEqual(1e-6);
  });

  it("learns: an MLP trained in the worker on 4,096 images passes 65% test accuracy", async () => {
    const info = await w.build({ factory: "mlp" });
    expect(info.parameters).toBe(784 * 256 + 256 + 256 * 10 + 10);
    const r = await w.train({ dataset: { ...FASHION, limit: 4096 }, batchSize: 32, seed: 0, epochs: 1, optimizer: { name: "SGD", lr: 0.1 } });
    expect(r.steps).toBe(128);
    const ev = await w.evaluate({ ...FASHION, train: false, limit: 2000 });
    console.log(`[worker] MLP, 1 epoch on 4,096 images: ${r.samplesPerSec.toFixed(0)} samples/s, test accuracy ${ev.accuracy!.toFixed(3)} on 2,000`);
    expect(ev.accuracy).toBeGreaterThan(0.65);
  });

  it("tensors cross as transferred payloads: the sender's array is detached and says so when used", async () => {
    const x = kd.randn([4, 1, 28, 28]);
    const p = kd.worker.toPayload(x);
    const copy = p.data.slice();
    const out = kd.worker.fromPayload(await w.predict(p));
    expect(out.shape).toEqual([4, 10]);
    expect(kd.worker.isDetached(p.data)).toBe(true);
    expect(p.data.length).toBe(0);
    expect(() => kd.tensor(p.data)).toThrow(kd.ValueError);
    expect(() => kd.tensor(p.data)).toThrow(/tensor\(\): the Float32Array was transferred to a worker/);
    expect(() => kd.worker.fromPayload(p)).toThrow(/was transferred to a worker/);
    await expect(w.predict(p)).rejects.toThrow(kd.ValueError);
    await expect(w.predict(p)).rejects.toThrow(/predict\(x\)\.data: the Float32Array was transferred to a worker/);
    // The same values sent again (a fresh copy) give the same output.
    const again = kd.worker.fromPayload(await w.predict({ data: copy, shape: [4, 1, 28, 28], dtype: "float32" }));
    expect(Array.from(again.dataSync())).toEqual(Array.from(out.dataSync()));
    // A Tensor argument is copied out, not detached.
    await w.predict(x);
    expect(x.dataSync().length).toBe(4 * 784);
  });

  it("errors thrown in the worker arrive as the same typed class with the same message", async () => {
    const here = kd.models.makeModel("mlp");
    const bad = kd.randn([2, 3]);
    let local: Error | undefined;
    try { here.forward(bad); } catch (e) { local = e as Error; }
    expect(local).toBeInstanceOf(kd.ShapeError);
    const remote = await w.predict(bad).catch((e: Error) => e);
    expect(remote).toBeInstanceOf(kd.ShapeError);
    expect((remote as Error).name).toBe("ShapeError");
    expect((remote as Error).message).toBe(local!.message);

    const unknown = await w.build({ factory: "resnet9000" }).catch((e: Error) => e);
    expect(unknown).toBeInstanceOf(kd.ValueError);
    expect((unknown as Error).message).toMatch(/^unknown model factory "resnet9000": registered are "tinyvgg", "mlp", "linear", "small-mlp"/);

    const { ["3.bias"]: _dropped, ...partial } = here.stateDict();
    const sdErr = await w.loadStateDict(partial).catch((e: Error) => e);
    expect(sdErr).toBeInstanceOf(kd.nn.StateDictError);
    expect((sdErr as kd.nn.StateDictError).missingKeys).toEqual(["3.bias"]);
    expect((sdErr as Error).message).toMatch(/Missing key\(s\) in state_dict: "3.bias"/);

    const custom = await w.build({ factory: "over-quota" }).catch((e: Error) => e);
    expect(custom).toBeInstanceOf(kd.ValueError);
    expect(custom).toMatchObject({ name: "QuotaError", message: "model quota of 5 reached", quota: 5 });
    expect((custom as Error).stack).toMatch(/worker-fixture\.mjs/); // the worker's stack

    await expect(w.train({ dataset: { ...FASHION, limit: 64 }, loss: "HingeLoss" as never })).rejects.toThrow(/unknown loss "HingeLoss"/);
    await expect(w.train({ dataset: { name: "CIFAR-11" } })).rejects.toThrow(kd.ValueError);
  });

  it("builds a declarative Sequential of kd.nn layers and a factory registered by an imported module", async () => {
    const info = await w.build({ layers: [["Flatten"], ["Linear", 784, 32], { type: "ReLU" }, ["Dropout", 0.1], ["Linear", 32, 10]] });
    expect(info.keys).toEqual(["1.weight", "1.bias", "4.weight", "4.bias"]);
    expect(info.parameters).toBe(784 * 32 + 32 + 32 * 10 + 10);
    await expect(w.build({ layers: [["Linear", 784, 10], ["NoSuchLayer"]] })).rejects.toThrow(/layers\[1\]: unknown layer "NoSuchLayer"/);
    const small = await w.build({ factory: "small-mlp", args: [8] });
    expect(small.parameters).toBe(784 * 8 + 8 + 8 * 10 + 10);
  });

  it("cancel() stops a running train() at the next step boundary", async () => {
    await w.build({ factory: "mlp" });
    let cancelledAt = 0, firstStep = 0;
    const r = await w.train({ dataset: { ...FASHION, limit: 4096 }, batchSize: 32, epochs: 50, progressEvery: 2 }, (p) => {
      if (firstStep) return;
      firstStep = p.step;
      cancelledAt = performance.now();
      void w.cancel();
    });
    const latency = performance.now() - cancelledAt;
    console.log(`[worker] cancel: train resolved ${latency.toFixed(1)} ms after cancel(), at step ${r.steps}`);
    expect(r.cancelled).toBe(true);
    expect(r.steps).toBeGreaterThanOrEqual(firstStep);
    expect(r.steps).toBeLessThan(firstStep + 20);
    expect(latency).toBeLessThan(1000);
    expect(await w.cancel()).toBe(false); // nothing running now

    // A second train() while one runs is refused, and leaves the first running to its end.
    const first = w.train({ dataset: { ...FASHION, limit: 640 }, epochs: 1 });
    await expect(w.train({ dataset: { ...FASHION, limit: 64 } })).rejects.toThrow(/train\(\) cannot run while train\(\) runs/);
    await expect(w.build({ factory: "mlp" })).rejects.toThrow(/build\(\) cannot run while train\(\) runs/);
    expect(await first).toMatchObject({ steps: 20, cancelled: false });
  });

  it("a worker terminated from outside mid-train rejects every pending call with a WorkerError within a second; respawn() works", async () => {
    await w.build({ factory: "tinyvgg" });
    let killedAt = 0;
    let other: Promise<unknown> | undefined;
    const training = w.train({ dataset: { ...FASHION, limit: 6400 }, epochs: 10, progressEvery: 1 }, () => {
      if (killedAt) return;
      other = w.evaluate({ ...FASHION, train: false }).catch((e: Error) => e);
      killedAt = performance.now();
      void w.worker.terminate();
    });
    const err = await training.catch((e: Error) => e);
    const latency = performance.now() - killedAt;
    console.log(`[worker] killed mid-train: train() rejected ${latency.toFixed(1)} ms later`);
    expect(err).toBeInstanceOf(kd.WorkerError);
    expect((err as Error).message).toMatch(/^train\(\) failed: the kindling worker was terminated while the call was pending/);
    expect(latency).toBeLessThan(1000);
    expect(await other).toBeInstanceOf(kd.WorkerError);
    expect(w.alive).toBe(false);
    await expect(w.stateDict()).rejects.toThrow(/stateDict\(\): the kindling worker was terminated; call respawn\(\)/);

    await w.respawn();
    expect(w.alive).toBe(true);
    await w.build({ factory: "small-mlp" }); // the imports ran again in the new worker
    const y = kd.worker.fromPayload(await w.predict(kd.randn([3, 1, 28, 28])));
    expect(y.shape).toEqual([3, 10]);
  });

  it("a worker that exits or throws by itself rejects with a WorkerError naming why", async () => {
    await w.build({ factory: "small-mlp" });
    const exited = await w.train({ dataset: { name: "dies-after", options: { after: 100, code: 3 } }, steps: 50 }).catch((e: Error) => e);
    expect(exited).toBeInstanceOf(kd.WorkerError);
    expect((exited as Error).message).toMatch(/the kindling worker exited with code 3/);

    await w.respawn();
    await w.build({ factory: "small-mlp" });
    const thrown = await w.train({ dataset: { name: "dies-after", options: { after: 100, mode: "throw" } }, steps: 50 }).catch((e: Error) => e);
    expect(thrown).toBeInstanceOf(kd.WorkerError);
    expect((thrown as Error).message).toMatch(/the kindling worker crashed: boom from the data source/);

    await w.respawn();
    expect((await w.build({ factory: "linear" })).parameters).toBe(7850);
  });

  it("a worker out of memory (Node resourceLimits) rejects with a WorkerError saying so", async () => {
    const small = await kd.worker.spawn({ imports: [fixtureModule], resourceLimits: { maxOldGenerationSizeMb: 48 } });
    try {
      await small.build({ factory: "small-mlp" });
      const t0 = performance.now();
      const err = await small.train({ dataset: { name: "dies-after", options: { after: 10, mode: "hog" } }, steps: 5 }).catch((e: Error) => e);
      console.log(`[worker] out of memory: rejected after ${(performance.now() - t0).toFixed(0)} ms: ${(err as Error).message}`);
      expect(err).toBeInstanceOf(kd.WorkerError);
      expect((err as Error).message).toMatch(/^train\(\) failed: the kindling worker crashed: .*out of memory/i);
      expect(small.alive).toBe(false);
    } finally {
      await small.terminate();
    }
  });

  it("an empty dataset is a ValueError, not a loop that never ends", async () => {
    await w.build({ factory: "linear" });
    const x = { data: new Float32Array(0), shape: [0, 1, 28, 28], dtype: "float32" as const };
    const y = { data: new Int32Array(0), shape: [0], dtype: "int32" as const };
    await expect(w.train({ dataset: { tensors: { x, y } }, steps: 10 })).rejects.toThrow(/^train\(\): the dataset gives no batch \(0 samples/);
    const few = { x: kd.zeros([5, 1, 28, 28]), y: kd.zeros([5], { dtype: "int32" }) };
    await expect(w.train({ dataset: { tensors: few }, batchSize: 8, dropLast: true })).rejects.toThrow(/5 samples, batchSize 8, dropLast/);
    const r = await w.train({ dataset: { tensors: few }, batchSize: 2 });
    expect(r).toMatchObject({ steps: 3, samples: 5, epochs: 1 });
  });

  it("spawn() rejects with a ValueError naming a module the worker could not import", async () => {
    const missing = new URL("./no-such-module.mjs", import.meta.url).href;
    await expect(kd.worker.spawn({ imports: [missing] })).rejects.toThrow(kd.ValueError);
    await expect(kd.worker.spawn({ imports: [missing] })).rejects.toThrow(/^spawn\(\): the worker could not import .*no-such-module\.mjs/);
  });

  it("the bundle: dist/index.js spawns dist/worker.js, and no static node: import would stop a browser", async () => {
    for (const f of ["index.js", "core.js", "worker.js"]) {
      const src = readFileSync(new URL(f, dist), "utf8");
      expect(src, f).not.toMatch(/^\s*import\s[^(]*?from\s*['"]node:/m);
      expect(src, f).not.toMatch(/^\s*import\s*['"]node:/m);
    }
    const built = (await import(/* @vite-ignore */ new URL("index.js", dist).href)) as typeof kd;
    const w2 = await built.worker.spawn();
    try {
      await w2.build({ factory: "linear" });
      const y = built.worker.fromPayload(await w2.predict(built.zeros([2, 1, 28, 28])));
      expect(y.shape).toEqual([2, 10]);
    } finally {
      await w2.terminate();
    }
  });
});
