// PyTorch's positional constructor forms of kd.optim and kd.optim.lrScheduler, against what
// torch 1.13 makes of the same positional arguments (tests/fixtures/optim-positional.json,
// from scripts/gen_positional_fixtures.py): optimizer defaults, and scheduler lr sequences.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import * as kd from "../ts/index.js";

interface Fix {
  optim: Array<{ name: string; args: unknown[]; defaults: Record<string, unknown> }>;
  sched: Array<{ name: string; optimizer: "SGD" | "Adam"; args: unknown[]; metrics?: number[]; lrs: number[][] }>;
}
const fix = JSON.parse(readFileSync(new URL("./fixtures/optim-positional.json", import.meta.url), "utf8")) as Fix;
const toCamel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
// Python's None is JSON null; in kd an unset positional is undefined.
const jsArgs = (a: unknown[]) => a.map((v) => (v === null ? undefined : v));
type Ctor = new (...args: unknown[]) => kd.optim.Optimizer;
type SCtor = new (...args: unknown[]) => { step(m?: number): void; optimizer: kd.optim.Optimizer };

const param = () => kd.zeros([2], { requiresGrad: true });

describe("optimizers take torch's positional arguments", () => {
  for (const c of fix.optim) {
    it(`${c.name}(params, ${JSON.stringify(c.args).slice(1, -1)})`, () => {
      const Opt = (kd.optim as unknown as Record<string, Ctor>)[c.name];
      const opt = new Opt([param()], ...jsArgs(c.args));
      for (const [k, v] of Object.entries(c.defaults)) expect(opt.defaults[toCamel(k)], k).toEqual(v);
      expect(opt.paramGroups[0].lr).toBe(c.defaults.lr);
    });
  }

  it("the positional and options forms build the same optimizer and take the same steps", () => {
    const run = (make: (p: kd.Tensor[]) => kd.optim.Optimizer) => {
      const w = kd.tensor([1, -2, 3], { requiresGrad: true });
      const opt = make([w]);
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        w.mul(w).sum().backward();
        opt.step();
      }
      return Array.from(w.dataSync() as Float32Array);
    };
    const a = run((p) => new kd.optim.SGD(p, 0.1, 0.9, 0, 0, true));
    const b = run((p) => new kd.optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }));
    expect(a).toEqual(b);
    expect(a).not.toEqual([1, -2, 3]);
    // a trailing options object fills keyword-only options (maximize)
    const m = new kd.optim.Adam([param()], 1e-2, [0.8, 0.9], { maximize: true });
    expect(m.defaults).toMatchObject({ lr: 1e-2, betas: [0.8, 0.9], maximize: true });
  });

  it("too many positionals, a typo or an option given twice is a ValueError naming the signature", () => {
    const p = [param()];
    expect(() => new (kd.optim.SGD as unknown as Ctor)(p, 0.1, 0.9, 0, 0, true, false))
      .toThrow(/SGD\(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False.*takes at most 5/);
    expect(() => new kd.optim.Adam(p, 1e-3, { weight_decay: 1 } as never)).toThrow(kd.ValueError);
    expect(() => new kd.optim.Adam(p, 1e-3, { weight_decay: 1 } as never)).toThrow(/did you mean 'weightDecay'/);
    expect(() => new kd.optim.SGD(p, 0.1, { lr: 0.2 })).toThrow(/'lr' both as a positional argument and as an option/);
    expect(() => new (kd.optim.SGD as unknown as Ctor)(p, "0.1")).toThrow(/lr must be a finite number/);
    expect(() => new kd.optim.SGD(p)).toThrow(kd.ValueError);
  });
});

describe("schedulers take torch's positional arguments", () => {
  for (const c of fix.sched) {
    it(`${c.name}(optimizer, ${JSON.stringify(c.args).slice(1, -1)})`, () => {
      const p = [param()];
      const opt = c.optimizer === "SGD" ? new kd.optim.SGD(p, 0.1, 0.9) : new kd.optim.Adam(p, 0.1);
      const S = (kd.optim.lrScheduler as unknown as Record<string, SCtor>)[c.name];
      const sched = new S(opt, ...jsArgs(c.args));
      const lrs = [opt.paramGroups.map((g) => g.lr)];
      for (let i = 0; i < c.lrs.length - 1; i++) {
        if (c.metrics) sched.step(c.metrics[i]);
        else sched.step();
        lrs.push(opt.paramGroups.map((g) => g.lr));
      }
      lrs.flat().forEach((lr, i) => expect(lr).toBeCloseTo(c.lrs.flat()[i], 12));
      opt.dispose();
    });
  }

  it("mistakes are ValueErrors naming torch's signature", () => {
    const opt = new kd.optim.SGD([param()], 0.1);
    expect(() => new (kd.optim.StepLR as unknown as SCtor)(opt, 3, 0.1, -1, false))
      .toThrow(/StepLR\(optimizer, step_size, gamma=0.1, last_epoch=-1\) takes at most 3/);
    expect(() => new kd.optim.StepLR(opt, 3, { step_size: 2 } as never)).toThrow(/StepLR: unknown option 'step_size'; did you mean 'stepSize'/);
    expect(() => new kd.optim.StepLR(opt, 3, { stepSize: 2 } as never)).toThrow(/'stepSize' both as a positional argument and as an option/);
    expect(() => new kd.optim.ReduceLROnPlateau(opt, "min", { factor: 0.5, patients: 3 } as never)).toThrow(/did you mean 'patience'/);
    expect(() => new kd.optim.LinearLR(opt, 1.5)).toThrow(/Starting multiplicative factor expected to be between 0 and 1/);
    expect(() => new kd.optim.ConstantLR(opt, { factor: -1 })).toThrow(/Constant multiplicative factor/);
    // the options form still works
    const s = new kd.optim.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    s.step(); s.step();
    expect(opt.paramGroups[0].lr).toBeCloseTo(0.05, 12);
  });
});
