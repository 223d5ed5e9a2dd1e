// Printed tensors carry their autograd state as PyTorch prints it: requires_grad=True on leaves
// that require grad, grad_fn=<XBackward0> on results. Expected strings are PyTorch 1.13's repr()
// (scripts/gen_repr_fixtures.py -> tests/fixtures/repr.json).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import * as kd from "../ts/index.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/repr.json", import.meta.url), "utf8"));

describe("tensor repr with autograd state", async () => {
  await kd.ready();
  const a = kd.tensor([1, 2], { requiresGrad: true });
  const m = kd.tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const cases: Record<string, () => kd.Tensor> = {
    leaf: () => a,
    plain: () => kd.tensor([1, 2]),
    mul: () => a.mul(2),
    add: () => a.add(1),
    sub: () => a.sub(1),
    div: () => a.div(2),
    pow: () => a.pow(2),
    neg: () => a.neg(),
    sum: () => a.sum(),
    mean: () => a.mean(),
    relu: () => a.relu(),
    exp: () => a.exp(),
    tanh: () => a.tanh(),
    sigmoid: () => a.sigmoid(),
    abs: () => a.abs(),
    sqrt: () => a.sqrt(),
    log: () => a.log(),
    softmax: () => a.softmax(0),
    log_softmax: () => a.logSoftmax(0),
    view: () => a.view([2, 1]),
    mm: () => m.matmul(m),
    detached: () => a.mul(2).detach(),
    int: () => kd.tensor([1, 2], { dtype: "int32" }),
    no_grad: () => kd.noGrad(() => a.mul(2)),
  };

  it("covers every fixture case", () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(fixture.cases).sort());
  });
  for (const [name, make] of Object.entries(cases)) {
    it(`${name} prints as PyTorch does`, () => {
      expect(make().toString()).toBe(fixture.cases[name]);
    });
  }
});
