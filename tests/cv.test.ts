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

const { nn } = kd;
const F = nn.functional;
type Tensor = kd.Tensor;

// ---- fixtures -----------------------------------------------------------------------------

interface FTensor { values: (number | string)[]; shape: number[]; dtype: "float32" | "int32" }
interface Case {
  name: string;
  fn: string;
  args: Record<string, unknown>;
  inputs: Record<string, FTensor>;
  grad_out?: FTensor;
  out: FTensor;
  grads: Record<string, FTensor | null>;
  indices?: FTensor;
  state?: { running_mean: FTensor; running_var: FTensor; num_batches_tracked?: number };
  eval_grad_out?: FTensor;
  eval_out?: FTensor;
  eval_grads?: Record<string, FTensor>;
}

const doc = JSON.parse(readFileSync(new URL("./fixtures/cv.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };
const num = (v: number | string) => (typeof v === "number" ? v : v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity);
const decode = (t: FTensor): Tensor => kd.fromArray(t.values.map(num), t.shape, t.dtype);
const RTOL = 1e-4, ATOL = 1e-5;

function expectClose(name: string, actual: Tensor | null | undefined, expected: FTensor, rtol = RTOL, atol = ATOL): void {
  expect(actual, `${name}: missing`).toBeTruthy();
  expect(actual!.shape, `${name}: shape`).toEqual(expected.shape);
  const a = actual!.dataSync();
  const e = expected.values.map(num);
  for (let i = 0; i < e.length; i++) {
    const x = a[i], y = e[i];
    if (Number.isNaN(y)) {
      expect(Number.isNaN(x), `${name}[${i}]: expected NaN, got ${x}`).toBe(true);
      continue;
    }
    const ok = x === y || Math.abs(x - y) <= atol + rtol * Math.abs(y);
    if (!ok) expect.fail(`${name}[${i}]: got ${x}, torch ${y} (diff ${Math.abs(x - y)})`);
  }
}

type Inputs = Record<string, Tensor>;
type Args = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Each fixture fn through kd.nn.functional, given the decoded inputs (grad-requiring where torch's were). */
const FNS: Record<string, (i: Inputs, a: Args) => Tensor | [Tensor, Tensor]> = {
  conv2d: (i, a) => F.conv2d(i.input, i.weight, i.bias ?? null, a),
  conv_transpose2d: (i, a) => F.convTranspose2d(i.input, i.weight, i.bias ?? null, a),
  max_pool2d: (i, a) => F.maxPool2d(i.input, a.kernelSize, { ...a, returnIndices: true }),
  avg_pool2d: (i, a) => F.avgPool2d(i.input, a.kernelSize, a),
  adaptive_avg_pool2d: (i, a) => F.adaptiveAvgPool2d(i.input, a.outputSize),
  batch_norm: (i, a) => F.batchNorm(i.input, i.running_mean, i.running_var, i.weight, i.bias, a),
  layer_norm: (i, a) => F.layerNorm(i.input, a.normalizedShape, i.weight ?? null, i.bias ?? null, a.eps),
  group_norm: (i, a) => F.groupNorm(i.input, a.numGroups, i.weight ?? null, i.bias ?? null, a.eps),
  embedding: (i, a) => F.embedding(i.indices, i.weight, a),
  pad: (i, a) => F.pad(i.input, a.pad, a.mode, a.value ?? 0),
  interpolate: (i, a) => F.interpolate(i.input, a),
};

/** A conv layer built from the fixture's settings and loaded with torch's weights; its repr must be torch's. */
function convModule(c: Case): (i: Inputs, a: Args) => Tensor {
  return (i, a) => {
    const m = c.fn === "conv2d_module"
      ? new nn.Conv2d(a.inChannels, a.outChannels, a.kernelSize, a)
      : new nn.ConvTranspose2d(a.inChannels, a.outChannels, a.kernelSize, a);
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
