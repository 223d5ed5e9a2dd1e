// Kindling trains TinyVGG on synthetic 28x28 batches; prints RESULT with samples/s and a
// per-op profile of one step.
import * as kd from "../../dist/index.js";
import { timeTraining } from "./kindling-train.mjs";
import { benchDevice } from "./kindling-device.mjs";

const [steps, batch] = process.argv.slice(2).map(Number);
kd.manualSeed(0);
const conv = (i, o) => new kd.nn.Conv2d(i, o, 3, { stride: 1, padding: 1 });
const model = new kd.nn.Sequential(
  conv(1, 10), new kd.nn.ReLU(), conv(10, 10), new kd.nn.ReLU(), new kd.nn.MaxPool2d(2),
  conv(10, 10), new kd.nn.ReLU(), conv(10, 10), new kd.nn.ReLU(), new kd.nn.MaxPool2d(2),
  new kd.nn.Flatten(), new kd.nn.Linear(490, 10),
);
await timeTraining(model, [1, 28, 28], { steps, batch, ...(await benchDevice()) });
