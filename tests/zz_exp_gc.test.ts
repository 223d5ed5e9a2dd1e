import { it } from "vitest";
import * as kd from "../ts/index.js";
const N = Number(process.env.EXP_N ?? 100), SZ = Number(process.env.EXP_SZ ?? 64), IT = Number(process.env.EXP_IT ?? 100000);
it("gc experiment", async () => {
    let hw = 0, hwLive = 0;
    const t0 = Date.now();
    for (let i = 0; i < IT; i++) {
      let x = kd.randn([SZ]);
      const y = x.mul(2).add(1);
      if (i % N === 0) {
        await new Promise((r) => setImmediate(r));
      }
      if (i % N === 0) { const m = kd.memory();
      hw = Math.max(hw, m.wasmBytes); hwLive = Math.max(hwLive, m.liveTensors); }
    }
    await new Promise((r) => setImmediate(r));
    console.log("N", N, "SZ", SZ, "ms", Date.now() - t0, "wasmMB", (hw / 2 ** 20).toFixed(1), "maxLive", hwLive, "end", JSON.stringify(kd.memory()), "hwFinal", (kd.memory().wasmBytes/2**20).toFixed(1));
});
