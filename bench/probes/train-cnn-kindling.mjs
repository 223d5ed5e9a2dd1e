// Kindling trains TinyVGG on synthetic 28x28 batches, as a PyTorch user writes it; prints RESULT
// with samples/s and a per-op profile of one step.
import * as kd from "../../dist/index.js";

const [steps, batch] = process.argv.slice(2).map(Number);
kd.manualSeed(0);
const conv = (i, o) => new kd.nn.Conv2d(i, o, 3, { stride: 1, padding: 1 });
const model = new kd.nn.Sequential(
  conv(1, 10), new kd.nn.ReLU(), conv(10, 10), new kd.nn.ReLU(), new kd.nn.MaxPool2d(2),
  conv(10, 10), new kd.nn.ReLU(), conv(10, 10), new kd.nn.ReLU(), new kd.nn.MaxPool2d(2),
  new kd.nn.Flatten(), new kd.nn.Linear(490, 10),
);
const lossFn = new kd.nn.CrossEntropyLoss();
const opt = new kd.optim.SGD(model.parameters(), { lr: 0.1 });
const xs = kd.randn([batch, 1, 28, 28]);
const ys = kd.randint(0, 10, [batch]);
const step = () => {
  const loss = lossFn.forward(model.forward(xs), ys);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  return loss.item();
};
for (let i = 0; i < 3; i++) step();
const t0 = performance.now();
let last = 0;
for (let i = 0; i < steps; i++) {
  last = step();
  if (i % 20 === 19) await new Promise((r) => setImmediate(r));
}
const sec = (performance.now() - t0) / 1000;
// Where one step's time goes, per op (forward at the engine boundary, backward per graph node).
const prof = kd.profile(() => { for (let i = 0; i < 5; i++) step(); });
const profileRows = prof.rows.slice(0, 16).map((r) => ({ op: r.op, phase: r.phase, msPerStep: r.ms / 5, share: r.share }));
console.log("RESULT " + JSON.stringify({ samplesPerSec: (steps * batch) / sec, finalLoss: last, variant: kd.getEngine().variant, profile: profileRows }));
