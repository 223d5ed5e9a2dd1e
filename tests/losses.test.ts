// kd.nn losses, Linear and activations against real PyTorch (tests/fixtures/nn.json, from
// scripts/gen_nn_fixtures.py): forward values and input/weight gradients within 1e-5
// relative. Then a finite-difference gradient check of every loss and layer that does not
// depend on PyTorch (central differences in float32, eps 1e-3, 1e-2 relative).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { decode, expectClose as expectCloseTo, type FTensor } from "./helpers/torch-fixture.js";

const { nn } = kd;
const F = nn.functional;
type Tensor = kd.Tensor;

// ---- fixtures -----------------------------------------------------------------------------

interface Case {
  name: string;
  fn: string;
  args: Record<string, unknown>;
  inputs: Record<string, FTensor>;
  grad_out?: FTensor;
  out: FTensor;
  grads: Record<string, FTensor>;
}

const doc = JSON.parse(readFileSync(new URL("./fixtures/nn.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };

function expectClose(name: string, actual: Tensor, expected: FTensor, rtol = 1e-5, atol = 1e-6): void {
  expectCloseTo(name, actual, expected, rtol, atol);
}

type Opts = Record<string, unknown>;
/** Each fixture fn as kd.nn.functional and as the loss module, given the decoded inputs. */
const LOSSES: Record<string, { f: (i: Record<string, Tensor>, a: Opts) => Tensor; m: (i: Record<string, Tensor>, a: Opts) => kd.nn.Module }> = {
  l1_loss: { f: (i, a) => F.l1Loss(i.input, i.target, a), m: (_, a) => new nn.L1Loss(a) },
  mse_loss: { f: (i, a) => F.mseLoss(i.input, i.target, a), m: (_, a) => new nn.MSELoss(a) },
  huber_loss: { f: (i, a) => F.huberLoss(i.input, i.target, a), m: (_, a) => new nn.HuberLoss(a) },
  smooth_l1_loss: { f: (i, a) => F.smoothL1Loss(i.input, i.target, a), m: (_, a) => new nn.SmoothL1Loss(a) },
  binary_cross_entropy: {
    f: (i, a) => F.binaryCrossEntropy(i.input, i.target, { ...a, weight: i.weight }),
    m: (i, a) => new nn.BCELoss({ ...a, weight: i.weight }),
  },
  binary_cross_entropy_with_logits: {
    f: (i, a) => F.binaryCrossEntropyWithLogits(i.input, i.target, { ...a, weight: i.weight, posWeight: i.pos_weight }),
    m: (i, a) => new nn.BCEWithLogitsLoss({ ...a, weight: i.weight, posWeight: i.pos_weight }),
  },
  nll_loss: { f: (i, a) => F.nllLoss(i.input, i.target, { ...a, weight: i.weight }), m: (i, a) => new nn.NLLLoss({ ...a, weight: i.weight }) },
  cross_entropy: {
    f: (i, a) => F.crossEntropy(i.input, i.target, { ...a, weight: i.weight }),
    m: (i, a) => new nn.CrossEntropyLoss({ ...a, weight: i.weight }),
  },
};

/** The layer each activation / shape fixture runs through. */
const LAYERS: Record<string, (a: Opts) => kd.nn.Module> = {
  relu: () => new nn.ReLU(),
  leaky_relu: (a) => new nn.LeakyReLU(a.negativeSlope as number | undefined),
  gelu: (a) => new nn.GELU(a.approximate as "none" | "tanh" | undefined),
  silu: () => new nn.SiLU(),
  sigmoid: () => new nn.Sigmoid(),
  tanh: () => new nn.Tanh(),
  softplus: (a) => new nn.Softplus(a.beta as number | undefined, a.threshold as number | undefined),
  logsigmoid: () => new nn.LogSigmoid(),
  softmax: (a) => new nn.Softmax(a.dim as number),
  log_softmax: (a) => new nn.LogSoftmax(a.dim as number),
  flatten: (a) => new nn.Flatten(a.startDim as number | undefined, a.endDim as number | undefined),
  unflatten: (a) => new nn.Unflatten(a.dim as number, a.sizes as number[]),
  identity: () => new nn.Identity(),
};

/** Runs a case: the output, and the inputs that take gradients (leaves). */
function runCase(c: Case, viaModule: boolean): { out: Tensor; grads: Record<string, Tensor | null> } {
  const inputs: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs)) {
    inputs[k] = decode(v);
    if (k in c.grads && v.dtype === "float32") inputs[k].requiresGrad_(true);
  }
  let out: Tensor;
  let gradOf: Record<string, Tensor> = inputs;
  if (c.fn === "linear") {
    const [inF, outF] = [c.inputs.weight.shape[1], c.inputs.weight.shape[0]];
    if (viaModule) {
      const lin = new nn.Linear(inF, outF, { bias: "bias" in c.inputs });
      lin.loadStateDict(Object.fromEntries(Object.entries(inputs).filter(([k]) => k !== "input")));
      out = lin.forward(inputs.input);
      gradOf = { input: inputs.input, weight: lin.weight, ...(lin.bias ? { bias: lin.bias } : {}) };
    } else {
      out = F.linear(inputs.input, inputs.weight, inputs.bias);
    }
  } else if (c.fn in LOSSES) {
    const args = { ...c.args };
    out = viaModule ? LOSSES[c.fn].m(inputs, args).forward(inputs.input, inputs.target) : LOSSES[c.fn].f(inputs, args);
  } else {
    out = LAYERS[c.fn](c.args).forward(inputs.input);
  }
  if (Object.keys(c.grads).length) {
    if (c.grad_out) out.backward(decode(c.grad_out));
    else out.backward();
  }
  const grads: Record<string, Tensor | null> = {};
  for (const k of Object.keys(c.grads)) grads[k] = gradOf[k].grad;
  return { out, grads };
}

describe(`nn fixtures from torch ${doc.torch}`, () => {
  const groups = new Map<string, Case[]>();
  for (const c of doc.cases) groups.set(c.fn, [...(groups.get(c.fn) ?? []), c]);
  for (const [fn, cases] of groups) {
    describe(fn, () => {
      for (const c of cases) {
        const paths = c.fn in LAYERS ? [true] : [false, true];
        for (const viaModule of paths) {
          it(`${c.name}${paths.length > 1 ? (viaModule ? " (module)" : " (functional)") : ""}`, () => {
            kd.tidy(() => {
              const { out, grads } = runCase(c, viaModule);
              expectClose(`${c.name} out`, out, c.out);
              for (const [k, g] of Object.entries(grads)) {
                expect(g, `${c.name}: grad of ${k}`).not.toBeNull();
                expectClose(`${c.name} grad ${k}`, g!, c.grads[k]);
              }
            });
          });
        }
      }
    });
  }
});

// ---- finite differences -------------------------------------------------------------------

let seed = 12345;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
}
const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());

interface Spec { values: number[]; shape: number[]; dtype?: "float32" | "int32"; grad?: boolean }
const randSpec = (shape: number[], f: () => number = gauss, grad = true): Spec => ({
  values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, f), shape, grad,
});
/** Values whose |v| stays at least `gap` away from each kink. */
const awayFrom = (kinks: number[], gap = 0.02, scale = 1.5) => () => {
  for (;;) {
    const v = gauss() * scale;
    if (kinks.every((k) => Math.abs(Math.abs(v) - k) > gap)) return v;
  }
};

/**
 * Compares autograd's gradient of sum(w * f(inputs)) (w fixed random weights; a scalar f is
 * used as it is) with central differences in float32.
 */
function gradCheck(f: (ts: Tensor[]) => Tensor, specs: Spec[], opts: { eps?: number; rtol?: number; before?: () => void } = {}): void {
  const eps = opts.eps ?? 1e-3;
  const rtol = opts.rtol ?? 1e-2;
  const make = (vals: number[][]) => specs.map((s, i) => kd.fromArray(vals[i], s.shape, s.dtype ?? "float32"));
  const base = specs.map((s) => [...s.values]);
  let w: number[] | null = null;
  const evalAt = (vals: number[][]): number => kd.tidy(() => kd.noGrad(() => {
    opts.before?.();
    const y = f(make(vals));
    const out = y.dataSync();
    w ??= Array.from(out, () => gauss());
    if (y.ndim === 0) return out[0];
    let s = 0;
    for (let i = 0; i < out.length; i++) s += out[i] * w[i];
    return s;
  }));
  evalAt(base); // fixes w
  kd.tidy(() => {
    const ts = make(base);
    specs.forEach((s, i) => s.grad && ts[i].requiresGrad_(true));
    opts.before?.();
    const out = f(ts);
    const wt = out.ndim === 0 ? null : kd.fromArray(w!, out.shape, "float32");
    (wt ? out.mul(wt).sum() : out).backward();
    specs.forEach((s, i) => {
      if (!s.grad) return;
      const ana = Array.from(ts[i].grad!.dataSync());
      const scale = Math.max(1, ...ana.map(Math.abs));
      for (let j = 0; j < s.values.length; j++) {
        const plus = base.map((v) => [...v]);
        const minus = base.map((v) => [...v]);
        plus[i][j] += eps;
        minus[i][j] -= eps;
        // the perturbation as float32 really applies it
        const h = Math.fround(plus[i][j]) - Math.fround(minus[i][j]);
        const numeric = (evalAt(plus) - evalAt(minus)) / h;
        const ok = Math.abs(numeric - ana[j]) <= rtol * Math.max(Math.abs(ana[j]), Math.abs(numeric)) + 1e-3 * scale;
        if (!ok) expect.fail(`input ${i}[${j}]: autograd ${ana[j]}, finite difference ${numeric}`);
      }
    });
  });
}

const ints = (shape: number[], n: number): Spec => ({ ...randSpec(shape, () => Math.floor(rnd() * n), false), dtype: "int32" });
const probs = (shape: number[], grad = true) => randSpec(shape, () => 0.05 + 0.9 * rnd(), grad);
const RED = ["none", "mean", "sum"] as const;

describe("finite-difference gradients", () => {
  for (const reduction of RED) {
    describe(`reduction ${reduction}`, () => {
      it("l1Loss", () => gradCheck(([x, y]) => F.l1Loss(x, y, { reduction }), [randSpec([3, 4], awayFrom([0])), randSpec([3, 4], () => 0)]));
      it("mseLoss", () => gradCheck(([x, y]) => F.mseLoss(x, y, { reduction }), [randSpec([3, 4]), randSpec([3, 4])]));
      it("huberLoss", () => gradCheck(([x, y]) => F.huberLoss(x, y, { reduction, delta: 0.7 }), [randSpec([3, 4], awayFrom([0, 0.7])), randSpec([3, 4], () => 0)]));
      it("smoothL1Loss", () => gradCheck(([x, y]) => F.smoothL1Loss(x, y, { reduction, beta: 0.5 }), [randSpec([3, 4], awayFrom([0, 0.5])), randSpec([3, 4], () => 0)]));
      it("binaryCrossEntropy (weight)", () => gradCheck(([x, y, w]) => F.binaryCrossEntropy(x, y, { reduction, weight: w }), [probs([3, 4]), probs([3, 4]), probs([4], false)]));
      it("binaryCrossEntropyWithLogits (posWeight, weight)", () => gradCheck(
        ([x, y, pw, w]) => F.binaryCrossEntropyWithLogits(x, y, { reduction, posWeight: pw, weight: w }),
        [randSpec([3, 4], () => gauss() * 3), probs([3, 4]), probs([4], false), probs([3, 1], false)],
      ));
      it("nllLoss (weight, ignoreIndex)", () => {
        const t = ints([5], 4);
        t.values[2] = -100;
        gradCheck(([x, tt, w]) => F.nllLoss(x, tt, { reduction, weight: w }), [randSpec([5, 4]), t, probs([4], false)]);
      });
      it("crossEntropy (indices, weight, ignoreIndex, labelSmoothing)", () => {
        const t = ints([5], 4);
        t.values[0] = 3;
        gradCheck(([x, tt, w]) => F.crossEntropy(x, tt, { reduction, weight: w, ignoreIndex: 3, labelSmoothing: 0.2 }), [randSpec([5, 4]), t, probs([4], false)]);
      });
      it("crossEntropy (K-dim indices)", () => {
        gradCheck(([x, tt]) => F.crossEntropy(x, tt, { reduction }), [randSpec([2, 3, 2]), ints([2, 2], 3)]);
      });
      it("crossEntropy (probabilities, labelSmoothing)", () => {
        gradCheck(([x, p]) => F.crossEntropy(x, p, { reduction, labelSmoothing: 0.1 }), [randSpec([4, 3]), probs([4, 3])]);
      });
    });
  }

  it("Linear (input, weight, bias)", () => gradCheck(([x, w, b]) => F.linear(x, w, b), [randSpec([3, 4]), randSpec([2, 4]), randSpec([2])]));
  it("nn.Linear module on a 3-D input", () => {
    const lin = new nn.Linear(3, 2);
    gradCheck(([x]) => lin.forward(x), [randSpec([2, 2, 3])]);
  });
  const acts: [string, kd.nn.Module, (() => number)?][] = [
    ["ReLU", new nn.ReLU(), awayFrom([0])],
    ["LeakyReLU", new nn.LeakyReLU(0.1), awayFrom([0])],
    ["GELU", new nn.GELU()],
    ["GELU tanh", new nn.GELU("tanh")],
    ["SiLU", new nn.SiLU()],
    ["Sigmoid", new nn.Sigmoid()],
    ["Tanh", new nn.Tanh()],
    ["Softplus", new nn.Softplus()],
    ["Softplus beta 2", new nn.Softplus(2, 3), awayFrom([1.5])],
    ["LogSigmoid", new nn.LogSigmoid()],
    ["Softmax", new nn.Softmax(1)],
    ["LogSoftmax", new nn.LogSoftmax(0)],
    ["Flatten", new nn.Flatten()],
    ["Unflatten", new nn.Unflatten(1, [2, 3])],
    ["Identity", new nn.Identity()],
  ];
  for (const [name, layer, gen] of acts) {
    it(name, () => gradCheck(([x]) => layer.forward(x), [randSpec(name === "Flatten" ? [2, 3, 2] : [2, 6], gen)]));
  }
  it("Dropout (same mask each evaluation)", () => {
    const d = new nn.Dropout(0.3);
    gradCheck(([x]) => d.forward(x), [randSpec([4, 5])], { before: () => kd.manualSeed(7) });
  });
  it("Sequential MLP", () => {
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2));
    gradCheck(([x, t]) => F.crossEntropy(model.forward(x), t), [randSpec([3, 3]), ints([3], 2)]);
  });
});

describe("cross_entropy's two paths", () => {
  // Plain class targets (all in range, none ignored) take a short path; a weight of ones forces
  // the general one, whose weights are then all 1: the same bits, forward and backward.
  const bits = (t: Tensor) => Array.from(new Uint32Array(new Float32Array(t.dataSync() as Float32Array).buffer));
  for (const [shape, dtype] of [[[10, 7], "int32"], [[33, 10], "int64"], [[3, 5, 4, 2], "int32"]] as const) {
    for (const reduction of ["mean", "sum", "none"] as const) {
      it(`${JSON.stringify(shape)} ${dtype} ${reduction}`, () => {
        kd.manualSeed(11);
        const C = shape[1];
        const target = kd.randint(0, C, [shape[0], ...shape.slice(2)]).to(dtype);
        const x0 = kd.randn([...shape]);
        const run = (weight?: Tensor) => {
          const x = x0.clone().requiresGrad_();
          const loss = F.crossEntropy(x, target, { reduction, ...(weight ? { weight } : {}) });
          (reduction === "none" ? loss.sum() : loss).backward();
          return [bits(loss), bits(x.grad!)];
        };
        expect(run()).toEqual(run(kd.ones([C])));
      });
    }
  }
});
