// Training on WebGPU (Node, Dawn on SwiftShader): the same seeded TinyVGG trained on "webgpu" and
// on the CPU follows the same loss curve step for step, and a plain training loop that disposes
// nothing keeps GPU memory flat (the step scope frees the GPU buffers like the CPU's).
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { useSwiftShader } from "./helpers/swiftshader.js";

useSwiftShader();
await kd.ready();
await kd.webgpu.init();

/** Seeded TinyVGG trained `steps` SGD steps on fixed random batches: the losses, read at the end. */
async function train(device: kd.Device, steps: number): Promise<number[]> {
  kd.manualSeed(7);
  const model = new kd.models.TinyVGG(1, 8, 10).to(device);
  const opt = new kd.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const lossFn = new kd.nn.CrossEntropyLoss();
  const xs = kd.randn([8, 1, 28, 28], { device });
  const ys = kd.randint(0, 10, [8]).to(device);
  const losses: kd.Tensor[] = [];
  for (let s = 0; s < steps; s++) {
    // tidy: the next test's new optimizer leaves this loop's last intermediates to the collector
    kd.tidy(() => {
      opt.zeroGrad();
      const loss = lossFn.forward(model.forward(xs), ys);
      loss.backward();
      opt.step();
      losses.push(kd.keep(loss.detach()));
    });
  }
  const values = await Promise.all(losses.map((l) => l.itemAsync()));
  // free the GPU memory now, not at some later collection (the next test measures it)
  for (const t of [...losses, xs, ys]) t.dispose();
  opt.dispose();
  model.dispose();
  return values;
}

describe("training on webgpu", () => {
  it("TinyVGG: the same seed gives the CPU's loss curve (12 SGD steps with momentum)", async () => {
    const cpu = await train("cpu", 12);
    const gpu = await train("webgpu", 12);
    console.log(`TinyVGG losses, cpu: ${cpu.map((l) => l.toFixed(5)).join(" ")}\n               webgpu: ${gpu.map((l) => l.toFixed(5)).join(" ")}`);
    expect(cpu[11]).toBeLessThan(cpu[0] * 0.85); // it learns
    for (let s = 0; s < 12; s++) expect(Math.abs(gpu[s] - cpu[s]), `step ${s}`).toBeLessThanOrEqual(1e-3 * Math.abs(cpu[s]) + 1e-5);
  }, 240_000);

  it("a no-dispose MLP loop keeps GPU buffers and bytes flat from step 50 to step 500", async () => {
    kd.manualSeed(1);
    const model = new kd.nn.Sequential(new kd.nn.Linear(16, 32), new kd.nn.ReLU(), new kd.nn.Linear(32, 4)).to("webgpu");
    const opt = new kd.optim.Adam(model.parameters(), { lr: 1e-3 });
    const lossFn = new kd.nn.CrossEntropyLoss();
    const x = kd.randn([32, 16], { device: "webgpu" });
    const y = kd.randint(0, 4, [32]).to("webgpu");
    let at50: kd.GpuMemory | undefined;
    for (let s = 1; s <= 500; s++) {
      opt.zeroGrad();
      lossFn.forward(model.forward(x), y).backward();
      opt.step();
      // A loop that awaits now and then (a DataLoader, a progress bar): every 10 steps here, so
      // each wait sees at most one background read of queued checks, which sync() lets land.
      // (Reads land only at an await: awaiting every 50 steps let 3 or 4 pile up, and the pool
      // kept the 4-read peak of steps 351-400 as 8% more bytes than at step 50.)
      if (s % 10 === 0) await kd.webgpu.sync();
      if (s === 50) at50 = kd.webgpu.memory();
    }
    const at500 = kd.webgpu.memory();
    console.log("webgpu memory at step 50 and 500:", at50, at500);
    // live buffers: the model, its optimizer state and the step scope's last steps, plus at most
    // 16 queued target-range checks (2 small probes each; every 16th step reads them in the
    // background, and sync() waits for those reads: ts/checks.ts)
    expect(Math.abs(at500.buffers - at50!.buffers)).toBeLessThanOrEqual(2 * 16);
    const total = (m: kd.GpuMemory) => m.bytesInUse + m.bytesPooled;
    expect(Math.abs(total(at500) - total(at50!))).toBeLessThanOrEqual(0.05 * total(at50!));
  }, 240_000);
});
