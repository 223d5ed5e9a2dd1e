// Kindling trains an nn.LSTM on a synthetic sequence batch (forward, mean-square loss,
// backward, SGD step, written as a PyTorch user writes it); prints RESULT with samples/s and a
// per-op profile of a few steps.
import * as kd from "../../dist/index.js";

const [steps, seq, batch, input, hidden] = process.argv.slice(2).map(Number);
kd.manualSeed(0);
const lstm = new kd.nn.LSTM(input, hidden);
const opt = new kd.optim.SGD(lstm.parameters(), { lr: 0.01 });
const x = kd.randn([seq, batch, input]);
const step = () => {
  const [out] = lstm.forward(x);
  const loss = out.square().mean();
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
  if (i % 5 === 4) await new Promise((r) => setImmediate(r));
}
const sec = (performance.now() - t0) / 1000;
const prof = kd.profile(() => { for (let i = 0; i < 3; i++) step(); });
const profile = prof.rows.slice(0, 12).map((r) => ({ op: r.op, phase: r.phase, msPerStep: r.ms / 3, share: r.share }));
console.log("RESULT " + JSON.stringify({ samplesPerSec: (steps * batch) / sec, finalLoss: last, variant: kd.getEngine().variant, profile }));
