// A user's app, as a bundler sees it: it imports "kindling" and starts a worker. Built by
// tests/browser-bundler.test.ts with Vite; the engine's .wasm files and worker must be emitted.
import * as kd from "kindling";

const w = await kd.worker.spawn();
await w.build({ factory: "mlp" });
const x = kd.rand([2, 1, 28, 28]);
const out = kd.worker.fromPayload(await w.predict(x));
window.result = { shape: out.shape, variant: kd.getEngine().variant, workerVariant: w.variant };
await w.terminate();
document.title = "done";
