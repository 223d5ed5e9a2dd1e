// The training loop both Kindling training probes time, written as a PyTorch user writes it
// (no dispose): warm-up, timed steps (yielding to the event loop now and then, as any real loop
// with data loading or a UI does), then a per-op profile of a few more steps. Prints RESULT.
import * as kd from "../../dist/index.js";

export async function timeTraining(model, inputShape, { steps, batch, warmup = 3, yieldEvery = 20, device = "cpu", adapter }) {
  const lossFn = new kd.nn.CrossEntropyLoss();
  model.to(device);
  const opt = new kd.optim.SGD(model.parameters(), { lr: 0.1 });
  const xs = kd.randn([batch, ...inputShape], { device });
  const ys = kd.randint(0, 10, [batch]).to(device);
  // On a GPU the loop reads nothing back (as a PyTorch loop on CUDA): the loss is read at the end.
  const gpu = device !== "cpu";
  const step = () => {
    const loss = lossFn.forward(model.forward(xs), ys);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return gpu ? loss : loss.item();
  };
  for (let i = 0; i < warmup; i++) step();
  if (gpu) await kd.webgpu.sync();
  const t0 = performance.now();
  let last = 0;
  for (let i = 0; i < steps; i++) {
    last = step();
    if (i % yieldEvery === yieldEvery - 1) await new Promise((r) => setImmediate(r));
  }
  if (gpu) last = await last.itemAsync();
  const sec = (performance.now() - t0) / 1000;
  if (gpu) {
    console.log("RESULT " + JSON.stringify({ samplesPerSec: (steps * batch) / sec, finalLoss: last, variant: kd.getEngine().variant, threads: kd.getNumThreads(), device, adapter }));
    return;
  }
  // Where one step's time goes, per op (forward at the engine boundary, backward per graph node).
  const prof = kd.profile(() => { for (let i = 0; i < 5; i++) step(); });
  const profile = prof.rows.slice(0, 16).map((r) => ({ op: r.op, phase: r.phase, msPerStep: r.ms / 5, share: r.share }));
  console.log("RESULT " + JSON.stringify({ samplesPerSec: (steps * batch) / sec, finalLoss: last, variant: kd.getEngine().variant, threads: kd.getNumThreads(), profile }));
}
