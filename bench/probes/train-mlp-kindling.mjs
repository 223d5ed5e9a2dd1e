// Kindling trains the 784-256-10 ReLU MLP with SGD on synthetic batches, written as a PyTorch
// user would (no dispose); prints RESULT {samplesPerSec}.
import * as kd from "../../dist/index.js";

const [steps, batch] = process.argv.slice(2).map(Number);
kd.manualSeed(0);
const model = new kd.nn.Sequential(new kd.nn.Linear(784, 256), new kd.nn.ReLU(), new kd.nn.Linear(256, 10));
const lossFn = new kd.nn.CrossEntropyLoss();
const opt = new kd.optim.SGD(model.parameters(), { lr: 0.1 });
const xs = kd.randn([batch, 784]);
const ys = kd.randint(0, 10, [batch]);
const step = () => {
  const loss = lossFn.forward(model.forward(xs), ys);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  return loss.item();
};
for (let i = 0; i < 10; i++) step();
const t0 = performance.now();
let last = 0;
for (let i = 0; i < steps; i++) {
  last = step();
  // Let the FinalizationRegistry run, as any real loop (data loading, UI) does.
  if (i % 50 === 49) await new Promise((r) => setImmediate(r));
}
const sec = (performance.now() - t0) / 1000;
console.log("RESULT " + JSON.stringify({ samplesPerSec: (steps * batch) / sec, finalLoss: last, variant: kd.getEngine().variant }));
