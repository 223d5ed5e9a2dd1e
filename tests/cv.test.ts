// Computer-vision ops and layers against real PyTorch (tests/fixtures/cv.json, from
// scripts/gen_cv_fixtures.py): conv2d, conv_transpose2d, max/avg/adaptive pooling, batch /
// layer / group norm, embedding, pad and interpolate, forward values and the gradients of
// every differentiable input. Then finite-difference checks that do not depend on PyTorch,
// the layers' reprs, state dict keys, init, train/eval behaviour, and bad input.
//
// Tolerance: rtol 1e-4, atol 1e-5. The kernels sum in a different order than PyTorch's
// (packed GEMM tiles vs mkldnn / ATen loops; composite norms vs fused kernels), and float32
// rounding of sums of up to a few hundred products differs by a few ulps times the number
// of terms: ~1e-6 relative on values of order 1, with cancellation in a few outputs near 0
// (hence the absolute term). Indices (max pooling) and shapes must match exactly.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { decode, expectClose as expectCloseTo, type FTensor } from "./helpers/torch-fixture.js";
import { FNS, type Args, type Case, type Inputs } from "./helpers/cv-fns.js";

const { nn } = kd;
const F = nn.functional;
type Tensor = kd.Tensor;

// ---- fixtures -----------------------------------------------------------------------------

const doc = JSON.parse(readFileSync(new URL("./fixtures/cv.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };
const RTOL = 1e-4, ATOL = 1e-5;

function expectClose(name: string, actual: Tensor | null | undefined, expected: FTensor, rtol = RTOL, atol = ATOL): void {
  expectCloseTo(name, actual, expected, rtol, atol);
}

/** A conv layer built from the fixture's settings and loaded with torch's weights; its repr must be torch's. */
function convModule(c: Case): (i: Inputs, a: Args) => Tensor {
  return (i, a) => {
    // the layer's options are the fixture's settings less the positional ones and the test's own
    const { inChannels, outChannels, kernelSize, repr: _repr, outputSize: _size, ...opts } = a;
    const m = c.fn === "conv2d_module"
      ? new nn.Conv2d(inChannels, outChannels, kernelSize, opts)
      : new nn.ConvTranspose2d(inChannels, outChannels, kernelSize, opts);
    expect(m.toString()).toBe(a.repr);
    m.loadStateDict({ weight: i.weight, bias: i.bias });
    // route the module's parameter gradients back to the fixture's names
    const y = m instanceof nn.ConvTranspose2d ? m.forward(i.input, a.outputSize) : m.forward(i.input);
    moduleParams.set(c.name, m);
    return y;
  };
}
const moduleParams = new Map<string, kd.nn.Module>();

function replay(c: Case): void {
  const inputs: Inputs = {};
  for (const [k, v] of Object.entries(c.inputs)) {
    inputs[k] = decode(v);
    if (k in c.grads) inputs[k].requiresGrad_(true);
  }
  const isModule = c.fn.endsWith("_module");
  const res = isModule ? convModule(c)(inputs, c.args) : FNS[c.fn](inputs, c.args);
  const out = Array.isArray(res) ? res[0] : res;
  expectClose(`${c.name} out`, out, c.out);
  if (c.indices) {
    expect(Array.isArray(res), `${c.name}: indices`).toBe(true);
    const idx = (res as [Tensor, Tensor])[1];
    expect(idx.dtype).toBe("int32");
    expect(idx.shape).toEqual(c.indices.shape);
    expect(Array.from(idx.dataSync())).toEqual(c.indices.values);
  }
  if (c.state) {
    expectClose(`${c.name} running_mean`, inputs.running_mean, c.state.running_mean);
    expectClose(`${c.name} running_var`, inputs.running_var, c.state.running_var);
  }
  if (c.grad_out) {
    out.backward(decode(c.grad_out));
    const m = moduleParams.get(c.name);
    for (const [k, g] of Object.entries(c.grads)) {
      if (m && k !== "input") {
        expectClose(`${c.name} grad ${k}`, m.getParameter(k).grad, g!);
        continue;
      }
      if (g === null) expect(inputs[k].grad, `${c.name} grad ${k}`).toBeNull();
      else expectClose(`${c.name} grad ${k}`, inputs[k].grad, g);
    }
  }
}

/** A BatchNorm module trained on two batches (x1, x2), then evaluated on x3, as torch's was. */
function replayBatchNorm(c: Case): void {
  const a = c.args as { kind: "1d" | "2d"; momentum: number | null; affine: boolean; trackRunningStats: boolean; eps: number };
  const C = c.inputs.x1.shape[1];
  const Cls = a.kind === "2d" ? nn.BatchNorm2d : nn.BatchNorm1d;
  const bn = new Cls(C, { eps: a.eps, momentum: a.momentum, affine: a.affine, trackRunningStats: a.trackRunningStats });
  if (a.affine) kd.noGrad(() => { bn.weight!.copy_(decode(c.inputs.weight)); bn.bias!.copy_(decode(c.inputs.bias)); });
  bn.train();
  bn.forward(decode(c.inputs.x1));
  const x2 = decode(c.inputs.x2).requiresGrad_(true);
  const y2 = bn.forward(x2);
  expectClose(`${c.name} train out`, y2, c.out);
  y2.backward(decode(c.grad_out!));
  expectClose(`${c.name} grad x2`, x2.grad, c.grads.x2!);
  if (a.affine) {
    expectClose(`${c.name} grad weight`, bn.weight!.grad, c.grads.weight!);
    expectClose(`${c.name} grad bias`, bn.bias!.grad, c.grads.bias!);
  }
  if (c.state) {
    expectClose(`${c.name} running_mean`, bn.runningMean, c.state.running_mean);
    expectClose(`${c.name} running_var`, bn.runningVar, c.state.running_var);
    expect(bn.numBatchesTracked!.item()).toBe(c.state.num_batches_tracked);
  } else {
    expect(bn.runningMean).toBeNull();
  }
  bn.eval();
  bn.zeroGrad();
  const x3 = decode(c.inputs.x3).requiresGrad_(true);
  const y3 = bn.forward(x3);
  expectClose(`${c.name} eval out`, y3, c.eval_out!);
  y3.backward(decode(c.eval_grad_out!));
  expectClose(`${c.name} eval grad x3`, x3.grad, c.eval_grads!.x3);
  if (a.affine) {
    expectClose(`${c.name} eval grad weight`, bn.weight!.grad, c.eval_grads!.weight);
    expectClose(`${c.name} eval grad bias`, bn.bias!.grad, c.eval_grads!.bias);
  }
  if (c.state) expect(bn.numBatchesTracked!.item(), "eval does not count batches").toBe(c.state.num_batches_tracked);
}

describe(`PyTorch ${doc.torch} fixtures`, () => {
  const byFn = new Map<string, Case[]>();
  for (const c of doc.cases) byFn.set(c.fn, [...(byFn.get(c.fn) ?? []), c]);
  for (const [fn, cases] of byFn) {
    describe(fn, () => {
      for (const c of cases) {
        it(c.name, () => {
          kd.tidy(() => (fn === "batch_norm_module" ? replayBatchNorm(c) : replay(c)));
        });
      }
    });
  }

  it("covers every op the issue names, with a grid of convolutions", () => {
    const count = (fn: string) => doc.cases.filter((c) => c.fn === fn).length;
    expect(count("conv2d")).toBeGreaterThanOrEqual(90);
    for (const fn of ["conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm_module", "batch_norm", "layer_norm", "group_norm", "embedding", "pad", "interpolate"]) {
      expect(count(fn), fn).toBeGreaterThan(0);
    }
  });
});

// ---- finite differences -------------------------------------------------------------------

/**
 * Central differences of L = Σ f(inputs) · R (R fixed random) against autograd, at up to
 * `probes` positions of each input. float32, eps 1e-2: exact up to rounding for the linear ops
 * (conv, average pools, bilinear), O(eps²) truncation for the norms; tolerance 2e-2 relative to
 * the largest gradient entry.
 */
function gradcheck(name: string, f: (xs: Tensor[]) => Tensor, inputs: Tensor[], probes = 12, eps = 1e-2): void {
  kd.tidy(() => {
    const leaves = inputs.map((t) => t.detach().requiresGrad_(true));
    const y0 = f(leaves);
    kd.manualSeed(99);
    const R = kd.randn(y0.shape as number[]);
    y0.mul(R).sum().backward();
    const loss = (xs: Tensor[]) => kd.noGrad(() => Number(f(xs).mul(R).sum().item()));
    leaves.forEach((leaf, li) => {
      const g = leaf.grad!.dataSync() as Float32Array;
      const scale = Math.max(1e-3, ...Array.from(g, Math.abs));
      const base = Float32Array.from(leaf.dataSync() as Float32Array);
      const n = base.length;
      for (let k = 0; k < Math.min(probes, n); k++) {
        const i = Math.floor(((k + 0.5) / Math.min(probes, n)) * n);
        const at = (d: number) => {
          const v = Float32Array.from(base);
          v[i] += d;
          const xs = leaves.map((t, j) => (j === li ? kd.fromArray(v, t.shape, "float32") : t.detach()));
          return loss(xs);
        };
        const fd = (at(eps) - at(-eps)) / (2 * eps);
        if (Math.abs(fd - g[i]) > 2e-2 * scale) expect.fail(`${name}: input ${li}[${i}]: autograd ${g[i]}, finite difference ${fd}`);
      }
    });
  });
}

describe("finite-difference gradients", () => {
  kd.manualSeed(3);
  const r = (...s: number[]) => kd.randn(s);
  it("conv2d: strided, padded, dilated, grouped, non-square", () => {
    gradcheck("conv2d", ([x, w, b]) => F.conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }), [r(2, 4, 7, 6), r(6, 2, 3, 2), r(6)]);
    gradcheck("conv2d same", ([x, w]) => F.conv2d(x, w, null, { padding: "same" }), [r(1, 3, 5, 6), r(2, 3, 2, 4)]);
  });
  it("conv_transpose2d with output padding and groups", () => {
    gradcheck("conv_transpose2d", ([x, w, b]) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: [1, 2] }), [r(2, 4, 3, 4), r(4, 3, 3, 2), r(6)]);
  });
  it("pools", () => {
    gradcheck("max_pool2d", ([x]) => F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), [r(2, 2, 7, 6)]);
    gradcheck("avg_pool2d", ([x]) => F.avgPool2d(x, [3, 2], { stride: [2, 1], padding: 1, countIncludePad: false, ceilMode: true }), [r(2, 2, 7, 6)]);
    gradcheck("adaptive_avg_pool2d", ([x]) => F.adaptiveAvgPool2d(x, [3, 4]), [r(2, 2, 7, 6)]);
  });
  it("norms", () => {
    gradcheck("batch_norm", ([x, w, b]) => F.batchNorm(x, null, null, w, b, { training: true }), [r(4, 3, 3, 2), r(3), r(3)]);
    gradcheck("layer_norm", ([x, w, b]) => F.layerNorm(x, [3, 4], w, b), [r(2, 3, 4), r(3, 4), r(3, 4)]);
    gradcheck("group_norm", ([x, w, b]) => F.groupNorm(x, 2, w, b), [r(2, 4, 3, 3), r(4), r(4)]);
  });
  it("interpolate and pad", () => {
    gradcheck("bilinear", ([x]) => F.interpolate(x, { size: [7, 5], mode: "bilinear", alignCorners: false }), [r(1, 2, 4, 3)]);
    gradcheck("reflect pad", ([x]) => F.pad(x, [2, 1, 1, 2], "reflect"), [r(1, 2, 4, 3)]);
  });
});

// ---- layers -------------------------------------------------------------------------------

describe("layers", () => {
  it("print as PyTorch 1.13 prints them", () => {
    const cases: [kd.nn.Module, string][] = [
      [new nn.Conv2d(1, 10, 3, { padding: 1 }), "Conv2d(1, 10, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"],
      [new nn.Conv2d(3, 6, [3, 5], { stride: 2, dilation: [2, 1], groups: 3, bias: false }), "Conv2d(3, 6, kernel_size=(3, 5), stride=(2, 2), dilation=(2, 1), groups=3, bias=False)"],
      [new nn.Conv2d(4, 4, 4, { padding: "same", paddingMode: "reflect" }), "Conv2d(4, 4, kernel_size=(4, 4), stride=(1, 1), padding=same, padding_mode=reflect)"],
      [new nn.Conv2d(2, 2, 1, { padding: "valid" }), "Conv2d(2, 2, kernel_size=(1, 1), stride=(1, 1), padding=valid)"],
      [new nn.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }), "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1), groups=2)"],
      [new nn.MaxPool2d(2), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"],
      [new nn.MaxPool2d([3, 2], { stride: 1, padding: 1, dilation: 2, ceilMode: true }), "MaxPool2d(kernel_size=(3, 2), stride=1, padding=1, dilation=2, ceil_mode=True)"],
      [new nn.AvgPool2d(3, { stride: 2, padding: 1 }), "AvgPool2d(kernel_size=3, stride=2, padding=1)"],
      [new nn.AvgPool2d([2, 3]), "AvgPool2d(kernel_size=(2, 3), stride=(2, 3), padding=0)"],
      [new nn.AdaptiveAvgPool2d([5, 7]), "AdaptiveAvgPool2d(output_size=(5, 7))"],
      [new nn.AdaptiveAvgPool2d(1), "AdaptiveAvgPool2d(output_size=1)"],
      [new nn.AdaptiveAvgPool2d([null, 7]), "AdaptiveAvgPool2d(output_size=(None, 7))"],
      [new nn.BatchNorm2d(10), "BatchNorm2d(10, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"],
      [new nn.BatchNorm1d(5, { eps: 1e-3, momentum: null, affine: false, trackRunningStats: false }), "BatchNorm1d(5, eps=0.001, momentum=None, affine=False, track_running_stats=False)"],
      [new nn.LayerNorm(10), "LayerNorm((10,), eps=1e-05, elementwise_affine=True)"],
      [new nn.LayerNorm([4, 5], { eps: 1e-6, elementwiseAffine: false }), "LayerNorm((4, 5), eps=1e-06, elementwise_affine=False)"],
      [new nn.GroupNorm(2, 4), "GroupNorm(2, 4, eps=1e-05, affine=True)"],
      [new nn.GroupNorm(1, 6, { eps: 0.001, affine: false }), "GroupNorm(1, 6, eps=0.001, affine=False)"],
      [new nn.Embedding(10, 3), "Embedding(10, 3)"],
      [new nn.Embedding(10, 3, { paddingIdx: -1, maxNorm: 1 }), "Embedding(10, 3, padding_idx=9, max_norm=1.0)"],
      [new nn.Dropout2d(), "Dropout2d(p=0.5, inplace=False)"],
      [new nn.Dropout2d(0.25), "Dropout2d(p=0.25, inplace=False)"],
      [new nn.Upsample({ scaleFactor: 2 }), "Upsample(scale_factor=2.0, mode=nearest)"],
      [new nn.Upsample({ size: [4, 5], mode: "bilinear", alignCorners: true }), "Upsample(size=(4, 5), mode=bilinear)"],
      [new nn.Upsample({ scaleFactor: [2, 1.5], mode: "nearest-exact" }), "Upsample(scale_factor=(2.0, 1.5), mode=nearest-exact)"],
    ];
    for (const [m, want] of cases) expect(m.toString()).toBe(want);
  });

  it("MaxPool2d with returnIndices returns [output, indices]", () => {
    const x = kd.tensor([[[[1, 5, 2, 0], [3, 4, 9, 1]]]]);
    const [y, idx] = new nn.MaxPool2d(2, { returnIndices: true }).forward(x);
    expect(Array.from(y.dataSync())).toEqual([5, 9]);
    expect(Array.from(idx.dataSync())).toEqual([1, 6]);
    expect(new nn.MaxPool2d(2).forward(x).relu().shape).toEqual([1, 1, 1, 2]);
  });

  it("Upsample is F.interpolate", () => {
    const x = kd.randn([1, 2, 2, 3]);
    const up = new nn.Upsample({ scaleFactor: 2, mode: "bilinear" });
    expect(Array.from(up.forward(x).dataSync())).toEqual(Array.from(F.interpolate(x, { scaleFactor: 2, mode: "bilinear" }).dataSync()));
    expect(up.forward(x).shape).toEqual([1, 2, 4, 6]);
  });

  it("use PyTorch's state dict keys and shapes", () => {
    const net = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(8, 4, 3, { groups: 4, bias: false }), new nn.GroupNorm(2, 4), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.LayerNorm(4),
    );
    const sd = net.stateDict();
    expect(Object.keys(sd)).toEqual([
      "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
      "4.weight", "5.weight", "5.bias", "8.weight", "8.bias",
    ]);
    expect(sd["0.weight"].shape).toEqual([8, 1, 3, 3]);
    expect(sd["4.weight"].shape).toEqual([4, 2, 3, 3]);
    expect(sd["1.num_batches_tracked"].shape).toEqual([]);
    expect(sd["1.num_batches_tracked"].dtype).toBe("int32");
    expect(net.parameters().length).toBe(9);
    expect(net.buffers().length).toBe(3);
    expect(Object.keys(new nn.ConvTranspose2d(4, 6, 3, { groups: 2 }).stateDict())).toEqual(["weight", "bias"]);
    expect(new nn.ConvTranspose2d(4, 6, 3, { groups: 2 }).weight.shape).toEqual([4, 3, 3, 3]);
    expect(Object.keys(new nn.BatchNorm1d(3, { trackRunningStats: false }).stateDict())).toEqual(["weight", "bias"]);
    expect(Object.keys(new nn.BatchNorm2d(3, { affine: false }).stateDict())).toEqual(["running_mean", "running_var", "num_batches_tracked"]);
    expect(Object.keys(new nn.Embedding(5, 2).stateDict())).toEqual(["weight"]);
    // a state dict round-trips into a fresh model
    const copy = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(8, 4, 3, { groups: 4, bias: false }), new nn.GroupNorm(2, 4), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.LayerNorm(4),
    );
    copy.loadStateDict(sd);
    const x = kd.randn([2, 1, 8, 8]);
    net.eval();
    copy.eval();
    expect(Array.from(copy.forward(x).dataSync())).toEqual(Array.from(net.forward(x).dataSync()));
  });

  it("initialise as PyTorch: kaiming-uniform conv weights, U(±1/√fan_in) bias, N(0,1) embeddings, norms 1 and 0", () => {
    kd.manualSeed(1);
    const conv = new nn.Conv2d(16, 32, 3);
    const bound = 1 / Math.sqrt(16 * 9); // gain √(2/(1+5)) · √(3 / fan_in) = 1/√fan_in
    const w = Array.from(conv.weight.dataSync());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    expect(Math.max(...Array.from(conv.bias!.dataSync(), Math.abs))).toBeLessThanOrEqual(bound);
    const ct = new nn.ConvTranspose2d(16, 8, 3); // weight [16, 8, 3, 3]: fan_in is dim 1 · k·k, as PyTorch computes it
    const tb = 1 / Math.sqrt(8 * 9);
    expect(Math.max(...Array.from(ct.weight.dataSync(), Math.abs))).toBeLessThanOrEqual(tb);
    expect(Math.max(...Array.from(ct.weight.dataSync(), Math.abs))).toBeGreaterThan(0.95 * tb);
    const emb = new nn.Embedding(1000, 20, { paddingIdx: 3 });
    const e = Array.from(emb.weight.dataSync());
    const mean = e.reduce((a, b) => a + b, 0) / e.length;
    const std = Math.sqrt(e.reduce((a, b) => a + (b - mean) ** 2, 0) / e.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(std - 1)).toBeLessThan(0.03);
    expect(e.slice(3 * 20, 4 * 20)).toEqual(Array(20).fill(0));
    for (const m of [new nn.BatchNorm2d(3), new nn.LayerNorm([3]), new nn.GroupNorm(1, 3)]) {
      expect(Array.from(m.getParameter("weight").dataSync())).toEqual([1, 1, 1]);
      expect(Array.from(m.getParameter("bias").dataSync())).toEqual([0, 0, 0]);
    }
    const bn = new nn.BatchNorm2d(2);
    expect(Array.from(bn.runningMean!.dataSync())).toEqual([0, 0]);
    expect(Array.from(bn.runningVar!.dataSync())).toEqual([1, 1]);
    expect(bn.numBatchesTracked!.item()).toBe(0);
  });
});

describe("train / eval behaviour", () => {
  it("BatchNorm2d: batch statistics and running-stat updates in training, running statistics in eval", () => {
    const bn = new nn.BatchNorm2d(2, { momentum: 0.5 });
    const x = kd.tensor([[[[1, 3]], [[0, 4]]], [[[5, 7]], [[8, 0]]]]); // [2, 2, 1, 2]
    const y = bn.forward(x);
    // channel 0: 1 3 5 7 (mean 4, biased var 5, unbiased 20/3); channel 1: 0 4 8 0 (mean 3, var 11, unbiased 44/3)
    const y0 = Array.from(y.dataSync());
    expect(y0[0]).toBeCloseTo((1 - 4) / Math.sqrt(5 + 1e-5), 5);
    expect(Array.from(bn.runningMean!.dataSync())).toEqual([2, 1.5]);
    const rv = Array.from(bn.runningVar!.dataSync());
    expect(rv[0]).toBeCloseTo(0.5 + 0.5 * (20 / 3), 5);
    expect(rv[1]).toBeCloseTo(0.5 + 0.5 * (44 / 3), 5);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    bn.eval();
    const z = Array.from(bn.forward(x).dataSync());
    expect(z[0]).toBeCloseTo((1 - 2) / Math.sqrt(rv[0] + 1e-5), 5);
    expect(Array.from(bn.runningMean!.dataSync()), "eval leaves the running stats alone").toEqual([2, 1.5]);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    // a single sample is fine in eval, an error in training (one value per channel)
    expect(bn.forward(kd.ones([1, 2, 1, 1])).shape).toEqual([1, 2, 1, 1]);
    bn.train();
    expect(() => bn.forward(kd.ones([1, 2, 1, 1]))).toThrow(kd.ValueError);
    expect(() => bn.forward(kd.ones([1, 2, 1, 1]))).toThrow("Expected more than 1 value per channel when training, got input size torch.Size([1, 2, 1, 1])");
  });

  it("momentum null keeps a cumulative average; trackRunningStats false uses batch statistics in eval", () => {
    const bn = new nn.BatchNorm1d(1, { momentum: null });
    for (const m of [1, 2, 6]) bn.forward(kd.tensor([[m - 1], [m + 1]]));
    expect(bn.runningMean!.dataSync()[0]).toBeCloseTo(3, 6); // (1 + 2 + 6) / 3
    expect(bn.runningVar!.dataSync()[0]).toBeCloseTo(2, 6); // each batch's unbiased variance is 2
    bn.resetRunningStats();
    expect(bn.numBatchesTracked!.item()).toBe(0);
    const free = new nn.BatchNorm1d(1, { trackRunningStats: false, affine: false }).eval();
    const y = Array.from(free.forward(kd.tensor([[1], [3]])).dataSync());
    expect(y[0]).toBeCloseTo(-1 / Math.sqrt(1 + 1e-5), 5);
  });

  it("Dropout2d zeroes whole channels with probability p (seeded), scales the rest, and passes through in eval", () => {
    const d = new nn.Dropout2d(0.3);
    const x = kd.ones([40, 50, 3, 2]);
    kd.manualSeed(5);
    const a = d.forward(x);
    kd.manualSeed(5);
    const b = d.forward(x);
    const av = a.dataSync();
    expect(Array.from(av)).toEqual(Array.from(b.dataSync()));
    let dropped = 0;
    for (let c = 0; c < 40 * 50; c++) {
      const ch = Array.from(av.subarray(c * 6, c * 6 + 6));
      expect(new Set(ch).size, "a channel is all kept or all dropped").toBe(1);
      if (ch[0] === 0) dropped++;
      else expect(ch[0]).toBeCloseTo(1 / 0.7, 5);
    }
    expect(Math.abs(dropped / 2000 - 0.3)).toBeLessThan(0.04);
    d.eval();
    expect(Array.from(d.forward(x).dataSync())).toEqual(Array.from(x.dataSync()));
    expect(F.dropout2d(kd.ones([3, 4, 4]), 0.5).shape).toEqual([3, 4, 4]); // unbatched [C, H, W]
  });

  it("Embedding: padding row gets no gradient; fromPretrained freezes; maxNorm renormalises looked-up rows", () => {
    const emb = new nn.Embedding(5, 2, { paddingIdx: 0 });
    const idx = kd.tensor([[0, 1, 1], [4, 0, 2]], { dtype: "int32" });
    const y = emb.forward(idx);
    expect(y.shape).toEqual([2, 3, 2]);
    y.sum().backward();
    expect(Array.from(emb.weight.grad!.dataSync())).toEqual([0, 0, 2, 2, 1, 1, 0, 0, 1, 1]);
    const pre = nn.Embedding.fromPretrained(kd.tensor([[1, 2], [3, 4]]));
    expect(pre.weight.requiresGrad).toBe(false);
    expect(Array.from(pre.forward(kd.tensor([1], { dtype: "int32" })).dataSync())).toEqual([3, 4]);
    expect(nn.Embedding.fromPretrained(kd.tensor([[1, 2]]), { freeze: false }).weight.requiresGrad).toBe(true);
    const mn = nn.Embedding.fromPretrained(kd.tensor([[3, 4], [0.3, 0.4], [6, 8]]), { maxNorm: 1 });
    mn.forward(kd.tensor([0, 1], { dtype: "int32" }));
    const w = Array.from(mn.weight.dataSync());
    expect(w[0]).toBeCloseTo(0.6, 5); // row 0 (norm 5) rescaled to norm 1
    expect(w[2]).toBeCloseTo(0.3, 6); // row 1 (norm 0.5) unchanged
    expect(w[4]).toBe(6); // row 2 not looked up: unchanged
  });

  it("a small CNN trains: loss falls on a toy bar-orientation task, with flat memory", () => {
    kd.manualSeed(0);
    const net = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(4, 4, 3, { padding: "same" }), new nn.ReLU(), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(4, 2),
    );
    // 8x8 images with one vertical (class 0) or horizontal (class 1) bar
    const imgs: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 16; i++) {
      const cls = i % 2, pos = (i * 3) % 8;
      for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) imgs.push((cls === 0 ? c === pos : r === pos) ? 1 : 0);
      labels.push(cls);
    }
    const x = kd.fromArray(imgs, [16, 1, 8, 8], "float32");
    const t = kd.fromArray(labels, [16], "int32");
    const losses: number[] = [];
    let live = 0;
    for (let step = 0; step < 60; step++) {
      kd.tidy(() => {
        const loss = F.crossEntropy(net.forward(x), t);
        losses.push(Number(loss.item()));
        net.zeroGrad();
        loss.backward();
        kd.noGrad(() => { for (const p of net.parameters()) p.sub_(p.grad!.mul(0.1)); });
      });
      if (step === 5) live = kd.memory().liveTensors;
    }
    expect(kd.memory().liveTensors).toBeLessThanOrEqual(live);
    expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
  });
});

// ---- bad input ----------------------------------------------------------------------------

describe("bad input raises typed errors that name the sizes", () => {
  const x = kd.randn([2, 3, 8, 8]);
  it("conv2d", () => {
    expect(() => F.conv2d(x, kd.randn([4, 2, 3, 3]))).toThrow(kd.ShapeError);
    expect(() => F.conv2d(x, kd.randn([4, 2, 3, 3]))).toThrow("Given groups=1, weight of size [4, 2, 3, 3], expected input[2, 3, 8, 8] to have 2 channels, but got 3 channels instead");
    expect(() => new nn.Conv2d(4, 4, 3).forward(x)).toThrow("expected input[2, 3, 8, 8] to have 4 channels, but got 3 channels instead");
    expect(() => F.conv2d(x, kd.randn([4, 3, 9, 3]))).toThrow(kd.ShapeError);
    expect(() => F.conv2d(x, kd.randn([4, 3, 9, 3]))).toThrow("Calculated padded input size per channel: (8 x 8). Kernel size: (9 x 3). Kernel size can't be greater than actual input size");
    expect(() => F.conv2d(x, kd.randn([4, 1, 3, 3]), null, { groups: 2 })).toThrow("Given groups=2, weight of size [4, 1, 3, 3], expected input[2, 3, 8, 8] to have 2 channels, but got 3 channels instead");
    expect(() => F.conv2d(x, kd.randn([3, 1, 3, 3]), null, { groups: 2 })).toThrow(kd.ValueError);
    expect(() => new nn.Conv2d(3, 4, 3, { groups: 2 })).toThrow("in_channels must be divisible by groups (in_channels=3, groups=2)");
    expect(() => new nn.Conv2d(4, 3, 3, { groups: 2 })).toThrow("out_channels must be divisible by groups (out_channels=3, groups=2)");
    expect(() => new nn.Conv2d(3, 3, 3, { groups: 0 })).toThrow(kd.ValueError);
    expect(() => new nn.Conv2d(3, 3, 3, { stride: 2, padding: "same" })).toThrow("padding='same' is not supported for strided convolutions");
    expect(() => F.conv2d(x, kd.randn([4, 3, 3, 3]), null, { stride: 2, padding: "same" })).toThrow(kd.ValueError);
    expect(() => F.conv2d(kd.randn([3, 8]), kd.randn([4, 3, 3, 3]))).toThrow("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [3, 8]");
    expect(() => F.conv2d(x, kd.randn([4, 3, 3, 3]), kd.randn([3]))).toThrow("conv2d: expected bias of shape [4] (one per output channel), got [3]");
    expect(() => F.conv2d(x.int(), kd.randn([4, 3, 3, 3]))).toThrow(kd.DTypeError);
    expect(() => F.conv2d(x, kd.randn([4, 3, 3, 3]), null, { stride: 0 })).toThrow(kd.ValueError);
    expect(() => F.conv2d(x, kd.randn([4, 3, 3, 3]), null, { padding: "full" as "same" })).toThrow("Invalid padding string 'full'");
  });
  it("conv_transpose2d", () => {
    expect(() => F.convTranspose2d(x, kd.randn([4, 2, 3, 3]))).toThrow("Given transposed=1, weight of size [4, 2, 3, 3], expected input[2, 3, 8, 8] to have 4 channels, but got 3 channels instead");
    expect(() => F.convTranspose2d(x, kd.randn([3, 2, 3, 3]), null, { stride: 2, outputPadding: 2 })).toThrow("output padding must be smaller than either stride or dilation");
    expect(() => new nn.ConvTranspose2d(3, 2, 3, { stride: 2 }).forward(x, [20, 20])).toThrow("requested an output size of (20, 20), but valid sizes range from (17, 17) to (18, 18) (for an input of (8, 8))");
  });
  it("pools", () => {
    expect(() => F.maxPool2d(x, 9)).toThrow(kd.ShapeError);
    expect(() => F.maxPool2d(x, 9)).toThrow("input size 8 with padding 0 is smaller than the kernel extent 9");
    expect(() => F.maxPool2d(x, 2, { padding: 2 })).toThrow("pad should be at most half of effective kernel size, but got pad=2, kernel_size=2");
    expect(() => F.avgPool2d(x, 2, { divisorOverride: 0 })).toThrow(kd.ValueError);
    expect(() => F.maxPool2d(kd.randn([8, 8]), 2)).toThrow("expected 3D or 4D input, but got input of size: [8, 8]");
    expect(() => F.adaptiveAvgPool2d(kd.randn([8]), 2)).toThrow(kd.ShapeError);
    expect(() => F.maxPool2d(x.int(), 2)).toThrow(kd.DTypeError);
  });
  it("norms", () => {
    expect(() => new nn.BatchNorm2d(3).forward(kd.randn([2, 3, 4]))).toThrow(kd.ValueError);
    expect(() => new nn.BatchNorm2d(3).forward(kd.randn([2, 3, 4]))).toThrow("expected 4D input (got 3D input)");
    expect(() => new nn.BatchNorm1d(3).forward(x)).toThrow("expected 2D or 3D input (got 4D input)");
    expect(() => new nn.BatchNorm2d(4).forward(x)).toThrow(kd.ShapeError);
    expect(() => new nn.BatchNorm2d(4).forward(x)).toThrow("running_mean should contain 3 elements not 4");
    expect(() => F.layerNorm(x, [4, 8])).toThrow("Given normalized_shape=[4, 8], expected input with shape [*, 4, 8], but got input of size[2, 3, 8, 8]");
    expect(() => F.groupNorm(x, 2)).toThrow("Expected number of channels in input to be divisible by num_groups, but got input of shape [2, 3, 8, 8] and num_groups=2");
    expect(() => new nn.GroupNorm(2, 3)).toThrow(kd.ValueError);
    expect(() => new nn.GroupNorm(3, 6).forward(x)).toThrow("group_norm: weight should contain 3 elements not 6");
  });
  it("embedding, pad, interpolate, dropout2d", () => {
    const emb = new nn.Embedding(4, 2);
    expect(() => emb.forward(kd.tensor([1, 4], { dtype: "int32" }))).toThrow(kd.IndexError);
    expect(() => emb.forward(kd.tensor([1, 4], { dtype: "int32" }))).toThrow("index 4 is out of bounds for an embedding of 4 rows");
    expect(() => emb.forward(kd.tensor([1, 2]))).toThrow(kd.DTypeError);
    expect(() => new nn.Embedding(4, 2, { paddingIdx: 4 })).toThrow("Padding_idx must be within num_embeddings");
    expect(() => F.pad(x, [8, 0], "reflect")).toThrow("Padding size should be less than the corresponding input dimension, but got: padding (8, 0) at dimension 3 of input [2, 3, 8, 8]");
    expect(() => F.pad(x, [1, 2, 3])).toThrow(kd.ValueError);
    expect(() => F.pad(x, [-5, -4])).toThrow("The input size 8, plus negative padding -5 and -4 resulted in a negative output size");
    expect(() => F.interpolate(x, { size: 4, scaleFactor: 2 })).toThrow("only one of size or scale_factor should be defined");
    expect(() => F.interpolate(x)).toThrow("either size or scale_factor should be defined");
    expect(() => F.interpolate(x, { size: 4, alignCorners: true })).toThrow("align_corners option can only be set with the interpolating modes");
    expect(() => F.interpolate(kd.randn([1, 2, 5]), { size: 4, mode: "bilinear" })).toThrow("Got 3D input, but bilinear mode needs 4D input");
    expect(() => F.interpolate(x, { size: [4, 4, 4] })).toThrow("Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of [8, 8] and output size of [4, 4, 4]");
    expect(() => F.dropout2d(kd.randn([2, 3]))).toThrow(kd.ShapeError);
    expect(() => new nn.Dropout2d(1.5)).toThrow(kd.ValueError);
  });
  it("leave the engine usable (no trap)", () => {
    expect(Array.from(kd.ones([2]).add(1).dataSync())).toEqual([2, 2]);
    expect(F.conv2d(x, kd.randn([4, 3, 3, 3]), null, { padding: 1 }).shape).toEqual([2, 4, 8, 8]);
  });
});
