// Times Kindling's f32 matmul at the sizes given; prints RESULT {sizes: {N: gflops}}.
import * as kd from "../../dist/index.js";
import { bestTime } from "../_harness.mjs";

const sizes = process.argv.slice(2).map(Number);
const out = {};
for (const n of sizes) {
  const a = kd.randn([n, n]);
  const b = kd.randn([n, n]);
  const sec = bestTime(() => a.matmul(b).dispose(), { minTime: n >= 1024 ? 2 : 0.6 });
  out[n] = (2 * n ** 3) / sec / 1e9;
}
console.log("RESULT " + JSON.stringify({ variant: kd.getEngine().variant, gflops: out }));
