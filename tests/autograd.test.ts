// Autograd against PyTorch and against finite differences.
//
// 1. Fixture replay. tests/fixtures/grad.json is written by scripts/gen_grad_fixtures.py
//    (/usr/bin/python3, torch 1.13): for every differentiable op of the API, the inputs (with
//    an optional view recipe that makes them non-contiguous: transposed, stepped, permuted,
//    expanded), the forward output, a random upstream gradient and torch's gradient of each
//    float leaf. Each case is rebuilt here with the Kindling API, the same view recipe is
//    applied, the op runs through OPS below, and out.backward(gout) (or, for several outputs,
//    sum_i (out_i * gout_i).sum().backward()) must give torch's gradients.
//
//    Tolerance: |actual - expected| <= atol + rtol * |expected| per element, rtol 1e-4 and
//    atol 1e-5 unless a case states its own (none does today, the large/ cases included). torch computes the reference in float64 from the
//    very float32 inputs Kindling gets, so the tolerance is Kindling's float32 error alone:
//    each forward and backward value goes through a handful of float32 ops (a few ulp, ~1e-6
//    relative), a reduction of up to 24 terms, or a cancellation such as softmax's
//    g - sum(g*y) whose absolute error scales with |g| ~ 1 (hence atol 1e-5 rather than 0).
//    NaN must match NaN and ±Infinity must match exactly; integer outputs are exact.
//
// 2. Finite differences (no PyTorch): a composite for each op family, with central
//    differences in float32 (eps 1e-2, or 1e-3 near kinks) against backward(), rtol 2e-2.
//
// 3. Autograd semantics: accumulation, zeroing, noGrad, detach, retainGraph, errors for
//    misuse (second backward, non-scalar root, in-place changes of saved tensors, int
//    tensors, in-place ops on leaves).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { gradFixture as fixture, runGradCase as runCase, type Case } from "./helpers/grad-cases.js";
import type { Tensor } from "../ts/index.js";


describe.each(kd.devices())("autograd on %s: gradients match PyTorch", (device) => {
  it(`fixture: torch ${fixture.torch}, ${fixture.cases.length} cases`, () => {
    expect(fixture.cases.length).toBeGreaterThan(800);
  });
  const byFamily = new Map<string, Case[]>();
  for (const c of fixture.cases) {
    const fam = c.name.split("/")[0];
    if (!byFamily.has(fam)) byFamily.set(fam, []);
    byFamily.get(fam)!.push(c);
  }
  for (const [fam, cases] of byFamily) {
    describe(fam, () => {
      for (const c of cases) it(c.name, () => runCase(c, device));
    });
  }
});

// ---- finite differences ---------------------------------------------------------------------

/**
 * Central differences of L(xs) = sum(f(xs) * w) (w fixed random weights) against backward().
 * L is summed in double from the float32 outputs, and the step actually taken in float32 is
 * the denominator, so the numeric derivative's error is dominated by the float32 rounding of
 * f itself (~1e-7 |f| / eps) and by the eps² truncation term: with eps 1e-2 both are far
 * below rtol 2e-2 for these O(1) functions. atol covers derivatives that are near 0.
 */
async function fdCheck(device: kd.Device, make: (xs: Tensor[]) => Tensor, inputs: Float32Array[], shapes: number[][], opts: { eps?: number; rtol?: number; atol?: number } = {}): Promise<void> {
  const eps = opts.eps ?? 1e-2;
  const rtol = opts.rtol ?? 2e-2;
  const atol = opts.atol ?? 2e-3;
  await kd.tidy(async () => {
    const on = (v: Float32Array, i: number) => kd.tensor(v, { device }).reshape(shapes[i]);
    const leaves = inputs.map((v, i) => on(v, i).requiresGrad_(true));
    const out = make(leaves);
    const w = kd.randn(out.shape as number[], { device });
    const wv = await w.data();
    out.backward(w);
    const grads = await Promise.all(leaves.map((l) => l.grad!.data()));
    const loss = (vals: Float32Array[]) =>
      kd.tidy(() =>
        kd.noGrad(async () => {
          const o = await make(vals.map(on)).data();
          let s = 0;
          for (let k = 0; k < o.length; k++) s += o[k] * wv[k];
          return s;
        }),
      );
    for (let i = 0; i < inputs.length; i++) {
      const v = inputs[i];
      for (let j = 0; j < v.length; j++) {
        const plus = inputs.map((u) => u.slice());
        const minus = inputs.map((u) => u.slice());
        plus[i][j] = v[j] + eps;
        minus[i][j] = v[j] - eps;
        const num = ((await loss(plus)) - (await loss(minus))) / (plus[i][j] - minus[i][j]);
        const an = grads[i][j];
        expect(Math.abs(num - an), `input ${i}[${j}]: numeric ${num} vs backward ${an}`).toBeLessThanOrEqual(atol + rtol * Math.abs(an));
      }
    }
  });
}

function randVals(n: number, scale = 1, shift = 0): Float32Array {
  return kd.tidy(() => kd.randn([n]).mul(scale).add(shift).dataSync() as Float32Array);
}

/** n values spaced well apart (no ties within eps), shuffled. */
function distinctVals(n: number): Float32Array {
  return kd.tidy(() => kd.randperm(n).float().mul(0.31).sub(n * 0.15).add(kd.rand([n]).mul(0.05)).dataSync() as Float32Array);
}

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe.each(kd.devices())("autograd on %s: finite differences", (device) => {
  it("unary chain", async () => {
    kd.manualSeed(1);
    await fdCheck(device, ([x]) => {
      const a = x.tanh().mul(x.mul(0.5).exp()).add(x.sigmoid().mul(x.softplus()));
      const b = x.square().add(1).sqrt().log().add(x.atan()).add(x.erf().mul(x.sin()).mul(x.cos()));
      const c = x.gelu().add(x.gelu("tanh")).add(x.silu()).add(x.expm1().mul(0.1)).add(x.exp2().mul(x.cos()));
      const d = x.square().add(0.5).rsqrt().add(x.abs().add(1).log1p()).add(x.abs().add(1).log2()).add(x.square().add(1).reciprocal());
      return a.add(b).add(c).add(d).add(x.mul(0.3).tan()).add(x.leakyRelu(0.1)).add(x.clamp(-0.5, 0.5).mul(x));
    }, [randVals(12)], [[3, 4]], { eps: 1e-3 });
  });

  it("binary with broadcasting", async () => {
    kd.manualSeed(2);
    const shapes = [[3, 1], [4], [2, 3, 4]];
    await fdCheck(device, ([a, b, c]) => {
      const p = a.mul(b).div(c.square().add(1)).sub(a.pow(2)).add(b.abs().add(0.5).pow(c.tanh()));
      const q = kd.atan2(a.add(0.1), b.sub(c)).add(c.sub(a).mul(b)).add(a.pow(3).rdiv(2)).add(b.rsub(1).mul(c));
      return p.add(q);
    }, shapes.map((s) => randVals(numel(s))), shapes);
  });

  it("maximum, minimum, remainder away from their kinks", async () => {
    kd.manualSeed(3);
    const v = distinctVals(24);
    const a = v.slice(0, 12);
    const b = v.slice(12);
    const r = Float32Array.from(randVals(12), (x, i) => Math.floor(x * 3) + 0.3 + 0.4 * (i % 2)); // frac in {0.3, 0.7}
    await fdCheck(device, ([x, y, z]) => kd.maximum(x, y).mul(kd.minimum(x, y).add(2)).add(z.remainder(1.3).mul(z)).add(kd.maximum(x, 0.05)),
      [a, b, r.map((x) => x * 1.3)], [[3, 4], [3, 4], [3, 4]], { eps: 1e-3 });
  });

  it("reductions", async () => {
    kd.manualSeed(4);
    await fdCheck(device, ([x]) => {
      const r1 = x.var(2).add(x.logsumexp(2)).add(x.mean(2).mul(x.amax(2))).add(x.prod(2)).add(x.std(2)); // [2, 3]
      const r2 = x.sum([0, 2]).add(x.amin([0, 2]).mul(x.var({ dim: [0, 2], correction: 0 }))); // [3]
      const r3 = x.max(1).values.add(x.min(0).values.sum(0)).mul(x.std({ dim: 1, keepdim: false })); // [2, 4]
      const r4 = x.mean([1], true).mul(x.logsumexp([0, 1], true)).add(x.amax()); // [2, 1, 4]
      return kd.cat([r1.flatten(), r2, r3.flatten(), r4.flatten(), x.sum().mul(x.mean()).reshape(1)]);
    }, [distinctVals(24)], [[2, 3, 4]], { eps: 1e-3 });
  });

  it("prod with a zero", async () => {
    await fdCheck(device, ([x]) => x.prod(1).add(x.prod()), [Float32Array.from([0.5, 0, 1.5, -2, 0, 0, 1.2, 0.7, 1.1, -0.9, 0.8, 1.3])], [[3, 4]]);
  });

  it("matmul: batched, broadcast, vectors", async () => {
    kd.manualSeed(5);
    const shapes = [[2, 3, 4], [4, 5], [5], [4]];
    await fdCheck(device, ([a, b, c, d]) => a.matmul(b).tanh().matmul(c).add(a.matmul(d)).add(d.matmul(b).matmul(c)),
      shapes.map((s) => randVals(numel(s))), shapes);
  });

  it("softmax and logSoftmax", async () => {
    kd.manualSeed(6);
    await fdCheck(device, ([x]) => x.softmax(1).mul(x.logSoftmax(0)).add(x.softmax(-1).square()).add(x.logSoftmax(2).mul(x)),
      [randVals(24)], [[2, 3, 4]]);
  });

  it("views", async () => {
    kd.manualSeed(7);
    await fdCheck(device, ([x]) => {
      const v = x.permute(2, 0, 1).slice(0, 1, null, 2).reshape([2, 6]).t(); // [6, 2]
      const w = x.transpose(0, 1).select(2, -1).unsqueeze(0).expand(2, 3, 2).flatten(0, 1).view(2, 3, 2); // [2, 3, 2]
      const u = x.get("...", "1:3").narrow(0, 1, 1).squeeze(0).contiguous().clone().reshape(2, 3); // [2, 3]
      const z = x.get(null, 1, "...", "1:3").squeeze(0).mT.unflatten(0, [2, 1]).expandAs(kd.zeros([2, 2, 3])); // [2, 2, 3]
      return kd.cat([v.mul(v).flatten(), w.sum(0).mul(u.t()).flatten(), u.sin().flatten(), z.square().flatten()]);
    }, [randVals(24)], [[2, 3, 4]]);
  });

  it("cat, stack, split, chunk, unbind", async () => {
    kd.manualSeed(8);
    const shapes = [[2, 3], [3, 3]];
    await fdCheck(device, ([a, b]) => {
      const c = kd.cat([a, b.slice(0, 0, null, 2).square(), a.mul(b.get("1:"))], 0); // [6, 3]
      const s = kd.stack([a, b.get(":2").t().t(), a.exp()], 1); // [2, 3, 3]
      const [p, q] = c.split([2, 4], 0);
      const [u, v] = b.chunk(2, 1); // [3, 2], [3, 1]
      const [r0, r1] = a.unbind(0);
      return kd.cat([p.mul(q.sum(0)).flatten(), s.sum(1).flatten(), u.mul(v).flatten(), r0.mul(r1)]);
    }, shapes.map((s) => randVals(numel(s))), shapes);
  });

  it("indexSelect, gather, scatterAdd, where, maskedFill, get with a tensor", async () => {
    kd.manualSeed(9);
    const shapes = [[3, 4], [2, 4]];
    const idx = kd.tensor([[0, 2, 2, 1], [1, 1, 0, 0]], { dtype: "int32" });
    const mask = kd.tensor([true, false, true, false]);
    const sel = kd.tensor([2, 0, 2], { dtype: "int32" });
    await fdCheck(device, ([x, s]) => {
      const a = x.indexSelect(0, sel).square().sum(0);
      const b = x.gather(0, idx).mul(s);
      const c = x.scatterAdd(0, idx, s.square()).mul(x);
      const d = kd.where(mask, x, s.sum(0).exp()).add(x.maskedFill(mask, 0.5).mul(x));
      const e = x.get(kd.tensor([1, 1], { dtype: "int32" }), "1:").sum(0);
      return c.add(d).add(a.mul(b.sum(0))).sum(0).add(e.sum());
    }, shapes.map((s) => randVals(numel(s))), shapes);
  });
});

// ---- semantics -------------------------------------------------------------------------------

const vals = (t: Tensor | null) => Array.from(t!.dataSync() as Float32Array);
const near = (a: number[], b: number[], tol = 1e-5) => {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => expect(Math.abs(x - b[i]), `element ${i}: ${x} vs ${b[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]))));
};

describe("autograd: semantics", () => {
  it("leaves, requiresGrad, isLeaf, gradFn", () => {
    const w = kd.tensor([1, 2, 3], { requiresGrad: true });
    expect(w.requiresGrad).toBe(true);
    expect(w.isLeaf).toBe(true);
    expect(w.gradFn).toBeNull();
    expect(w.grad).toBeNull();
    const y = w.mul(2);
    expect(y.requiresGrad).toBe(true);
    expect(y.isLeaf).toBe(false);
    expect(y.gradFn).not.toBeNull();
    const c = kd.tensor([1, 2, 3]);
    expect(c.requiresGrad).toBe(false);
    expect(c.mul(2).requiresGrad).toBe(false);
    expect(c.mul(2).isLeaf).toBe(true);
  });

  it("x @ w.t() (Linear) gives w a contiguous gradient with torch's values, 2-D and batched x", () => {
    // dW[j, p] = sum over rows r of g[r, j] * x[r, p]; with g = 1 + j (a weighted sum), exact in f32.
    for (const shape of [[6, 5], [2, 3, 5]]) {
      const x = kd.tensor(Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => ((i * 7) % 11) - 5)).reshape(shape);
      const w = kd.tensor(Array.from({ length: 20 }, (_, i) => (i % 5) - 2)).reshape([4, 5]).requiresGrad_(true);
      const weights = kd.tensor([1, 2, 3, 4]);
      x.matmul(w.t()).mul(weights).sum().backward();
      expect(w.grad!.isContiguous()).toBe(true);
      const xs = vals(x.reshape([-1, 5]));
      const want: number[] = [];
      for (let j = 0; j < 4; j++) for (let p = 0; p < 5; p++) {
        let s = 0;
        for (let r = 0; r < xs.length / 5; r++) s += (j + 1) * xs[r * 5 + p];
        want.push(s);
      }
      expect(vals(w.grad!)).toEqual(want);
    }
  });

  it(".grad accumulates across two backward calls", () => {
    const w = kd.tensor([1, 2, 3], { requiresGrad: true });
    w.mul(w).sum().backward();
    near(vals(w.grad), [2, 4, 6]);
    w.mul(w).sum().backward();
    near(vals(w.grad), [4, 8, 12]);
    w.mul(3).sum().backward();
    near(vals(w.grad), [7, 11, 15]);
  });

  it("the grad read earlier is not changed by a later accumulation", () => {
    const w = kd.tensor([1, 2], { requiresGrad: true });
    w.sum().backward();
    const g1 = w.grad!;
    w.sum().backward();
    near(vals(g1), [1, 1]);
    near(vals(w.grad), [2, 2]);
  });

  it("p.grad = null zeroes the gradient", () => {
    const w = kd.tensor([1, 2, 3], { requiresGrad: true });
    w.mul(w).sum().backward();
    w.grad = null;
    expect(w.grad).toBeNull();
    w.mul(5).sum().backward();
    near(vals(w.grad), [5, 5, 5]);
    w.grad = kd.zeros([3]);
    w.sum().backward();
    near(vals(w.grad), [1, 1, 1]);
    expect(() => { w.grad = kd.zeros([2]); }).toThrow(kd.ShapeError);
    expect(() => { w.grad = kd.zeros([3], { dtype: "int32" }); }).toThrow(kd.DTypeError);
  });

  it("kd.noGrad disables recording", () => {
    const w = kd.tensor([1, 2, 3], { requiresGrad: true });
    const y = kd.noGrad(() => w.mul(2).exp().sum());
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(kd.isGradEnabled()).toBe(true);
    const views = kd.noGrad(() => [w.view(3, 1), w.t(), w.get("1:"), w.expand(2, 3), w.unsqueeze(0), kd.cat([w, w]), kd.stack([w, w])]);
    for (const v of views) expect(v.requiresGrad).toBe(false);
    const z = kd.noGrad(() => kd.enableGrad(() => w.mul(2)));
    expect(z.requiresGrad).toBe(true);
    expect(() => y.backward()).toThrow(kd.AutogradError);
    // parameter updates inside noGrad: an in-place op on a leaf is allowed there
    kd.noGrad(() => w.sub_(kd.tensor([1, 1, 1])));
    near(vals(w), [0, 1, 2]);
    expect(w.requiresGrad).toBe(true);
  });

  it("detach shares data but no history", () => {
    const w = kd.tensor([1, 2, 3], { requiresGrad: true });
    const y = w.mul(2);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    near(vals(d), [2, 4, 6]);
    const loss = w.mul(d).sum(); // d is a constant
    loss.backward();
    near(vals(w.grad), [2, 4, 6]);
    const wd = w.detach();
    expect(wd.requiresGrad).toBe(false);
    expect(wd.mul(3).requiresGrad).toBe(false);
  });

  it("gradients through views, broadcasting, indexing, cat/stack/split", () => {
    const w = kd.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    w.t().get(1).mul(kd.tensor([10, 20])).sum().backward();
    near(vals(w.grad), [0, 10, 0, 0, 20, 0]);
    w.grad = null;
    const b = kd.tensor([1, 2, 3], { requiresGrad: true });
    w.add(b).mul(w.get(":", "0:1")).sum().backward(); // b broadcast over rows; column 0 broadcast over columns
    near(vals(b.grad), [1 + 4, 1 + 4, 1 + 4]);
    near(vals(w.grad), [1 + (1 + 1) + (2 + 2) + (3 + 3) , 1, 1, 4 + (4 + 1) + (5 + 2) + (6 + 3), 4, 4]);
    w.grad = null;
    const [p, q] = w.split([1, 2], 1);
    kd.cat([q, p.mul(3)], 1).sum().backward();
    near(vals(w.grad), [3, 1, 1, 3, 1, 1]);
    w.grad = null;
    kd.stack([w, w.mul(2)], 0).get(1).sum().backward();
    near(vals(w.grad), [2, 2, 2, 2, 2, 2]);
  });

  it("retainGraph: a second backward needs it, and accumulates with it", () => {
    const w = kd.tensor([1, 2, 3], { requiresGrad: true });
    const y = w.mul(w).sum();
    y.backward();
    let err: unknown;
    try { y.backward(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(kd.AutogradError);
    expect((err as Error).message).toMatch(/second time/);
    near(vals(w.grad), [2, 4, 6]);

    const v = kd.tensor([1, 2, 3], { requiresGrad: true });
    const z = v.exp().sum();
    z.backward(null, { retainGraph: true });
    z.backward(null, { retainGraph: true });
    z.backward();
    near(vals(v.grad), [1, 2, 3].map((x) => 3 * Math.exp(x)));
    expect(() => z.backward()).toThrow(/second time/);
  });

  it("retainGraph on a shared subgraph: two roots", () => {
    const w = kd.tensor([1, 2], { requiresGrad: true });
    const h = w.exp();
    h.sum().backward(null, { retainGraph: true });
    h.mul(2).sum().backward();
    near(vals(w.grad), [1, 2].map((x) => 3 * Math.exp(x)));
  });

  it("backward on a non-scalar needs a gradient", () => {
    const w = kd.tensor([1, 2, 3], { requiresGrad: true });
    const y = w.mul(2);
    expect(() => y.backward()).toThrow(kd.AutogradError);
    expect(() => y.backward()).toThrow(/scalar/);
    expect(() => y.backward(kd.ones([2]))).toThrow(kd.ShapeError);
    y.backward(kd.tensor([1, 0.5, -1]));
    near(vals(w.grad), [2, 1, -2]);
    // an int gradient is cast to the root's dtype, as torch does
    w.grad = null;
    w.mul(2).backward(kd.tensor([1, 2, 3], { dtype: "int32" }));
    expect(w.grad!.dtype).toBe("float32");
    near(vals(w.grad), [2, 4, 6]);
    const leaf = kd.tensor([1, 2], { requiresGrad: true });
    leaf.backward(kd.tensor([4, 5], { dtype: "int32" }));
    expect(leaf.grad!.dtype).toBe("float32");
    // a one-element non-0-d root is fine without a gradient (as in torch)
    const v = kd.tensor([[2]], { requiresGrad: true });
    v.mul(3).backward();
    near(vals(v.grad), [3]);
  });

  it("backward on a tensor that does not require grad raises", () => {
    expect(() => kd.tensor([1, 2]).sum().backward()).toThrow(kd.AutogradError);
  });

  it("in-place modification of a saved tensor is detected", () => {
    const a = kd.randn([3]);
    const w = kd.randn([3], { requiresGrad: true });
    const y = w.mul(a).sum();
    a.add_(1);
    let err: unknown;
    try { y.backward(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(kd.AutogradError);
    expect((err as Error).message).toMatch(/inplace/);
    // through a view of the saved tensor too
    const b = kd.randn([2, 3]);
    const v = kd.randn([3], { requiresGrad: true });
    const z = v.mul(b).sum();
    b.get(0).mul_(2);
    expect(() => z.backward()).toThrow(/inplace/);
    // an in-place change of a tensor the backward does not need is fine
    const c = kd.randn([3]);
    const u = kd.randn([3], { requiresGrad: true });
    const s = u.add(c).sum();
    c.add_(1);
    s.backward();
    near(vals(u.grad), [1, 1, 1]);
  });

  it("requiresGrad_ on an int tensor raises DTypeError", () => {
    expect(() => kd.tensor([1, 2], { dtype: "int32" }).requiresGrad_()).toThrow(kd.DTypeError);
    expect(() => kd.tensor([true, false]).requiresGrad_()).toThrow(kd.DTypeError);
    expect(() => kd.zeros([2], { dtype: "int32", requiresGrad: true })).toThrow(kd.DTypeError);
    expect(kd.tensor([1, 2], { dtype: "int32" }).requiresGrad_(false).requiresGrad).toBe(false);
  });

  it("in-place ops on a leaf that requires grad raise", () => {
    const w = kd.tensor([1, 2, 3], { requiresGrad: true });
    expect(() => w.add_(1)).toThrow(kd.AutogradError);
    expect(() => w.mul_(2)).toThrow(kd.AutogradError);
    expect(() => w.zero_()).toThrow(kd.AutogradError);
    expect(() => w.copy_(kd.zeros([3]))).toThrow(/leaf/);
    near(vals(w), [1, 2, 3]);
  });

  it("requiresGrad_ on a non-leaf raises", () => {
    const w = kd.tensor([1, 2], { requiresGrad: true });
    expect(() => w.mul(2).requiresGrad_(false)).toThrow(kd.AutogradError);
  });

  it("casts: float to float keeps the gradient, to int or bool ends it", () => {
    const w = kd.tensor([1.5, -2.5], { requiresGrad: true });
    expect(w.to("float32").requiresGrad).toBe(true);
    expect(w.int().requiresGrad).toBe(false);
    expect(w.bool().requiresGrad).toBe(false);
    w.float().mul(2).sum().backward();
    near(vals(w.grad), [2, 2]);
  });

  it("integer and boolean results carry no gradient", () => {
    const w = kd.tensor([1.5, -2.5, 3], { requiresGrad: true });
    const intSelf = kd.zeros([3], { dtype: "int32" }).scatterAdd(0, kd.tensor([0, 2, 2], { dtype: "int32" }), w);
    for (const t of [w.gt(0), w.argmax(), w.max(0).indices, w.logicalNot(), w.eq(w), w.floorDivide(2).int(), intSelf]) {
      expect(t.requiresGrad).toBe(false);
    }
  });

  it("retainGrad keeps a non-leaf's gradient", () => {
    const w = kd.tensor([1, 2, 3], { requiresGrad: true });
    const h = w.mul(2);
    h.retainGrad();
    const y = h.mul(h).sum();
    y.retainGrad();
    y.backward();
    near(vals(h.grad), [4, 8, 12]);
    near(vals(y.grad), [1]);
    near(vals(w.grad), [8, 16, 24]);
    expect(() => kd.tensor([1]).retainGrad()).toThrow(kd.AutogradError);
  });

  it("a tensor used by two ops gets both gradients (diamond)", () => {
    const w = kd.tensor([0.5, -1], { requiresGrad: true });
    const h = w.exp();
    const y = h.mul(h.sin()).add(h.square()).sum();
    y.backward();
    const e = [0.5, -1].map(Math.exp);
    near(vals(w.grad), e.map((x) => (Math.sin(x) + x * Math.cos(x) + 2 * x) * x), 1e-5);
  });

  it("backward from a leaf", () => {
    const w = kd.tensor([1, 2], { requiresGrad: true });
    w.backward(kd.tensor([3, 4]));
    near(vals(w.grad), [3, 4]);
  });
});
