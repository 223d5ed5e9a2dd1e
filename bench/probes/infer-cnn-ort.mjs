// onnxruntime TinyVGG inference on the ONNX file Kindling exported: `web` is onnxruntime-web's
// wasm backend (SIMD, 1 thread), `node` is onnxruntime-node's native CPU backend (1 intra-op
// thread). Prints RESULT {imagesPerSec: {batch: n}}.
import { readFileSync } from "node:fs";

const [which, file, ...batches] = process.argv.slice(2);
const ort = which === "web" ? await import("onnxruntime-web") : (await import("onnxruntime-node")).default;
const opts = which === "web" ? { executionProviders: ["wasm"] } : { executionProviders: ["cpu"], intraOpNumThreads: 1, interOpNumThreads: 1 };
if (which === "web") {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
}
const session = await ort.InferenceSession.create(readFileSync(file), opts);
const input = session.inputNames[0];
const out = {};
for (const batch of batches.map(Number)) {
  const data = new Float32Array(batch * 784).map(() => Math.random());
  const feeds = { [input]: new ort.Tensor("float32", data, [batch, 1, 28, 28]) };
  await session.run(feeds); // warm-up
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const t0 = performance.now();
    do { await session.run(feeds); n++; } while (performance.now() - t0 < 200);
    best = Math.min(best, (performance.now() - t0) / 1000 / n);
  }
  out[batch] = batch / best;
}
console.log("RESULT " + JSON.stringify({ imagesPerSec: out }));
