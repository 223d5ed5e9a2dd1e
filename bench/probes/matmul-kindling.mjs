// Times Kindling's f32 matmul at the sizes given; prints RESULT {sizes: {N: gflops}}. With
// KINDLING_DEVICE=webgpu the operands live on the GPU and a batch of products is timed to the
// GPU's completion (kd.webgpu.sync()).
import * as kd from "../../dist/index.js";
import { bestTime } from "../_harness.mjs";
import { benchDevice } from "./kindling-device.mjs";

const sizes = process.argv.slice(2).map(Number);
const { device, adapter } = await benchDevice();
const out = {};
for (const n of sizes) {
  const a = kd.randn([n, n], { device });
  const b = kd.randn([n, n], { device });
  if (device === "cpu") {
    const sec = bestTime(() => a.matmul(b).dispose(), { minTime: n >= 1024 ? 2 : 0.6 });
    out[n] = (2 * n ** 3) / sec / 1e9;
  } else {
    a.matmul(b).dispose();
    await kd.webgpu.sync();
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      let k = 0;
      const t0 = performance.now();
      do {
        a.matmul(b).dispose();
        k++;
        if (k % 8 === 0) await kd.webgpu.sync();
      } while (performance.now() - t0 < 300);
      await kd.webgpu.sync();
      best = Math.min(best, (performance.now() - t0) / 1000 / k);
    }
    out[n] = (2 * n ** 3) / best / 1e9;
  }
  a.dispose();
  b.dispose();
}
console.log("RESULT " + JSON.stringify({ variant: kd.getEngine().variant, threads: kd.getNumThreads(), device, adapter, gflops: out }));
