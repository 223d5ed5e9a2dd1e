// The step scope (ts/memory.ts): plain synchronous PyTorch-style loops, with no dispose and no
// await anywhere, keep memory flat; a tensor the rule released raises a DisposedError that names
// the rule and the fix. Each loop samples kd.memory() at step 1,000 and step 10,000.
import { afterEach, describe, expect, it, vi } from "vitest";
import * as kd from "../ts/index.js";

interface Sample { live: number; wasm: number; msPerStep: number }

/** Samples kd.memory() at the given steps, with the mean step time of the 100 steps before. */
function sampler(at: number[]) {
  const out = new Map<number, Sample>();
  let t100 = performance.now();
  return {
    out,
    after(step: number) {
      if (step % 100 === 0) {
        const now = performance.now();
        if (at.includes(step)) {
          const m = kd.memory();
          out.set(step, { live: m.liveTensors, wasm: m.wasmBytes, msPerStep: (now - t100) / 100 });
        }
        t100 = now;
      }
    },
    report(name: string) {
      console.log(`[step scope] ${name}: ` + [...out].map(([s, v]) => `step ${s}: live ${v.live}, wasm ${(v.wasm / 2 ** 20).toFixed(1)} MiB, ${v.msPerStep.toFixed(3)} ms/step`).join(" | "));
    },
  };
}

function expectFlat(s: Map<number, Sample>, a: number, b: number): void {
  const x = s.get(a)!;
  const y = s.get(b)!;
  expect(y.live).toBeLessThanOrEqual(Math.ceil(1.05 * x.live));
  expect(y.live).toBeGreaterThanOrEqual(Math.floor(0.95 * x.live));
  expect(y.wasm).toBeLessThanOrEqual(1.05 * x.wasm);
}

afterEach(() => kd.setStepScope(true));

describe("step scope: synchronous loops stay flat", () => {
  it("the chapter 01-02 loop (no await, no dispose, loss read after step) over 10,000 epochs", () => {
    kd.manualSeed(0);
    const { X, y } = kd.datasets.makeCircles({ nSamples: 256, noise: 0.05, seed: 1 });
    const yf = y.float();
    const XTrain = X.get(":200"), yTrain = yf.get(":200"), XTest = X.get("200:"), yTest = yf.get("200:");
    const model = new kd.nn.Sequential(new kd.nn.Linear(2, 16), new kd.nn.ReLU(), new kd.nn.Linear(16, 1));
    const lossFn = new kd.nn.BCEWithLogitsLoss();
    const optimizer = new kd.optim.Adam(model.parameters(), { lr: 0.01 });
    const s = sampler([1000, 10_000]);
    const printed: [number, number, number][] = [];
    let last: kd.Tensor | undefined;
    for (let epoch = 1; epoch <= 10_000; epoch++) {
      model.train();
      const yPred = model.forward(XTrain).squeeze(1);
      const loss = lossFn.forward(yPred, yTrain);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      model.eval();
      const testLoss = kd.noGrad(() => lossFn.forward(model.forward(XTest).squeeze(1), yTest));
      if (epoch % 1000 === 0) printed.push([epoch, loss.item() as number, testLoss.item() as number]); // read AFTER step
      if (last) expect(last.isDisposed).toBe(false); // last epoch's loss is readable through this one
      last = loss;
      s.after(epoch);
    }
    s.report("MLP, 10,000 epochs");
    expect(printed).toHaveLength(10);
    expect(printed.at(-1)![1]).toBeLessThan(0.3); // it trained
    expect(Number.isFinite(printed.at(-1)![2])).toBe(true);
    expect(last!.item()).toBeCloseTo(printed.at(-1)![1], 6); // the final loss is still readable after the loop
    expect(XTrain.isDisposed || XTest.isDisposed || X.isDisposed).toBe(false); // created before the loop: never released
    expectFlat(s.out, 1000, 10_000);
  });

  it("TinyVGG (narrow, 28x28, batch 2), for…of over a DataLoader, 10,000 steps", () => {
    kd.manualSeed(0);
    const images = kd.rand([64, 1, 28, 28]);
    const labels = kd.randint(0, 10, [64]);
    const loader = new kd.data.DataLoader(new kd.data.TensorDataset(images, labels), { batchSize: 2, shuffle: true, seed: 3 });
    const model = new kd.models.TinyVGG(1, 2, 10);
    const lossFn = new kd.nn.CrossEntropyLoss();
    const optimizer = new kd.optim.SGD(model.parameters(), { lr: 0.01 });
    const s = sampler([1000, 10_000]);
    let step = 0;
    let lossSum = 0;
    while (step < 10_000) {
      for (const [x, y] of loader) {
        const loss = lossFn.forward(model.forward(x), y);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        lossSum += loss.item() as number;
        s.after(++step);
        if (step === 10_000) break;
      }
    }
    s.report("TinyVGG(1, 2, 10), batch 2, 10,000 steps");
    expect(Number.isFinite(lossSum)).toBe(true);
    expect(images.isDisposed || labels.isDisposed).toBe(false);
    expectFlat(s.out, 1000, 10_000);
  });
});

describe("step scope: the rule and its error", () => {
  const setup = () => {
    kd.manualSeed(1);
    const X = kd.randn([32, 3]);
    const y = X.sum(1, true);
    const model = new kd.nn.Linear(3, 1);
    const optimizer = new kd.optim.SGD(model.parameters(), { lr: 0.05 });
    const step = () => {
      const loss = kd.nn.functional.mseLoss(model.forward(X), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss;
    };
    return { X, y, model, optimizer, step };
  };

  it("a tensor kept across iterations raises a DisposedError naming the rule and the fix", () => {
    const { step } = setup();
    const losses: kd.Tensor[] = [];
    for (let i = 0; i < 6; i++) losses.push(step());
    // losses[i] is made before step i + 1 and released by step i + 3; losses[0], made before
    // the optimizer's first step, never is
    for (const i of [0, 4, 5]) expect(Number.isFinite(losses[i].item() as number)).toBe(true);
    expect(losses[1].isDisposed && losses[2].isDisposed && losses[3].isDisposed).toBe(true);
    expect(String(losses[2])).toBe("tensor(<released by the step scope>)");
    let err: unknown;
    try {
      losses[1].item();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(kd.DisposedError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/released by the step scope/);
    expect(msg).toMatch(/optimizer\.step\(\)/);
    expect(msg).toMatch(/kd\.keep\(/);
    expect(msg).toMatch(/\.item\(\)/);
    expect(msg).toMatch(/kd\.setStepScope\(false\)/);
    // an explicitly disposed tensor keeps the plain message
    const t = kd.ones([2]);
    t.dispose();
    expect(() => t.add(1)).toThrow(/this tensor was disposed/);
    expect(() => t.add(1)).not.toThrow(/step scope/);
  });

  it("kd.keep(t) and kd.keep(() => ...) keep tensors across steps; .item() numbers need nothing", () => {
    const { step } = setup();
    const kept: kd.Tensor[] = [];
    const made: kd.Tensor[] = [];
    const numbers: number[] = [];
    for (let i = 0; i < 8; i++) {
      const loss = step();
      numbers.push(loss.item() as number);
      kept.push(kd.keep(loss.detach()));
      made.push(kd.keep(() => loss.detach().mul(2)));
    }
    for (let i = 0; i < 8; i++) {
      expect(kept[i].item()).toBeCloseTo(numbers[i], 6);
      expect(made[i].item()).toBeCloseTo(2 * numbers[i], 6);
    }
    expect(numbers.at(-1)!).toBeLessThan(numbers[0]);
  });

  it("a tensor used every step stays alive, even one created between two loops", () => {
    const { model, optimizer, step } = setup();
    for (let i = 0; i < 5; i++) step();
    // made after the first loop (same optimizer), used in every step of the second one
    const X2 = kd.randn([16, 3]);
    const y2 = X2.sum(1, true);
    const before = kd.noGrad(() => kd.nn.functional.mseLoss(model.forward(X2), y2).item() as number);
    for (let i = 0; i < 50; i++) {
      const loss = kd.nn.functional.mseLoss(model.forward(X2), y2);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    }
    const after = kd.noGrad(() => kd.nn.functional.mseLoss(model.forward(X2), y2).item() as number);
    expect(after).toBeLessThan(before);
  });

  it("tensors created before a new optimizer's first step are never released (a second model's data)", () => {
    const { step } = setup();
    for (let i = 0; i < 5; i++) step();
    // chapter 02: new data, a new model and a new optimizer after the first training loop
    const Xr = kd.arange(0, 1, 0.02).unsqueeze(1);
    const yr = Xr.mul(0.7).add(0.3);
    const preds = kd.noGrad(() => Xr.mul(2)); // read only after the second loop
    const model2 = new kd.nn.Linear(1, 1);
    const opt2 = new kd.optim.SGD(model2.parameters(), { lr: 0.1 });
    const testEvery = 10;
    let evals = 0;
    for (let i = 1; i <= 100; i++) {
      const loss = kd.nn.functional.mseLoss(model2.forward(Xr), yr);
      opt2.zeroGrad();
      loss.backward();
      opt2.step();
      if (i % testEvery === 0) evals++;
    }
    expect(evals).toBe(10);
    expect(preds.get(1).item()).toBeCloseTo(0.04, 5);
    expect(Xr.isDisposed || yr.isDisposed).toBe(false);
  });

  it("tidy and noGrad inside steps work as before; their results follow the step rule", () => {
    const { X, y, model, step } = setup();
    let tidyNumber = 0;
    const outs: kd.Tensor[] = [];
    for (let i = 0; i < 6; i++) {
      step();
      tidyNumber = kd.tidy(() => kd.noGrad(() => model.forward(X).sub(y).abs().mean().item() as number));
      outs.push(kd.tidy(() => kd.noGrad(() => model.forward(X).sum())));
    }
    expect(Number.isFinite(tidyNumber)).toBe(true);
    expect(outs[5].isDisposed).toBe(false);
    expect(outs[4].isDisposed).toBe(false);
    expect(outs[0].isDisposed).toBe(true);
    expect(() => outs[0].item()).toThrow(kd.DisposedError);
    // a tidy still disposes its intermediates at once, step scope or not
    const base = kd.memory().liveTensors;
    expect(Number.isFinite(kd.tidy(() => model.forward(X).mul(2).sum().item() as number))).toBe(true);
    expect(kd.memory().liveTensors).toBe(base);
  });

  it("kd.setStepScope(false) turns the rule off", () => {
    const { step } = setup();
    expect(kd.setStepScope(false)).toBe(true); // returns the previous setting
    const losses: kd.Tensor[] = [];
    for (let i = 0; i < 6; i++) losses.push(step());
    expect(losses.every((l) => !l.isDisposed)).toBe(true);
    expect(Number.isFinite(losses[0].item() as number)).toBe(true);
    expect(kd.setStepScope(true)).toBe(false);
  });

  it("GAN-style loops with two optimizers: a loss read after the other optimizer's step is still alive", () => {
    kd.manualSeed(2);
    const D = new kd.nn.Linear(2, 1);
    const G = new kd.nn.Linear(2, 2);
    const optD = new kd.optim.SGD(D.parameters(), { lr: 0.01 });
    const optG = new kd.optim.SGD(G.parameters(), { lr: 0.01 });
    const real = kd.randn([8, 2]);
    const bce = new kd.nn.BCEWithLogitsLoss();
    const ones = kd.ones([8, 1]), zeros = kd.zeros([8, 1]);
    const s = sampler([1000, 3000]);
    for (let i = 1; i <= 3000; i++) {
      const fake = G.forward(kd.randn([8, 2]));
      const errD = bce.forward(D.forward(real), ones).add(bce.forward(D.forward(fake.detach()), zeros));
      optD.zeroGrad();
      errD.backward();
      optD.step();
      const errG = bce.forward(D.forward(fake), ones);
      optG.zeroGrad();
      errG.backward();
      optG.step();
      // the DCGAN tutorial prints both after both steps
      expect(Number.isFinite((errD.item() as number) + (errG.item() as number))).toBe(true);
      s.after(i);
    }
    s.report("GAN, two optimizers, 3,000 iterations");
    expectFlat(s.out, 1000, 3000);
  });
});

describe("step scope with for await", () => {
  it("batches prefetched several steps ahead (prefetch: 8, uneven async reads) are readable when handed out", async () => {
    kd.manualSeed(6);
    const X = kd.randn([64, 4]);
    const y = X.sum(1, true);
    // every 8th batch reads slowly, so the 7 after it are ready and wait in the queue while it
    // loads; in every 4th batch one item is slow, so its other item waits for it
    const slow = (i: number) => Math.floor(i / 2) % 8 === 0 || i % 8 === 5;
    const dataset = {
      length: 64,
      async getItem(i: number) {
        await new Promise((r) => setTimeout(r, slow(i) ? 15 : 0));
        return [X.get(i), y.get(i)] as [kd.Tensor, kd.Tensor];
      },
    };
    const loader = new kd.data.DataLoader(dataset, { batchSize: 2, prefetch: 8 });
    const model = new kd.nn.Linear(4, 1);
    const opt = new kd.optim.SGD(model.parameters(), { lr: 0.05 });
    let steps = 0;
    let last = Infinity;
    for (let epoch = 0; epoch < 3; epoch++) {
      for await (const [xb, yb] of loader) {
        const loss = kd.nn.functional.mseLoss(model.forward(xb), yb);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        last = loss.item() as number;
        steps++;
      }
    }
    expect(steps).toBe(96);
    expect(Number.isFinite(last)).toBe(true);
  });
});

describe("loops the step scope does not bound", () => {
  it("an inference for…of over a DataLoader (no optimizer, no await) stays flat, and collected predictions survive", () => {
    kd.manualSeed(4);
    const X = kd.randn([256, 8]);
    const labels = kd.randint(0, 3, [256]);
    const loader = new kd.data.DataLoader(new kd.data.TensorDataset(X, labels), { batchSize: 4 });
    const model = new kd.nn.Sequential(new kd.nn.Linear(8, 32), new kd.nn.ReLU(), new kd.nn.Linear(32, 3));
    model.eval();
    const peak = new Map<number, { live: number; wasm: number }>();
    let batches = 0;
    let correct = 0;
    let maxLive = 0;
    while (batches < 4000) {
      for (const [x, y] of loader) {
        const out = kd.noGrad(() => model.forward(x));
        correct += out.argmax(1).eq(y).sum().item() as number;
        batches++;
        maxLive = Math.max(maxLive, kd.memory().liveTensors);
        if (batches === 1000 || batches === 4000) peak.set(batches, { live: maxLive, wasm: kd.memory().wasmBytes });
      }
    }
    console.log(`[step scope] inference for…of, 4,000 batches: most live handles by batch 1,000 ${peak.get(1000)!.live}, by 4,000 ${peak.get(4000)!.live}; wasm ${(peak.get(1000)!.wasm / 2 ** 20).toFixed(1)} -> ${(peak.get(4000)!.wasm / 2 ** 20).toFixed(1)} MiB`);
    expect(correct).toBeGreaterThan(0);
    // freed in batches at each requested collection: the high-water mark stops rising
    expect(peak.get(4000)!.live).toBeLessThanOrEqual(1.05 * peak.get(1000)!.live);
    expect(peak.get(4000)!.wasm).toBeLessThanOrEqual(1.05 * peak.get(1000)!.wasm);
    // predictions kept for a final cat are never released (the loader's next() is not a step boundary)
    const preds: kd.Tensor[] = [];
    for (const [x] of loader) preds.push(kd.noGrad(() => model.forward(x).argmax(1)));
    const all = kd.cat(preds);
    expect(all.shape).toEqual([256]);
    const direct = kd.noGrad(() => model.forward(X).argmax(1));
    expect(Array.from(all.dataSync())).toEqual(Array.from(direct.dataSync()));
  });

  it("growth across optimizer steps that no rule bounds is warned about once, naming the fix", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      kd.manualSeed(5);
      const X = kd.randn([16, 2]);
      const y = X.sum(1, true);
      const model = new kd.nn.Linear(2, 1);
      const opt = new kd.optim.SGD(model.parameters(), { lr: 0.01 });
      const kept: kd.Tensor[] = [];
      for (let i = 0; i < 4000; i++) {
        const loss = kd.nn.functional.mseLoss(model.forward(X), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        kept.push(kd.keep(loss.detach())); // kept on purpose: live handles climb step after step
      }
      const ours = warn.mock.calls.filter((c) => String(c[0]).includes("across optimizer steps"));
      expect(ours).toHaveLength(1);
      expect(String(ours[0][0])).toMatch(/\.item\(\)/);
      expect(String(ours[0][0])).toMatch(/kd\.tidy/);
      expect(kept[0].isDisposed).toBe(false);
    } finally {
      warn.mockRestore();
    }
  });

  it("a loop with no optimizer, no DataLoader and no await is warned about once, naming kd.tidy", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      let ours: unknown[][] = [];
      for (let i = 0; i < 60_000 && ours.length === 0; i++) {
        const x = kd.randn([16]);
        if (x.mul(2).add(1).numel() !== 16) throw new Error("unreachable");
        if (i % 1000 === 0) ours = warn.mock.calls.filter((c) => String(c[0]).includes("has not yielded"));
      }
      for (let i = 0; i < 40_000; i++) kd.ones([2]).add(1); // grows on: still one warning
      ours = warn.mock.calls.filter((c) => String(c[0]).includes("has not yielded"));
      expect(ours).toHaveLength(1);
      expect(String(ours[0][0])).toMatch(/kd\.tidy\(/);
      expect(String(ours[0][0])).toMatch(/for await/);
    } finally {
      warn.mockRestore();
    }
  });
});
