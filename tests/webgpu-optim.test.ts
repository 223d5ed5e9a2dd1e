// The fused optimizer updates on webgpu against PyTorch (tests/fixtures/optim.json): every case
// of tests/optim.test.ts trains its 2-layer MLP for 20 steps with the parameters and optimizer
// state on "webgpu", under the same tolerances as the CPU. The update kernels are what is
// tested, so each step's loss and gradients are computed on the CPU from the GPU parameters
// read back (the MLP's matmul is not this test's subject), then moved to the GPU as the grads.
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import type { Tensor } from "../ts/index.js";
import { ATOL, FX, RTOL, loss, makeOpt, makeParams, makeSched, worst } from "./helpers/optim-fixture.js";
import { useSwiftShader } from "./helpers/swiftshader.js";

useSwiftShader();
await kd.ready();
await kd.webgpu.init();

/** The GPU parameters' values as CPU leaves that require grad. */
async function hostCopies(ps: Tensor[]): Promise<Tensor[]> {
  return Promise.all(ps.map(async (p) => {
    const d = p.detach();
    try { return (await d.toAsync("cpu")).requiresGrad_(); } finally { d.dispose(); }
  }));
}

/** One step: the loss and grads on the CPU copies, the grads moved to the GPU params, step there. */
async function gpuStep(opt: kd.optim.Optimizer, ps: Tensor[]): Promise<number> {
  opt.zeroGrad();
  const cs = await hostCopies(ps);
  const l = loss(cs);
  l.backward();
  const v = Number(l.item());
  l.dispose();
  ps.forEach((p, i) => { p.grad = cs[i].grad!.to("webgpu"); });
  cs.forEach((c) => c.dispose());
  opt.step();
  return v;
}

describe(`kd.optim on webgpu vs torch ${FX.torch}: ${FX.optim.length} cases x 20 steps`, () => {
  for (const c of FX.optim) {
    it(c.name, async () => {
      const host = makeParams();
      const ps = host.map((p) => p.detach().to("webgpu").requiresGrad_());
      host.forEach((p) => p.dispose());
      expect(ps.every((p) => p.device === "webgpu")).toBe(true);
      const opt = makeOpt(c, ps);
      const sched = c.scheduler ? makeSched(c.scheduler.type, opt, c.scheduler.options) : null;
      for (const [t, s] of c.steps.entries()) {
        const l = await gpuStep(opt, ps);
        expect(Math.abs(l - s.loss), `${c.name} loss before step ${t + 1}`).toBeLessThanOrEqual(ATOL + RTOL * Math.abs(s.loss));
        if (sched) (sched as kd.optim.LRScheduler).step();
        for (const [i, p] of ps.entries()) {
          const w = worst(await p.data() as Float32Array, s.params[i]);
          if (w.excess > 0) throw new Error(`${c.name} after step ${t + 1}: param ${FX.problem.params[i].name}[${w.at}] = ${w.a}, torch ${w.e}`);
        }
      }
      // the state lives on the device too
      const st = opt.stateDict().state[0];
      for (const v of Object.values(st)) if (v instanceof kd.Tensor) expect(v.device).toBe("webgpu");
      opt.dispose();
      ps.forEach((p) => p.dispose());
    });
  }
});
