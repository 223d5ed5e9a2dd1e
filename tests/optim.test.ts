// kd.optim against real PyTorch (tests/fixtures/optim.json, from scripts/gen_optim_fixtures.py):
// every optimizer and option spread trains the same 2-layer MLP for 20 steps and must land on
// torch's parameters; schedulers must reproduce torch's lr (and momentum) sequences.
//
// Tolerances. Parameters: |kd - torch| <= 2e-6 + 2e-5·|torch| at every one of the 20 steps.
// The update kernels repeat torch's float32 operation order, but the gradients they are fed
// differ from torch's by float32 rounding (Kindling's matmul and reductions sum in another
// order; torch's vectorised add_ uses fused multiply-adds), and 20 steps carry that forward.
// Measured worst case over all cases: 2.4e-7 absolute (a few float32 ulps), i.e. under 1/8
// of the bound, which leaves room for another summation order in the matmul kernels while
// still catching formula slips (a wrong dampening, momentum init or bias correction moves
// parameters by 1e-4 or more). Adam-type updates divide by sqrt(v) and so amplify relative
// gradient error where a gradient is tiny; the atol covers those elements. Schedules are
// computed in float64 as in Python, so lrs are held to 1e-12 relative.
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import type { Tensor } from "../ts/index.js";
import { ATOL, FX, RTOL, X, Y, fromEnc, loss, makeOpt, makeParams, makeSched, worst, type AnySched, type Enc, type OptimCase, type SchedCase } from "./helpers/optim-fixture.js";

const LR_RTOL = 1e-12;

/** One training step: zeroGrad, loss, backward, step; returns the loss before the step. */
function trainStep(opt: kd.optim.Optimizer, ps: Tensor[]): number {
  opt.zeroGrad();
  const l = loss(ps);
  l.backward();
  const v = Number(l.item());
  l.dispose();
  opt.step();
  return v;
}

function expectParams(ps: Tensor[], expected: number[][], label: string): void {
  ps.forEach((p, i) => {
    const w = worst(p.dataSync() as Float32Array, expected[i]);
    if (w.excess > 0) {
      throw new Error(`${label}: param ${FX.problem.params[i].name}[${w.at}] = ${w.a}, torch ${w.e} (|diff| ${Math.abs(w.a - w.e).toExponential(2)})`);
    }
  });
}

function expectLrs(actual: number[], expected: number[], label: string): void {
  expect(actual.length, label).toBe(expected.length);
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]) <= LR_RTOL * Math.abs(expected[i]) + 1e-300)) {
      throw new Error(`${label}: group ${i} got ${a}, torch ${expected[i]}`);
    }
  });
}

/** A torch state dict from the fixture, with its {values, shape} entries as kd tensors. */
function torchStateDict(sd: OptimCase["state_dict"]): kd.optim.OptimizerStateDict {
  const state: Record<number, Record<string, unknown>> = {};
  for (const [k, s] of Object.entries(sd.state)) {
    state[Number(k)] = Object.fromEntries(Object.entries(s).map(([n, v]) => [n, v && typeof v === "object" ? fromEnc(v as Enc) : v]));
  }
  return { state, param_groups: sd.param_groups.map((g) => ({ ...g })) };
}

function disposeStateDict(sd: kd.optim.OptimizerStateDict): void {
  for (const s of Object.values(sd.state)) for (const v of Object.values(s)) if (v instanceof kd.Tensor) v.dispose();
}

describe(`kd.optim vs torch ${FX.torch}: ${FX.optim.length} optimizer cases x 20 steps`, () => {
  for (const c of FX.optim) {
    it(c.name, () => {
      const ps = makeParams();
      const opt = makeOpt(c, ps);
      const sched = c.scheduler ? makeSched(c.scheduler.type, opt, c.scheduler.options) : null;
      c.steps.forEach((s, t) => {
        const l = trainStep(opt, ps);
        expect(Math.abs(l - s.loss), `${c.name} loss before step ${t + 1}`).toBeLessThanOrEqual(ATOL + RTOL * Math.abs(s.loss));
        if (sched) (sched as kd.optim.LRScheduler).step();
        expectParams(ps, s.params, `${c.name} after step ${t + 1}`);
        expectLrs(opt.paramGroups.map((g) => g.lr), s.lr, `${c.name} lr after step ${t + 1}`);
      });
      opt.dispose();
      ps.forEach((p) => p.dispose());
    });
  }
});

describe("torch's state_dict layout", () => {
  const plain = FX.optim.filter((c) => !c.scheduler);

  it(`a torch state_dict saved after step 10 resumes in Kindling (${plain.length} cases)`, () => {
    for (const c of plain) {
      const k = c.state_dict_at;
      const ps = makeParams(c.steps[k - 1].params);
      const opt = makeOpt(c, ps);
      const sd = torchStateDict(c.state_dict);
      opt.loadStateDict(sd);
      disposeStateDict(sd);
      for (let t = k; t < c.steps.length; t++) {
        trainStep(opt, ps);
        expectParams(ps, c.steps[t].params, `${c.name} resumed from torch, step ${t + 1}`);
      }
      opt.dispose();
    }
  });

  it("Kindling's stateDict has torch's keys and values", () => {
    const TORCH_ONLY = ["foreach", "differentiable", "capturable", "fused"];
    for (const c of plain) {
      const ps = makeParams();
      const opt = makeOpt(c, ps);
      for (let t = 0; t < c.state_dict_at; t++) trainStep(opt, ps);
      const sd = opt.stateDict();
      const ref = c.state_dict;
      expect(sd.param_groups.length).toBe(ref.param_groups.length);
      sd.param_groups.forEach((g, i) => {
        const want = Object.keys(ref.param_groups[i]).filter((k) => !TORCH_ONLY.includes(k)).sort();
        expect(Object.keys(g).sort(), c.name).toEqual(want);
        for (const k of want) expect(g[k], `${c.name} group ${i} ${k}`).toEqual(ref.param_groups[i][k]);
      });
      expect(Object.keys(sd.state).sort(), c.name).toEqual(Object.keys(ref.state).sort());
      for (const [i, s] of Object.entries(ref.state)) {
        const mine = sd.state[Number(i)];
        expect(Object.keys(mine).sort(), `${c.name} state ${i}`).toEqual(Object.keys(s).sort());
        for (const [name, v] of Object.entries(s)) {
          const m = mine[name];
          if (v === null || typeof v === "number") expect(m, `${c.name} state ${i}.${name}`).toBe(v);
          else {
            const w = worst((m as Tensor).dataSync() as Float32Array, (v as Enc).values, 1e-5, 1e-3);
            expect(w.excess, `${c.name} state ${i}.${name}[${w.at}]: ${w.a} vs torch ${w.e}`).toBeLessThanOrEqual(0);
          }
        }
      }
      disposeStateDict(sd);
      opt.dispose();
    }
  });

  it("stateDict() -> loadStateDict() mid-way continues bit for bit (every case)", () => {
    for (const c of FX.optim) {
      const ps = makeParams();
      const opt = makeOpt(c, ps);
      const sched = c.scheduler ? makeSched(c.scheduler.type, opt, c.scheduler.options) as kd.optim.LRScheduler : null;
      for (let t = 0; t < 10; t++) {
        trainStep(opt, ps);
        sched?.step();
      }
      const sd = opt.stateDict();
      const ssd = sched?.stateDict();
      // The snapshot is a copy: the original goes on stepping without touching it.
      const qs = ps.map((p) => kd.tensor(p.detach()).requiresGrad_());
      for (let t = 10; t < 20; t++) {
        trainStep(opt, ps);
        sched?.step();
      }
      const opt2 = makeOpt(c, qs);
      const sched2 = c.scheduler ? makeSched(c.scheduler.type, opt2, c.scheduler.options) as kd.optim.LRScheduler : null;
      opt2.loadStateDict(sd);
      if (sched2 && ssd) sched2.loadStateDict(ssd);
      disposeStateDict(sd);
      for (let t = 10; t < 20; t++) {
        trainStep(opt2, qs);
        sched2?.step();
      }
      qs.forEach((q, i) => expect(Array.from(q.dataSync()), `${c.name} param ${i}`).toEqual(Array.from(ps[i].dataSync())));
      expect(opt2.paramGroups.map((g) => g.lr)).toEqual(opt.paramGroups.map((g) => g.lr));
      opt.dispose();
      opt2.dispose();
    }
  });
});

describe(`lr schedulers vs torch: ${FX.sched.length} cases`, () => {
  const makeAll = (c: SchedCase) => {
    const ps = makeParams();
    const opt = makeOpt({ optimizer: c.optimizer, options: c.opt_options, groups: [{ params: [0, 1], lr: c.group_lrs[0] }, { params: [2, 3], lr: c.group_lrs[1] }] }, ps);
    return { ps, opt, sched: makeSched(c.scheduler, opt, c.options) };
  };
  const momentumOf = (opt: kd.optim.Optimizer) => opt.paramGroups.map((g) => (Array.isArray(g.betas) ? (g.betas as number[])[0] : (g.momentum as number)));
  const stepOnce = (c: SchedCase, s: AnySched, t: number) => {
    if (c.metrics) (s as kd.optim.ReduceLROnPlateau).step(c.metrics[t]);
    else (s as kd.optim.LRScheduler).step();
  };

  for (const c of FX.sched) {
    it(c.name, () => {
      const { opt, sched } = makeAll(c);
      expectLrs(sched.getLastLr(), c.lrs[0], `${c.name} after construction`);
      if (c.momentum) expectLrs(momentumOf(opt), c.momentum[0], `${c.name} momentum after construction`);
      for (let t = 0; t < c.lrs.length - 1; t++) {
        opt.step();
        stepOnce(c, sched, t);
        expectLrs(opt.paramGroups.map((g) => g.lr), c.lrs[t + 1], `${c.name} step ${t + 1}`);
        expectLrs(sched.getLastLr(), c.lrs[t + 1], `${c.name} getLastLr ${t + 1}`);
        if (c.momentum) expectLrs(momentumOf(opt), c.momentum[t + 1], `${c.name} momentum step ${t + 1}`);
      }
      if (c.error_after !== undefined) {
        expect(() => stepOnce(c, sched, c.error_after!)).toThrow(kd.ValueError);
        expect(() => stepOnce(c, sched, c.error_after!)).toThrow(/Tried to step/);
        expectLrs(sched.getLastLr(), c.lrs.at(-1)!, `${c.name} unchanged after the failed step`);
      }
      opt.dispose();
    });
  }

  it("stateDict round trip mid-way gives the same following lrs (every case)", () => {
    for (const c of FX.sched) {
      const a = makeAll(c);
      const k = 12;
      for (let t = 0; t < k; t++) stepOnce(c, a.sched, t);
      const osd = a.opt.stateDict();
      const ssd = a.sched.stateDict();
      expect(JSON.parse(JSON.stringify(ssd)), `${c.name}: a scheduler state dict is plain data`).toBeTruthy();
      const b = makeAll(c);
      b.opt.loadStateDict(osd);
      b.sched.loadStateDict(ssd);
      for (let t = k; t < c.lrs.length - 1; t++) {
        stepOnce(c, b.sched, t);
        expectLrs(b.opt.paramGroups.map((g) => g.lr), c.lrs[t + 1], `${c.name} resumed, step ${t + 1}`);
        if (c.momentum) expectLrs(momentumOf(b.opt), c.momentum[t + 1], `${c.name} resumed momentum ${t + 1}`);
      }
      a.opt.dispose();
      b.opt.dispose();
    }
  });

  it("uses torch's key names in scheduler state dicts", () => {
    const ps = makeParams();
    const opt = new kd.optim.SGD(ps, { lr: 0.1 });
    const cos = new kd.optim.CosineAnnealingLR(opt, { tMax: 5 });
    expect(Object.keys(cos.stateDict()).sort()).toEqual(["T_max", "_last_lr", "_step_count", "base_lrs", "eta_min", "last_epoch"]);
    const plateau = new kd.optim.ReduceLROnPlateau(opt);
    expect(plateau.stateDict()).toMatchObject({ best: Infinity, mode: "min", num_bad_epochs: 0, threshold_mode: "rel", min_lrs: [0] });
  });
});

describe("optimizer API", () => {
  it("zeroGrad sets grads to null by default and zeroes them with setToNone: false", () => {
    const ps = makeParams();
    const opt = new kd.optim.SGD(ps, { lr: 0.1 });
    const l = loss(ps);
    l.backward();
    expect(ps.every((p) => p.grad !== null)).toBe(true);
    opt.zeroGrad();
    expect(ps.every((p) => p.grad === null)).toBe(true);
    const l2 = loss(ps);
    l2.backward();
    opt.zeroGrad({ setToNone: false });
    for (const p of ps) {
      const g = p.grad!;
      expect(g).not.toBeNull();
      expect(Array.from(g.dataSync()).every((x) => x === 0)).toBe(true);
      g.dispose();
    }
    expect(() => opt.zeroGrad({ setToNon: true } as never)).toThrow(kd.ValueError);
  });

  it("step skips parameters without a gradient and creates no state for them", () => {
    const ps = makeParams();
    const before = ps.map((p) => Array.from(p.dataSync()));
    const opt = new kd.optim.Adam(ps, { lr: 0.1 });
    opt.step();
    expect(opt.state.size).toBe(0);
    ps.forEach((p, i) => expect(Array.from(p.dataSync())).toEqual(before[i]));
    // Only W2 gets a gradient.
    const l = ps[2].sum();
    l.backward();
    opt.step();
    expect(opt.state.size).toBe(1);
    expect(opt.state.get(ps[2])!.step).toBe(1);
    expect(Array.from(ps[0].dataSync())).toEqual(before[0]);
  });

  it("param groups keep their own lr; addParamGroup fills in the defaults", () => {
    const ps = makeParams();
    const opt = new kd.optim.SGD([ps[0], ps[1]], { lr: 0.1, momentum: 0.9 });
    opt.addParamGroup({ params: [ps[2], ps[3]], lr: 0.01 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.01]);
    expect(opt.paramGroups[1].momentum).toBe(0.9);
    expect(opt.paramGroups[1].weightDecay).toBe(0);
    // Same behaviour as the sgd_groups-style fixture: one step moves each group by its own lr.
    const before = ps.map((p) => p.dataSync() as Float32Array);
    const l = loss(ps);
    l.backward();
    const grads = ps.map((p) => { const g = p.grad!; const d = g.dataSync() as Float32Array; g.dispose(); return d; });
    opt.step();
    ps.forEach((p, i) => {
      const lr = i < 2 ? 0.1 : 0.01;
      const d = p.dataSync();
      d.forEach((x, j) => expect(x).toBeCloseTo(before[i][j] - lr * grads[i][j], 6));
    });
    expect(() => opt.addParamGroup({ params: [ps[0]] })).toThrow(/more than one parameter group/);
  });

  it("state survives kd.tidy and steps do not leak handles", () => {
    const ps = makeParams();
    const opt = new kd.optim.Adam(ps, { lr: 0.01, amsgrad: true });
    const once = () => kd.tidy(() => { trainStep(opt, ps); });
    once();
    const live = kd.memory().liveTensors;
    for (let i = 0; i < 10; i++) once();
    expect(kd.memory().liveTensors).toBe(live);
    const st = opt.state.get(ps[0])!;
    expect((st.exp_avg as Tensor).isDisposed).toBe(false);
    expect(st.step).toBe(11);
    opt.dispose();
    expect((st.exp_avg as Tensor).isDisposed).toBe(true);
  });

  it("step(closure) evaluates the loss with gradients on and returns it", () => {
    const ps = makeParams();
    const opt = new kd.optim.SGD(ps, { lr: 0.1 });
    const out = kd.noGrad(() => opt.step(() => {
      opt.zeroGrad();
      const l = loss(ps);
      l.backward();
      const v = Number(l.item());
      l.dispose();
      return v;
    }));
    expect(out).toBeCloseTo(FX.optim[0].steps[0].loss, 5);
    expectParams(ps, FX.optim.find((c) => c.name === "sgd")!.steps[0].params, "closure step");
  });

  it("toString lists the groups", () => {
    const opt = new kd.optim.AdamW(makeParams(), { lr: 0.01 });
    expect(opt.toString()).toContain("AdamW (");
    expect(opt.toString()).toContain("weightDecay: 0.01");
  });
});

describe("bad input raises kd.ValueError", () => {
  const ps = makeParams();
  const cases: Array<[string, () => unknown, RegExp]> = [
    ["unknown option", () => new kd.optim.Adam(ps, { lr: 0.1, momentum: 0.9 } as never), /unknown option 'momentum'.*valid options: lr, betas/],
    ["torch-only flag", () => new kd.optim.SGD(ps, { lr: 0.1, foreach: false } as never), /unknown option 'foreach'/],
    ["negative lr", () => new kd.optim.SGD(ps, { lr: -0.1 }), /Invalid learning rate: -0.1/],
    ["negative lr (Adam)", () => new kd.optim.Adam(ps, { lr: -1 }), /Invalid learning rate/],
    ["NaN lr", () => new kd.optim.RMSprop(ps, { lr: NaN }), /lr must be a finite number/],
    ["lr as a string", () => new kd.optim.Adagrad(ps, { lr: "0.1" as never }), /lr must be a finite number/],
    ["SGD without lr", () => new kd.optim.SGD(ps), /required optimization parameter lr/],
    ["nesterov without momentum", () => new kd.optim.SGD(ps, { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum and zero dampening/],
    ["negative momentum", () => new kd.optim.SGD(ps, { lr: 0.1, momentum: -0.5 }), /Invalid momentum value/],
    ["beta out of range", () => new kd.optim.Adam(ps, { betas: [0.9, 1.0] }), /Invalid beta parameter at index 1: 1/],
    ["negative weight decay", () => new kd.optim.AdamW(ps, { weightDecay: -1 }), /Invalid weight_decay value/],
    ["negative eps", () => new kd.optim.RMSprop(ps, { eps: -1 }), /Invalid epsilon value/],
    ["negative lr_decay", () => new kd.optim.Adagrad(ps, { lrDecay: -1 }), /Invalid lr_decay value/],
    ["empty params", () => new kd.optim.SGD([], { lr: 0.1 }), /empty parameter list/],
    ["a single Tensor", () => new kd.optim.SGD(ps[0] as never, { lr: 0.1 }), /iterable of Tensors or dicts/],
    ["non-leaf param", () => new kd.optim.SGD([ps[0].mul(2)], { lr: 0.1 }), /can't optimize a non-leaf Tensor/],
    ["int param", () => new kd.optim.SGD([kd.zeros([2], { dtype: "int32" })], { lr: 0.1 }), /float32/],
    ["duplicate param", () => new kd.optim.SGD([ps[0], ps[0]], { lr: 0.1 }), /same parameter twice/],
    ["unknown group option", () => new kd.optim.SGD([{ params: [ps[0]], lr: 0.1, lrr: 1 }], { lr: 0.1 }), /unknown option 'lrr'/],
    ["negative group lr", () => new kd.optim.SGD([{ params: [ps[0]], lr: -1 }], { lr: 0.1 }), /param group 0.*Invalid learning rate/],
    ["StepLR unknown option", () => new kd.optim.StepLR(new kd.optim.SGD(ps, { lr: 0.1 }), { stepSize: 2, gama: 0.5 } as never), /unknown option 'gama'/],
    ["StepLR stepSize 0", () => new kd.optim.StepLR(new kd.optim.SGD(ps, { lr: 0.1 }), { stepSize: 0 }), /stepSize/],
    ["OneCycleLR without totalSteps", () => new kd.optim.OneCycleLR(new kd.optim.SGD(ps, { lr: 0.1 }), { maxLr: 1 }), /totalSteps OR/],
    ["OneCycleLR bad strategy", () => new kd.optim.OneCycleLR(new kd.optim.SGD(ps, { lr: 0.1 }), { maxLr: 1, totalSteps: 5, annealStrategy: "exp" as never }), /annealStrategy/],
    ["OneCycleLR momentum on Adagrad", () => new kd.optim.OneCycleLR(new kd.optim.Adagrad(ps), { maxLr: 1, totalSteps: 5 }), /must support momentum/],
    ["OneCycleLR maxLr list length", () => new kd.optim.OneCycleLR(new kd.optim.SGD(ps, { lr: 0.1 }), { maxLr: [1, 2], totalSteps: 5 }), /expected 1 values for maxLr/],
    ["ReduceLROnPlateau factor", () => new kd.optim.ReduceLROnPlateau(new kd.optim.SGD(ps, { lr: 0.1 }), { factor: 1 }), /Factor should be < 1.0/],
    ["ReduceLROnPlateau mode", () => new kd.optim.ReduceLROnPlateau(new kd.optim.SGD(ps, { lr: 0.1 }), { mode: "mean" as never }), /mode mean is unknown/],
    ["scheduler on a non-optimizer", () => new kd.optim.ExponentialLR({} as never, { gamma: 0.5 }), /is not an Optimizer/],
    ["resume without initial_lr", () => new kd.optim.ExponentialLR(new kd.optim.SGD(ps, { lr: 0.1 }), { gamma: 0.5, lastEpoch: 3 }), /initial_lr/],
  ];
  for (const [name, fn, msg] of cases) {
    it(name, () => {
      expect(fn).toThrow(kd.ValueError);
      expect(fn).toThrow(msg);
    });
  }

  it("loadStateDict rejects a mismatched dict and leaves the optimizer as it was", () => {
    const opt = new kd.optim.SGD(ps, { lr: 0.1, momentum: 0.9 });
    const sd = opt.stateDict();
    expect(() => opt.loadStateDict({ ...sd, param_groups: [...sd.param_groups, sd.param_groups[0]] })).toThrow(/different number of parameter groups/);
    expect(() => opt.loadStateDict({ ...sd, param_groups: [{ ...sd.param_groups[0], params: [0] }] })).toThrow(/doesn't match the size/);
    expect(() => opt.loadStateDict({ ...sd, param_groups: [{ ...sd.param_groups[0], lr: -1 }] })).toThrow(kd.ValueError);
    const bad = { state: { 0: { momentum_buffer: kd.zeros([7]) } }, param_groups: sd.param_groups };
    expect(() => opt.loadStateDict(bad)).toThrow(/has shape \[7\], expected \[6, 4\]/);
    expect(opt.paramGroups[0].lr).toBe(0.1);
    expect(opt.state.size).toBe(0);
  });

  it("engine checks surface as typed errors: a non-contiguous parameter", () => {
    const w = kd.randn([3, 4]).t().requiresGrad_();
    const opt = new kd.optim.SGD([w], { lr: 0.1 });
    w.sum().backward();
    expect(() => opt.step()).toThrow(kd.ValueError);
    expect(() => opt.step()).toThrow(/parameter must be contiguous/);
  });
});
