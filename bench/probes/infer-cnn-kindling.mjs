// Kindling TinyVGG inference (eval, no grad) at the batch sizes given; with --export FILE it
// first writes the model as ONNX (dynamic batch) so the onnxruntime probes run the same weights.
// Prints RESULT {imagesPerSec: {batch: n}}.
import * as kd from "../../dist/index.js";
import { bestTime } from "../_harness.mjs";

const args = process.argv.slice(2);
const at = args.indexOf("--export");
const exportTo = at >= 0 ? args.splice(at, 2)[1] : undefined;
kd.manualSeed(0);
const model = kd.models.makeModel("tinyvgg");
model.eval();
if (exportTo) await kd.onnx.save(model, kd.rand([1, 1, 28, 28]), exportTo, { dynamicBatch: true });
const out = {};
for (const batch of args.map(Number)) {
  const x = kd.rand([batch, 1, 28, 28]);
  const sec = kd.noGrad(() => bestTime(() => model.forward(x).dispose(), { minTime: 1 }));
  out[batch] = batch / sec;
  x.dispose();
}
console.log("RESULT " + JSON.stringify({ variant: kd.getEngine().variant, imagesPerSec: out }));
