// Kindling trains the 784-256-10 ReLU MLP with SGD on synthetic batches; prints RESULT.
import * as kd from "../../dist/index.js";
import { timeTraining } from "./kindling-train.mjs";

const [steps, batch] = process.argv.slice(2).map(Number);
kd.manualSeed(0);
const model = new kd.nn.Sequential(new kd.nn.Linear(784, 256), new kd.nn.ReLU(), new kd.nn.Linear(256, 10));
await timeTraining(model, [784], { steps, batch, warmup: 10, yieldEvery: 50 });
