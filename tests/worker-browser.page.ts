// Page side of tests/worker-browser.test.ts: kd.worker in a browser module Worker (the built
// dist/worker.js), driven from a page on the built library. Each function returns plain JSON.
import * as kd from "kindling";

const DATA = { name: "FashionMNIST", root: "/data/fashion-mnist/" } as const;
let w: kd.worker.KindlingWorker;

/** Long tasks (> 50 ms) on this page's main thread, from a PerformanceObserver. */
const longTasks: number[] = [];
new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: "longtask", buffered: true });

const failure = (e: unknown) => ({ name: (e as Error).name, message: (e as Error).message, isKindling: e instanceof kd.KindlingError, isWorkerError: e instanceof kd.WorkerError, isShapeError: e instanceof kd.ShapeError, isValueError: e instanceof kd.ValueError });

const api = {
  async spawn() {
    w = await kd.worker.spawn();
    const info = await w.build({ factory: "tinyvgg" });
    return { variant: w.variant, mainVariant: kd.getEngine().variant, isModuleWorker: w.worker instanceof Worker, parameters: info.parameters };
  },

  /** Trains while counting animation frames; reports progress, frames, the longest frame gap and long tasks. */
  async trainWhileAnimating(limit: number) {
    const progress: kd.worker.TrainProgress[] = [];
    let frames = 0, maxGap = 0, last = performance.now(), running = true;
    const tick = () => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      frames++;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    longTasks.length = 0;
    const t0 = performance.now();
    const result = await w.train({ dataset: { ...DATA, limit }, batchSize: 32, seed: 0, epochs: 1, progressEvery: 5 }, (p) => progress.push(p));
    running = false;
    return { result, ms: performance.now() - t0, progress, frames, maxFrameGap: maxGap, longTasks: [...longTasks] };
  },

  /** The worker's logits for test images next to a page-thread TinyVGG loaded with its weights. */
  async parity(n: number) {
    const test = await kd.datasets.FashionMNIST.load({ train: false, root: DATA.root, transform: new kd.transforms.ToTensor() });
    const [x] = test.getBatch(Array.from({ length: n }, (_, i) => i));
    const model = kd.models.makeModel("tinyvgg");
    model.loadStateDict(kd.worker.fromPayloads(await w.stateDict()));
    model.eval();
    const here = kd.noGrad(() => model.forward(x)).dataSync();
    const there = kd.worker.fromPayload(await w.predict(x)).dataSync();
    let maxDiff = 0;
    for (let i = 0; i < here.length; i++) maxDiff = Math.max(maxDiff, Math.abs(here[i] - there[i]));
    // evaluate() in the worker next to the same sums on the page.
    const [xs, ys] = test.getBatch(Array.from({ length: 1000 }, (_, i) => i));
    const logits = kd.noGrad(() => model.forward(xs));
    const loss = new kd.nn.CrossEntropyLoss().forward(logits, ys).item() as number;
    const accuracy = (logits.argmax(1).eq(ys).sum().item() as number) / 1000;
    return { n: here.length, maxDiff, evaluate: await w.evaluate({ ...DATA, train: false, limit: 1000 }), page: { loss, accuracy } };
  },

  /** A shape error thrown in the worker, a detached payload, a cancelled run. */
  async errorsDetachCancel() {
    const shape = await w.predict(kd.randn([2, 3])).then(() => null, failure);
    const p = kd.worker.toPayload(kd.randn([1, 1, 28, 28]));
    await w.predict(p);
    let detached = null;
    try { kd.tensor(p.data); } catch (e) { detached = failure(e); }
    let cancelledAfter = 0;
    const r = await w.train({ dataset: { ...DATA, limit: 3200 }, epochs: 5, progressEvery: 2 }, () => {
      if (cancelledAfter) return;
      cancelledAfter = performance.now();
      void w.cancel();
    });
    return { shape, detached, byteLength: p.data.byteLength, cancel: { cancelled: r.cancelled, steps: r.steps, ms: performance.now() - cancelledAfter } };
  },

  /** Terminates the Worker from outside mid-train, then respawns and predicts. */
  async killAndRespawn() {
    let killedAt = 0;
    const err = await w.train({ dataset: { ...DATA, limit: 3200 }, epochs: 5, progressEvery: 1 }, () => {
      if (killedAt) return;
      killedAt = performance.now();
      w.worker.terminate();
    }).then(() => null, failure);
    const ms = performance.now() - killedAt;
    const alive = w.alive;
    await w.respawn();
    await w.build({ factory: "linear" });
    const y = kd.worker.fromPayload(await w.predict(kd.zeros([2, 1, 28, 28])));
    await w.terminate();
    return { err, ms, aliveAfterKill: alive, shapeAfterRespawn: y.shape };
  },
};

export type WorkerPageApi = typeof api;
(globalThis as unknown as { kindlingTest: WorkerPageApi }).kindlingTest = api;
