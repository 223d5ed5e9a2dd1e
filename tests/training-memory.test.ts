// A PyTorch-style training loop with no dispose anywhere in user code must keep wasm memory
// flat: 10,000 steps stay within 1.2x of the level at step 100. The loop awaits a macrotask
// every 10 steps, as any loop with a DataLoader or a UI does (FinalizationRegistry callbacks
// only run between tasks).
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

describe("training loop memory", () => {
  it("10,000 steps without dispose stay within 1.2x of step 100", async () => {
    kd.manualSeed(0);
    const { X, y } = kd.datasets.makeCircles({ nSamples: 256, noise: 0.05, seed: 1 });
    const yf = y.float();
    const model = new kd.nn.Sequential(new kd.nn.Linear(2, 16), new kd.nn.ReLU(), new kd.nn.Linear(16, 1));
    const lossFn = new kd.nn.BCEWithLogitsLoss();
    const optimizer = new kd.optim.Adam(model.parameters(), { lr: 0.01 });
    const curve: { step: number; wasmMiB: number; storageKiB: number; live: number }[] = [];
    let atStep100 = 0;
    let peak = 0;
    let loss = 0;
    for (let step = 1; step <= 10_000; step++) {
      const out = model.forward(X).squeeze(1);
      const l = lossFn.forward(out, yf);
      optimizer.zeroGrad();
      l.backward();
      optimizer.step();
      if (step % 10 === 0) await new Promise((r) => setImmediate(r));
      if (step % 1000 === 0) loss = l.item() as number;
      const m = kd.memory();
      if (step === 100) atStep100 = m.wasmBytes;
      if (step >= 100) peak = Math.max(peak, m.wasmBytes);
      if (step === 100 || step % 1000 === 0) curve.push({ step, wasmMiB: m.wasmBytes / 2 ** 20, storageKiB: Math.round(m.storageBytes / 1024), live: m.liveTensors });
    }
    console.log("[training memory] " + curve.map((c) => `step ${c.step}: wasm ${c.wasmMiB.toFixed(1)} MiB, storage ${c.storageKiB} KiB, live ${c.live}`).join(" | "));
    expect(loss).toBeLessThan(0.3); // it really trained
    expect(peak).toBeLessThanOrEqual(1.2 * atStep100);
  });
});
