// nn.Module.registerFullBackwardHook against torch 1.13 (tests/fixtures/backward-hooks.json,
// from scripts/gen_backward_hook_fixtures.py): the order the hooks run in and the gradInput /
// gradOutput they get. Kindling runs them when backward() returns (ts/nn/backward_hooks.ts).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import * as kd from "../ts/index.js";
import { nn } from "../ts/index.js";

type Flat = number[] | null;
interface Call { module: string; grad_input: Flat[]; grad_output: Flat[] }
interface Fix {
  model: { w1: number[]; b1: number[]; w2: number[]; b2: number[] };
  x: number[]; c: number[]; a: number[]; b: number[]; c2: number[];
  cases: Array<{ name: string; x_requires_grad?: boolean; b_requires_grad?: boolean; calls: Call[] }>;
}
const fix = JSON.parse(readFileSync(new URL("./fixtures/backward-hooks.json", import.meta.url), "utf8")) as Fix;
const t = (v: number[], shape: number[], requiresGrad = false) => kd.tensor(v).reshape(shape).detach().requiresGrad_(requiresGrad);
const flat = (g: kd.Tensor | null) => (g ? Array.from(g.dataSync() as Float32Array) : null);

function mlp() {
  const m = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2));
  kd.noGrad(() => {
    (m.at(0) as nn.Linear).weight.copy_(t(fix.model.w1, [4, 3]));
    (m.at(0) as nn.Linear).bias!.copy_(t(fix.model.b1, [4]));
    (m.at(2) as nn.Linear).weight.copy_(t(fix.model.w2, [2, 4]));
    (m.at(2) as nn.Linear).bias!.copy_(t(fix.model.b2, [2]));
  });
  return m;
}

class MulAdd extends nn.Module {
  override forward(a: kd.Tensor, b: kd.Tensor): kd.Tensor {
    return a.mul(b).add(a);
  }
}

function hooked(mods: Array<[string, nn.Module]>, calls: Call[]) {
  for (const [name, m] of mods) {
    m.registerFullBackwardHook((mod, gIn, gOut) => {
      expect(mod).toBe(m);
      calls.push({ module: name, grad_input: gIn.map(flat), grad_output: gOut.map(flat) });
    });
  }
}

function expectCalls(got: Call[], want: Call[]) {
  expect(got.map((c) => c.module)).toEqual(want.map((c) => c.module));
  got.forEach((c, i) => {
    for (const k of ["grad_input", "grad_output"] as const) {
      expect(c[k].length, `${c.module} ${k}`).toBe(want[i][k].length);
      c[k].forEach((g, j) => {
        const w = want[i][k][j];
        if (w === null) return expect(g, `${c.module} ${k}[${j}]`).toBeNull();
        expect(g, `${c.module} ${k}[${j}]`).not.toBeNull();
        g!.forEach((v, n) => expect(Math.abs(v - w[n]), `${c.module} ${k}[${j}][${n}]`).toBeLessThan(1e-5));
      });
    }
  });
}

describe("registerFullBackwardHook matches torch", () => {
  for (const c of fix.cases) {
    it(c.name, () => {
      const calls: Call[] = [];
      if (c.x_requires_grad !== undefined) {
        const m = mlp();
        hooked([["seq", m], ["fc1", m.at(0)], ["act", m.at(1)], ["fc2", m.at(2)]], calls);
        const x = t(fix.x, [5, 3], c.x_requires_grad);
        m.call(x).mul(t(fix.c, [5, 2])).sum().backward();
        // the hooks do not change what backward computed
        if (c.x_requires_grad) expect(flat(x.grad)).toEqual(calls.find((k) => k.module === "fc1")!.grad_input[0]);
      } else {
        const m = new MulAdd();
        hooked([["muladd", m]], calls);
        m.call(t(fix.a, [2, 3], true), t(fix.b, [2, 3], c.b_requires_grad)).mul(t(fix.c2, [2, 3])).sum().backward();
      }
      expectCalls(calls, c.calls);
    });
  }
});

describe("registerFullBackwardHook, Kindling's terms", () => {
  it("parameter gradients are the same with and without hooks; remove() unregisters; a call fires once", () => {
    const run = (hook: boolean) => {
      const m = mlp();
      let n = 0;
      const h = hook ? m.at(0).registerFullBackwardHook(() => { n++; }) : null;
      const y = m.call(t(fix.x, [5, 3])).mul(t(fix.c, [5, 2])).sum();
      y.backward(null, { retainGraph: true });
      y.backward(); // fires no second time
      h?.remove();
      m.call(t(fix.x, [5, 3])).sum().backward(); // removed: no call
      return { n, g: flat((m.at(0) as nn.Linear).weight.grad) };
    };
    const a = run(true);
    const b = run(false);
    expect(a.n).toBe(1);
    expect(a.g).toEqual(b.g);
  });

  it("no hook runs for a call made under noGrad, or for a backward that does not reach the module", () => {
    const m = mlp();
    let n = 0;
    m.registerFullBackwardHook(() => { n++; });
    kd.noGrad(() => m.call(t(fix.x, [5, 3])));
    const other = kd.tensor([1, 2], { requiresGrad: true });
    other.mul(other).sum().backward();
    expect(n).toBe(0);
    m.call(t(fix.x, [5, 3])).sum().backward();
    expect(n).toBe(1);
  });

  it("a hook that returns a value is a ValueError (it cannot replace gradients that already flowed)", () => {
    const m = new nn.Linear(3, 2);
    m.registerFullBackwardHook((_m, gIn) => gIn);
    expect(() => m.call(kd.ones([1, 3])).sum().backward()).toThrow(kd.ValueError);
    expect(m.weight.grad).not.toBeNull();
    expect(() => m.registerFullBackwardHook(3 as never)).toThrow(/hook must be a function/);
  });
});
