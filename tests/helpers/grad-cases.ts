// The gradient fixtures (tests/fixtures/grad.json, scripts/gen_grad_fixtures.py) replayed on a
// device: shared by tests/autograd.test.ts (every device of kd.devices()) and tests/webgpu.test.ts.
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import * as kd from "../../ts/index.js";
import { applyView, mismatches, num, type Num, type ViewStep } from "./torch-fixture.js";
import type { Tensor } from "../../ts/index.js";
type DT = "float32" | "int32" | "bool";
interface InSpec { values: Num[]; shape: number[]; dtype: DT; grad: boolean; view?: ViewStep[] }
interface ValSpec { values: Num[]; shape: number[]; dtype?: DT }
export interface Case {
  name: string; op: string; args: Record<string, any>; inputs: InSpec[];
  out: ValSpec[]; gout: (ValSpec | null)[]; grads: (ValSpec | null)[];
  tol?: { rtol: number; atol: number; why: string };
  /** A view recipe applied to each float output, so the backward rule gets a non-contiguous gradient. */
  post?: ViewStep[];
}

export const gradFixture: { torch: string; seed: number; cases: Case[] } = JSON.parse(
  readFileSync(new URL("../fixtures/grad.json", import.meta.url), "utf8"),
);

const RTOL = 1e-4;
const ATOL = 1e-5;

function fromSpec(values: Num[], shape: number[], dtype: DT, device: kd.Device = "cpu"): Tensor {
  const vals = values.map(num);
  const typed = dtype === "float32" ? Float32Array.from(vals) : dtype === "int32" ? Int32Array.from(vals) : Uint8Array.from(vals);
  return kd.tensor(typed, { dtype, device }).reshape(shape);
}

/** The leaf (requiring grad when the case says so) and the tensor the op sees (after the view recipe). */
function build(spec: InSpec, device: kd.Device): { leaf: Tensor; t: Tensor } {
  const leaf = fromSpec(spec.values, spec.shape, spec.dtype, device);
  if (spec.grad) leaf.requiresGrad_(true);
  return { leaf, t: applyView(leaf, spec.view) };
}

type OpFn = (x: Tensor[], a: Record<string, any>) => Tensor | Tensor[];
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const call = (t: Tensor, name: string, ...args: unknown[]): Tensor => (t as any)[camel(name)](...args);

/** get() index items from the fixture: {"tensor": [...]} is an int32 index tensor. */
const indexItems = (items: any[]) =>
  items.map((i) => (i !== null && typeof i === "object" ? kd.tensor(i.tensor, { dtype: "int32" }) : i));

const OPS: Record<string, OpFn> = {
  unary: ([x], a) => call(x, a.fn),
  gelu: ([x], a) => x.gelu(a.approximate),
  leaky_relu: ([x], a) => x.leakyRelu(a.slope),
  clamp: ([x], a) => x.clamp(a.min, a.max),
  binary: ([x, y], a) => call(x, a.fn, y),
  binary_self: ([x], a) => call(x, a.fn, x),
  binary_scalar: ([x], a) => x.binary(a.fn, a.scalar, a.reverse),
  reduce: ([x], a) => {
    if (a.fn === "var" || a.fn === "std") return call(x, a.fn, { dim: a.dim ?? undefined, keepdim: a.keepdim, correction: a.correction });
    return call(x, a.fn, a.dim, a.keepdim);
  },
  max_all: ([x], a) => (a.fn === "max" ? x.max() : x.min()),
  max_dim: ([x], a) => {
    const r = a.fn === "max" ? x.max(a.dim, a.keepdim) : x.min(a.dim, a.keepdim);
    return [r.values, r.indices];
  },
  matmul: ([x, y]) => x.matmul(y),
  softmax: ([x], a) => (a.log ? x.logSoftmax(a.dim) : x.softmax(a.dim)),
  view: ([x], a) => x.view(a.shape),
  reshape: ([x], a) => x.reshape(a.shape),
  reshape_as: ([x], a) => x.reshapeAs(kd.zeros(a.shape)),
  view_as: ([x], a) => x.viewAs(kd.zeros(a.shape)),
  permute: ([x], a) => x.permute(a.dims),
  transpose: ([x], a) => x.transpose(a.d0, a.d1),
  t: ([x]) => x.t(),
  mT: ([x]) => x.mT,
  unsqueeze: ([x], a) => x.unsqueeze(a.dim),
  squeeze: ([x], a) => (a.dim === null ? x.squeeze() : x.squeeze(a.dim)),
  expand: ([x], a) => x.expand(a.sizes),
  expand_as: ([x], a) => x.expandAs(kd.zeros(a.shape)),
  flatten: ([x], a) => x.flatten(a.start, a.end),
  unflatten: ([x], a) => x.unflatten(a.dim, a.sizes),
  slice: ([x], a) => x.slice(a.dim, a.start, a.end, a.step),
  narrow: ([x], a) => x.narrow(a.dim, a.start, a.length),
  select: ([x], a) => x.select(a.dim, a.index),
  contiguous: ([x]) => x.contiguous(),
  clone: ([x]) => x.clone(),
  to_float: ([x]) => x.to("float32"),
  float: ([x]) => x.float(),
  unbind: ([x], a) => x.unbind(a.dim),
  get: ([x], a) => x.get(...indexItems(a.indices)),
  cat: (xs, a) => kd.cat(xs, a.dim),
  cat_self: ([x], a) => kd.cat([x, x], a.dim),
  stack: (xs, a) => kd.stack(xs, a.dim),
  split: ([x], a) => x.split(a.size, a.dim),
  split_first: ([x], a) => x.split(a.size, a.dim)[0],
  chunk: ([x], a) => x.chunk(a.chunks, a.dim),
  index_select: ([x, i], a) => x.indexSelect(a.dim, i),
  gather: ([x, i], a) => x.gather(a.dim, i),
  scatter_add: ([x, i, s], a) => x.scatterAdd(a.dim, i, s),
  where: ([c, x, y]) => kd.where(c, x, y),
  where_scalar: ([c, x], a) => (a.side === "b" ? kd.where(c, x, a.scalar) : kd.where(c, a.scalar, x)),
  tensor_where: ([x, c, y]) => x.where(c, y),
  masked_fill: ([x, m], a) => x.maskedFill(m, a.value),
};

async function expectClose(what: string, t: Tensor, spec: ValSpec, rtol: number, atol: number): Promise<void> {
  expect([...t.shape], `${what}: shape`).toEqual(spec.shape);
  if (spec.dtype) expect(t.dtype, `${what}: dtype`).toBe(spec.dtype);
  const exact = spec.dtype === "int32" || spec.dtype === "bool";
  const m = mismatches(await t.data(), spec.values, { rtol: exact ? 0 : rtol, atol: exact ? 0 : atol, limit: 1 });
  expect(m[0] ?? null, `${what}: ${m[0]}`).toBeNull();
}

/** One fixture case with its inputs on `device`, read back with await. */
export async function runGradCase(c: Case, device: kd.Device): Promise<void> {
  const rtol = c.tol?.rtol ?? RTOL;
  const atol = c.tol?.atol ?? ATOL;
  await kd.tidy(async () => {
    const built = c.inputs.map((spec) => build(spec, device));
    const r = OPS[c.op](built.map((b) => b.t), c.args);
    const outs = (Array.isArray(r) ? r : [r]).map((o) => (o.dtype === "float32" ? applyView(o, c.post) : o));
    expect(outs.length, "number of outputs").toBe(c.out.length);
    for (let i = 0; i < outs.length; i++) await expectClose(`out[${i}]`, outs[i], c.out[i], rtol, atol);
    const pairs: [Tensor, Tensor][] = [];
    outs.forEach((o, i) => {
      const g = c.gout[i];
      if (g) {
        expect(o.requiresGrad, `out[${i}].requiresGrad`).toBe(true);
        pairs.push([o, fromSpec(g.values, g.shape, "float32", device)]);
      } else if (o.dtype !== "float32") {
        expect(o.requiresGrad, `out[${i}] (${o.dtype}) requiresGrad`).toBe(false);
      }
    });
    if (pairs.length === 1) {
      pairs[0][0].backward(pairs[0][1]);
    } else {
      let loss = pairs[0][0].mul(pairs[0][1]).sum();
      for (const [o, g] of pairs.slice(1)) loss = loss.add(o.mul(g).sum());
      loss.backward();
    }
    for (let i = 0; i < built.length; i++) {
      const want = c.grads[i];
      if (want === null) {
        if (c.inputs[i].dtype === "float32") expect(built[i].leaf.grad, `input ${i} needs no grad`).toBeNull();
        continue;
      }
      const got = built[i].leaf.grad;
      expect(got, `grad of input ${i}`).not.toBeNull();
      await expectClose(`grad of input ${i}`, got!, want, rtol, atol);
    }
  });
}
