// The async-first read path (ts/tensor.ts "reading"), deferred data-dependent checks
// (ts/checks.ts), and async functions in kd.noGrad / kd.tidy.
import { afterEach, describe, expect, it, vi } from "vitest";
import * as kd from "../ts/index.js";
import { _forceDeferredChecks, pendingChecks } from "../ts/checks.js";

/** A tensor that reports a non-CPU device, to reach the sync-read refusals without a GPU. */
function onFakeDevice(t: kd.Tensor): kd.Tensor {
  Object.defineProperty(t, "device", { value: "webgpu" });
  return t;
}

describe("reads", () => {
  it("await data / itemAsync / tolistAsync / format give what the sync forms give on the CPU", async () => {
    const t = kd.tensor([[1, 2.5], [-3, 4]]);
    expect(Array.from(await t.data())).toEqual([1, 2.5, -3, 4]);
    expect(await t.tolistAsync()).toEqual([[1, 2.5], [-3, 4]]);
    expect(await t.tolistAsync()).toEqual(t.tolist());
    expect(await t.format()).toBe(t.toString());
    const b = kd.tensor([true]);
    expect(await b.itemAsync()).toBe(true);
    expect(await kd.tensor([7], { dtype: "int32" }).itemAsync()).toBe(7);
    await expect(t.itemAsync()).rejects.toThrow("a Tensor with 4 elements cannot be converted to Scalar");
  });

  it("a sync read of a non-CPU tensor is a DeviceError naming the awaited form", () => {
    const t = onFakeDevice(kd.tensor([1]));
    expect(() => t.dataSync()).toThrow(kd.DeviceError);
    expect(() => t.dataSync()).toThrow("dataSync() cannot read a webgpu tensor synchronously; use await t.data()");
    expect(() => t.item()).toThrow("item() cannot read a webgpu tensor synchronously; use await t.itemAsync()");
    expect(() => t.tolist()).toThrow("tolist() cannot read a webgpu tensor synchronously; use await t.tolistAsync()");
    expect(t.toString()).toBe("tensor(<webgpu, shape [1], float32: use await t.format() to print the values>)");
  });
});

describe("deferred data-dependent checks", () => {
  afterEach(() => {
    _forceDeferredChecks(false);
  });

  it("on the CPU (not forced) cross-entropy and embedding throw at once, as torch", () => {
    const logits = kd.randn([3, 4]);
    expect(() => kd.nn.functional.crossEntropy(logits, kd.tensor([0, 4, 1], { dtype: "int32" }))).toThrow("Target 4 is out of bounds.");
    expect(() => kd.nn.functional.embedding(kd.tensor([1, -2], { dtype: "int32" }), kd.randn([3, 2]))).toThrow(/index -2 is out of bounds for an embedding of 3 rows/);
    expect(pendingChecks()).toBe(0);
  });

  it("forced deferral: no throw at the call, the IndexError at the next read, of any tensor", async () => {
    _forceDeferredChecks(true);
    const logits = kd.randn([3, 4]);
    // the first out-of-range target is reported (5, not the later -1), as the CPU path reports it
    const loss = kd.nn.functional.crossEntropy(logits, kd.tensor([0, 5, -1], { dtype: "int32" }));
    expect(pendingChecks()).toBe(1);
    expect(loss.shape).toEqual([]);
    const other = kd.ones(2);
    await expect(other.data()).rejects.toThrow(kd.IndexError);
    expect(pendingChecks()).toBe(0);
    // reported once: the next read succeeds
    expect(Array.from(await other.data())).toEqual([1, 1]);

    const e = kd.nn.functional.embedding(kd.tensor([[0, 2], [3, 1]], { dtype: "int32" }), kd.randn([3, 2]));
    expect(e.shape).toEqual([2, 2, 2]);
    expect(() => e.dataSync()).toThrow("index out of range in self: index 3 is out of bounds for an embedding of 3 rows");
  });

  it("forced deferral: the message names the first bad target, and a passing check reads clean", async () => {
    _forceDeferredChecks(true);
    const logits = kd.randn([4, 3]);
    const target = kd.tensor([2, 0, 1, 1], { dtype: "int32" });
    const deferred = kd.nn.functional.crossEntropy(logits, target);
    expect(pendingChecks()).toBe(1);
    const v = await deferred.itemAsync();
    expect(pendingChecks()).toBe(0);
    _forceDeferredChecks(false);
    // in range, the deferred path computes what the immediate one does
    expect(v).toBe(kd.nn.functional.crossEntropy(logits, target).item());
    _forceDeferredChecks(true);
    kd.nn.functional.crossEntropy(logits, kd.tensor([1, -7, 9, 0], { dtype: "int32" }));
    await expect(kd.zeros(1).itemAsync()).rejects.toThrow("Target -7 is out of bounds.");
  });

  it("queued probes are kept out of tidy and freed once read", async () => {
    _forceDeferredChecks(true);
    const before = kd.memory().liveTensors;
    const logits = kd.randn([2, 3]);
    const target = kd.tensor([0, 1], { dtype: "int32" });
    kd.tidy(() => { kd.nn.functional.crossEntropy(logits, target); });
    expect(kd.memory().liveTensors).toBe(before + 2 + 2); // logits, target, two probes
    await logits.data();
    expect(kd.memory().liveTensors).toBe(before + 2);
  });
});

describe("async noGrad / enableGrad / inferenceMode", () => {
  it("grad mode stays off until the promise settles, then is restored", async () => {
    expect(kd.isGradEnabled()).toBe(true);
    const w = kd.ones(2, { requiresGrad: true });
    let inside: boolean | null = null;
    const p = kd.noGrad(async () => {
      await new Promise((r) => setTimeout(r, 5));
      inside = kd.isGradEnabled();
      return w.mul(2);
    });
    expect(kd.isGradEnabled()).toBe(false); // still inside, awaiting
    const y = await p;
    expect(inside).toBe(false);
    expect(y.requiresGrad).toBe(false);
    expect(kd.isGradEnabled()).toBe(true);
    expect(w.mul(2).requiresGrad).toBe(true);
  });

  it("a rejected async block restores the mode and rethrows", async () => {
    await expect(kd.noGrad(async () => { await null; throw new kd.ValueError("boom"); })).rejects.toThrow("boom");
    expect(kd.isGradEnabled()).toBe(true);
  });

  it("enableGrad inside noGrad, inferenceMode as noGrad, setGradEnabled", async () => {
    const w = kd.ones(2, { requiresGrad: true });
    await kd.noGrad(async () => {
      const y = await kd.enableGrad(async () => { await null; return w.mul(3); });
      expect(y.requiresGrad).toBe(true);
      expect(kd.isGradEnabled()).toBe(false);
    });
    expect(kd.inferenceMode(() => w.mul(2).requiresGrad)).toBe(false);
    expect(await kd.inferenceMode(async () => { await null; return kd.isGradEnabled(); })).toBe(false);
    kd.setGradEnabled(false);
    expect(w.mul(2).requiresGrad).toBe(false);
    kd.setGradEnabled(true);
    expect(kd.isGradEnabled()).toBe(true);
  });
});

describe("async tidy", () => {
  it("frees what the async function created across its awaits, except the resolved value", async () => {
    const before = kd.memory().liveTensors;
    let a!: kd.Tensor, b!: kd.Tensor;
    const out = await kd.tidy(async () => {
      a = kd.ones(3);
      await new Promise((r) => setTimeout(r, 1));
      b = a.mul(2); // created after an await: still this scope's
      await null;
      return { sum: b.add(1), n: 3 };
    });
    expect(a.isDisposed).toBe(true);
    expect(b.isDisposed).toBe(true);
    expect(out.sum.isDisposed).toBe(false);
    expect(Array.from(out.sum.dataSync())).toEqual([3, 3, 3]);
    expect(kd.memory().liveTensors).toBe(before + 1);
    out.sum.dispose();
  });

  it("a rejected async tidy frees everything it created", async () => {
    let a!: kd.Tensor;
    await expect(kd.tidy(async () => { a = kd.ones(2); await null; throw new Error("x"); })).rejects.toThrow("x");
    expect(a.isDisposed).toBe(true);
  });

  it("tensors other code creates during the await belong to the open scope; kd.keep keeps one out", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let own!: kd.Tensor;
    const p = kd.tidy(async () => {
      own = kd.ones(1);
      await gate;
    });
    const foreign = kd.zeros(1); // created while the async scope is open: it is that scope's
    const returned = kd.tidy(() => kd.zeros(1)); // a sync tidy's returned value goes to the open scope too
    const kept = kd.keep(kd.zeros(1));
    release();
    await p;
    expect(own.isDisposed).toBe(true);
    expect(foreign.isDisposed).toBe(true);
    expect(returned.isDisposed).toBe(true);
    expect(kept.isDisposed).toBe(false);
    // once settled the scope is closed: new tensors are untouched
    const after = kd.zeros(1);
    await kd.tidy(async () => { await null; });
    expect(after.isDisposed).toBe(false);
  });

  it("overlapping async tidies settle out of order without losing either scope", async () => {
    let r1!: () => void;
    const g1 = new Promise<void>((r) => (r1 = r));
    let t1!: kd.Tensor, t2!: kd.Tensor;
    const p1 = kd.tidy(async () => { await g1; t1 = kd.ones(1); return t1.add(1); });
    const p2 = kd.tidy(async () => { await null; t2 = kd.ones(1); return 5; });
    expect(await p2).toBe(5); // the inner (later) scope settles first
    expect(t2.isDisposed).toBe(true);
    r1();
    const v = await p1;
    expect(t1.isDisposed).toBe(true);
    expect(v.isDisposed).toBe(false);
    expect(Array.from(v.dataSync())).toEqual([2]);
    v.dispose();
  });
});

describe("library paths read through the awaited form", () => {
  // CPU tensors are read as their raw storage bytes (exact for float16/int64); a tensor on another
  // device would go through await t.data(). Neither path may use the synchronous dataSync.
  it("kd.save and kd.saveCheckpoint never read through dataSync", async () => {
    const m = new kd.nn.Linear(3, 2);
    const sync = vi.spyOn(kd.Tensor.prototype, "dataSync");
    try {
      const blob = (await kd.save({ a: kd.ones(2), b: kd.zeros([1, 3]) })) as Blob;
      const back = kd.safetensors.deserialize(new Uint8Array(await blob.arrayBuffer())).tensors;
      await kd.saveCheckpoint(undefined, { model: m });
      expect(sync).not.toHaveBeenCalled();
      sync.mockRestore();
      expect(Array.from(back.a.dataSync())).toEqual([1, 1]);
      expect(back.b.shape).toEqual([1, 3]);
    } finally {
      sync.mockRestore();
    }
    expect(vi.isMockFunction(kd.Tensor.prototype.dataSync)).toBe(false);
  });
});

describe("metrics through the awaited read", () => {
  it("accuracyAsync and classes give what accuracy and the sync path give", async () => {
    const logits = kd.tensor([[0.1, 2, 0.3], [3, 0, 1], [0, 0, 5], [1, 4, 0]]);
    const target = kd.tensor([1, 0, 1, 1], { dtype: "int32" });
    expect(await kd.metrics.accuracyAsync(logits, target)).toBe(0.75);
    expect(await kd.metrics.accuracyAsync(logits, target)).toBe(kd.metrics.accuracy(logits, target));
    expect(Array.from(await kd.metrics.classes(logits))).toEqual([1, 0, 2, 1]);
    const cm = kd.metrics.confusionMatrix(await kd.metrics.classes(logits), await kd.metrics.classes(target), 3);
    expect(cm).toEqual(kd.metrics.confusionMatrix(logits, target, 3));
    expect(cm).toEqual([[1, 0, 0], [0, 2, 1], [0, 0, 0]]);
    await expect(kd.metrics.accuracyAsync(logits, kd.tensor([1], { dtype: "int32" }))).rejects.toThrow("accuracy(): 4 predictions for 1 targets");
    expect(Number.isNaN(await kd.metrics.accuracyAsync(kd.zeros([0], { dtype: "int32" }), kd.zeros([0], { dtype: "int32" })))).toBe(true);
  });
});
