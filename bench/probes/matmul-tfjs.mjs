// Times @tensorflow/tfjs-backend-wasm (SIMD, 1 thread) matMul; prints RESULT {gflops}.
import { tf } from "./tfjs-setup.mjs";
import { bestTime } from "../_harness.mjs";

const sizes = process.argv.slice(2).map(Number);
const out = {};
for (const n of sizes) {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const sec = bestTime(() => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); }, { minTime: n >= 1024 ? 2 : 0.6 });
  out[n] = (2 * n ** 3) / sec / 1e9;
}
console.log("RESULT " + JSON.stringify({ backend: tf.getBackend(), gflops: out }));
