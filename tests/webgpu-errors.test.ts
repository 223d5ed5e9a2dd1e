// WebGPU bad input and failure: a tensor over the adapter's buffer limit, an op without a kernel,
// and a device lost mid-training (device.destroy()) each give a typed kd.DeviceError, and the CPU
// keeps working afterwards. Its own file: the lost device stays lost for this process.
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { host } from "../ts/gpu/host.js";
import { useSwiftShader } from "./helpers/swiftshader.js";

useSwiftShader();
await kd.ready();
const info = await kd.webgpu.init();

describe("webgpu errors", () => {
  it("a tensor over the adapter's storage-buffer limit is a DeviceError naming the limit", () => {
    const n = Math.floor(info.maxStorageBufferBindingSize / 4) + 1024;
    const big = kd.ones([1]).to("webgpu").expand([n]);
    expect(() => big.contiguous()).toThrow(kd.DeviceError);
    expect(() => big.contiguous()).toThrow(/over this webgpu adapter's storage buffer limit of \d+ bytes/);
  });

  it("storage dtypes and unsupported ops are DeviceErrors naming the op", () => {
    expect(() => kd.ones([2], { dtype: "float64" }).to("webgpu")).toThrow(/float64 tensors is not supported on webgpu/);
    const i = kd.tensor([1, 2], { dtype: "int32" }).to("webgpu");
    expect(() => i.pow(i)).toThrow(/pow on int32 tensors is not supported on webgpu/);
  });

  it("frees buffers into the pool and reuses them: a loop of ops keeps GPU memory flat", async () => {
    const x = kd.randn([64, 64]).to("webgpu");
    const run = async (n: number) => {
      for (let k = 0; k < n; k++) kd.tidy(() => { x.mul(2).exp().add(x).sigmoid(); });
      await kd.webgpu.sync();
      return kd.webgpu.memory();
    };
    await run(5);
    const t0 = performance.now();
    const a = await run(50);
    console.log(`webgpu: ${((performance.now() - t0) / 50).toFixed(2)} ms per 4-op step on ${info.adapter}`, a);
    const b = await run(500);
    // earlier tests' garbage may be collected meanwhile, so nothing may grow: live buffers and
    // all bytes (in use + pooled) at step 500 are at most step 50's (+5%)
    expect(b.buffers).toBeLessThanOrEqual(a.buffers);
    expect(b.bytesInUse).toBeLessThanOrEqual(a.bytesInUse);
    expect(b.bytesInUse + b.bytesPooled).toBeLessThanOrEqual(1.05 * (a.bytesInUse + a.bytesPooled));
    expect(b.bytesInUse).toBeGreaterThanOrEqual(64 * 64 * 4); // x itself is still there
  });

  it("a lost device fails every later webgpu call with a DeviceError, and the CPU still works", async () => {
    const w = kd.randn([4]).to("webgpu");
    const pending = w.exp().data();
    host.device!.destroy();
    await host.device!.lost;
    await expect(pending).rejects.toThrow(kd.DeviceError);
    expect(() => w.exp()).toThrow(/lost/);
    await expect(w.data()).rejects.toThrow(/lost/);
    expect(kd.webgpu.isAvailable()).toBe(false);
    expect(() => kd.ones([2]).to("webgpu")).toThrow(/lost/);
    expect(kd.devices()).toEqual(["cpu"]);
    // training on the CPU is untouched
    const lin = new kd.nn.Linear(3, 1);
    const opt = new kd.optim.SGD(lin.parameters(), { lr: 0.1 });
    const xs = kd.randn([8, 3]);
    const ys = xs.sum(1, true);
    const first = kd.nn.functional.mseLoss(lin.forward(xs), ys).item();
    for (let s = 0; s < 50; s++) {
      opt.zeroGrad();
      const loss = kd.nn.functional.mseLoss(lin.forward(xs), ys);
      loss.backward();
      opt.step();
    }
    expect(kd.nn.functional.mseLoss(lin.forward(xs), ys).item()).toBeLessThan(first * 0.1);
  });
});
