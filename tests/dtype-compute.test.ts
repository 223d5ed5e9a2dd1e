// Compute in the wide dtypes against real PyTorch (tests/fixtures/dtype-compute.json from
// scripts/gen_dtype_compute_fixtures.py): float64 unary, binary (broadcast), comparisons,
// reductions and matmul computed in f64 (exact where the op is correctly rounded, else within
// 1e-12 relative); PyTorch's promotion; int64 arithmetic in int64; float64 rand/randn after a
// seed; int64 index tensors wherever an index is taken, and a value beyond int32 an IndexError
// naming it; uint8 masks taken as torch 1.13 takes them.
import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import * as kd from "../ts/index.js";
import { mismatches, type Num } from "./helpers/fixture-values.js";

interface FT { values: Num[]; shape: number[]; dtype: kd.DType }
interface Case { name: string; out: FT; exact: boolean }
const fx: { torch: string; inputs: Record<string, FT>; cases: Case[]; errors: { uint8_warnings: Record<string, string> } } =
  JSON.parse(readFileSync(new URL("./fixtures/dtype-compute.json", import.meta.url), "utf8"));

const decode = (t: FT) => kd.fromArray(t.values.map((v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : v)), t.shape, t.dtype);
const I = Object.fromEntries(Object.entries(fx.inputs).map(([k, v]) => [k, decode(v)])) as Record<string, kd.Tensor>;
const { x, y, pos, unit, xf, m, bm, bn, i, j } = I;
const int64 = (v: number[]) => kd.tensor(v, { dtype: "int64" });
// Kindling's index results are int32 (torch: int64): their values are compared, not their dtype.
const INDEX_RESULT = /argmax|argmin|indices/;

const UNARY_ARG: Record<string, kd.Tensor> = { log: pos, sqrt: pos, rsqrt: pos, log1p: pos, log2: pos, tan: unit };
const camel = (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
const call = (t: kd.Tensor, name: string, ...args: unknown[]) => (t as unknown as Record<string, (...a: unknown[]) => kd.Tensor>)[name](...args);

/** Kindling's computation for each fixture case (the torch expression is in the generator). */
function compute(name: string): kd.Tensor {
  const [family, op] = name.split(/\.(.*)/s);
  if (family === "unary") {
    const arg = UNARY_ARG[op] ?? x.mul(3);
    if (op === "gelu_tanh") return arg.gelu("tanh");
    return call(arg, camel(op));
  }
  if (family === "binary") {
    if (op === "floor_divide_int64") return i.floorDivide(j);
    const [a, b] = op === "pow" ? [pos, y] : op === "xlogy" ? [x, pos] : op === "eq" ? [x, x] : [x, y];
    return call(a, camel(op), b);
  }
  const table: Record<string, () => kd.Tensor> = {
    "promote.f64_add_f32": () => x.add(xf),
    "promote.i64_add_f32": () => i.add(xf),
    "promote.i64_add_2.5": () => i.add(2.5),
    "promote.f32_add_f64_0d": () => xf.add(kd.tensor(0.1, { dtype: "float64" })),
    "promote.f64_add_0.1": () => x.add(0.1),
    "promote.f64_mul_3": () => x.mul(3),
    "promote.i64_div_i64": () => i.div(j),
    "int64.add": () => i.add(j),
    "int64.sub": () => i.sub(j),
    "int64.mul_3": () => i.mul(3),
    "int64.add_2^40": () => i.add(2 ** 40),
    "int64.maximum": () => i.maximum(j),
    "int64.neg": () => i.neg(),
    "int64.abs": () => i.abs(),
    "int64.lt": () => i.lt(j),
    "int64.eq_2^40+3": () => i.eq(2 ** 40 + 3),
    "int64.sum": () => i.sum(),
    "int64.sum_dim0": () => i.sum(0),
    "int64.amax_dim1": () => i.amax(1),
    "int64.argmax_dim1": () => i.argmax(1),
    "int64.prod_small": () => int64([3, -2, 5, 7, 1, -4]).reshape([2, 3]).prod(1),
    "reduce.sum": () => x.sum(),
    "reduce.sum_dim1": () => x.sum(1),
    "reduce.mean": () => x.mean(),
    "reduce.mean_dim0_keepdim": () => x.mean(0, true),
    "reduce.amax": () => x.amax(),
    "reduce.amin_dim1": () => x.amin(1),
    "reduce.argmax": () => x.argmax(),
    "reduce.argmin_dim0": () => x.argmin(0),
    "reduce.max_dim1_values": () => x.max(1).values,
    "reduce.max_dim1_indices": () => x.max(1).indices,
    "reduce.prod_dim1": () => x.prod(1),
    "reduce.var": () => x.var(),
    "reduce.std_dim0": () => x.std(0),
    "reduce.logsumexp_dim1": () => x.logsumexp(1),
    "matmul.2d": () => x.matmul(m),
    "matmul.batched": () => bm.matmul(bn),
    "matmul.vec_mat": () => y.matmul(m),
    "matmul.mat_vec": () => x.matmul(y),
    "rand.3x4": () => (kd.manualSeed(42), kd.rand([3, 4], { dtype: "float64" })),
    "rand.20": () => (kd.manualSeed(42), kd.rand([20], { dtype: "float64" })),
    "randn.5": () => (kd.manualSeed(42), kd.randn([5], { dtype: "float64" })),
    "randn.16": () => (kd.manualSeed(42), kd.randn([16], { dtype: "float64" })),
    "randn.20": () => (kd.manualSeed(42), kd.randn([20], { dtype: "float64" })),
    "index.index_select": () => x.indexSelect(1, int64([3, 0, 3, 1])),
    "index.gather": () => xf.gather(1, int64([0, 3, 2, 2, 1, 0]).reshape([3, 2])),
    "index.scatter_add": () => kd.zeros([3, 4]).scatterAdd(1, int64([0, 3, 2, 2, 1, 0]).reshape([3, 2]), xf.get(":", ":2")),
    "index.get": () => x.get(int64([2, 0])),
    "index.embedding": () => kd.nn.functional.embedding(int64([4, 0, 2, 2]).reshape([2, 2]), I.emb),
    "index.cross_entropy": () => kd.nn.functional.crossEntropy(I.logits, int64([2, 0, 1, 2])),
    "index.nll_loss": () => kd.nn.functional.nllLoss(I.logits.logSoftmax(1), int64([2, 0, 1, 2])),
    "mask.uint8_get": () => y.get(kd.tensor([1, 0, 1, 1], { dtype: "uint8" })),
    "mask.uint8_masked_fill": () => y.maskedFill(kd.tensor([1, 0, 1, 1], { dtype: "uint8" }), 0.5),
    "mask.uint8_where": () => kd.where(kd.tensor([1, 0, 1, 1], { dtype: "uint8" }), y, y.mul(2)),
  };
  const f = table[name];
  if (!f) throw new Error(`no Kindling computation for fixture case ${name}`);
  return f();
}

describe("float64 and int64 semantics", () => {
  it("float64 is not differentiated: a float64 result of a tensor that requires grad is a DTypeError, not a lost gradient", () => {
    const w = kd.ones([4], { requiresGrad: true });
    expect(() => w.mul(x)).toThrow(kd.DTypeError);
    expect(() => w.mul(x)).toThrow(/float64 and autograd computes in float32 only.*\.float\(\) first/);
    expect(() => kd.ones([3, 4], { requiresGrad: true }).matmul(m)).toThrow(/matmul: the result is float64/);
    // under noGrad the same product is just a float64 tensor
    expect(kd.noGrad(() => w.mul(x)).dtype).toBe("float64");
    // a float32 result (a 0-d float64 beside a dimensioned float32) keeps the gradient
    const z = w.mul(kd.tensor(2, { dtype: "float64" })).sum();
    z.backward();
    expect(Array.from(w.grad!.dataSync())).toEqual([2, 2, 2, 2]);
  });

  it("ops without float64 kernels still refuse it by name; int64 matmul is refused rather than rounded", () => {
    expect(() => kd.softmax(x, 1)).toThrow(kd.DTypeError);
    expect(() => kd.softmax(x, 1)).toThrow(/float64 tensors.*cast with \.float\(\)/);
    expect(() => x.clamp(0, 1)).toThrow(/clamp is not implemented for float64/);
    expect(() => i.matmul(i.T)).toThrow(/matmul is not implemented for int64 tensors/);
    expect(() => i.mean()).toThrow(/could not infer output dtype.*int64/);
  });

  it("int64 keeps int64 beyond int32 and wraps as torch's int64 does", () => {
    const big = kd.tensor(new BigInt64Array([2n ** 62n, -(2n ** 63n), 2n ** 53n + 1n]));
    // 2^62 + 2^62 wraps to -2^63; -2^63 + -2^63 wraps to 0; 2^53 + 1 stays exact (torch's int64 arithmetic)
    const want = kd.tensor(new BigInt64Array([-(2n ** 63n), 0n, 2n ** 54n + 2n]));
    expect(big.add(big).eq(want).all().item()).toBe(true);
    expect(big.sum().eq(kd.tensor(new BigInt64Array([2n ** 62n - 2n ** 63n + 2n ** 53n + 1n]))).all().item()).toBe(true);
    expect(big.get(2).sub(1).eq(2 ** 53).item()).toBe(true);
    expect(() => i.remainder(kd.zeros([4], { dtype: "int64" }))).toThrow(/ZeroDivisionError: integer remainder by zero/);
  });

  it("an int64 index beyond int32 is an IndexError naming it, never a wrapped index", () => {
    const far = 2 ** 32 + 1; // wraps to 1 as an int32
    expect(() => x.indexSelect(1, int64([far]))).toThrow(kd.IndexError);
    expect(() => x.indexSelect(1, int64([far]))).toThrow(/index 4294967297 is out of bounds for dimension 1 with size 4/);
    expect(() => xf.gather(1, int64([0, far, 0, 0, 0, 0]).reshape([3, 2]))).toThrow(/index 4294967297 is out of bounds/);
    expect(() => x.get(int64([-(2 ** 40)]))).toThrow(/index -1099511627776 is out of bounds/);
    const huge = kd.tensor(new BigInt64Array([0n, 2n ** 62n + 1n]));
    expect(() => kd.nn.functional.embedding(huge, I.emb)).toThrow(/index out of range in self: index 4611686018427387905 is out/);
    expect(() => kd.nn.functional.crossEntropy(I.logits.get(":2"), huge)).toThrow(/Target 4611686018427387905 is out of bounds/);
    expect(() => kd.nn.functional.nllLoss(I.logits.get(":2"), int64([1, 2 ** 33]))).toThrow(/Target 8589934592 is out of bounds/);
  });

  it("uint8 masks are taken as torch 1.13 takes them: as bool masks, with its deprecation warning once per op", () => {
    const torchSays = fx.errors.uint8_warnings;
    expect(torchSays.get).toMatch(/indexing with dtype torch.uint8 is now deprecated/);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const u8 = kd.tensor([1, 0, 0, 1], { dtype: "uint8" });
      for (let k = 0; k < 2; k++) {
        expect(Array.from(y.get(u8).dataSync())).toEqual(Array.from(y.get(u8.bool()).dataSync()));
        expect(Array.from(y.maskedFill(u8, 0).dataSync())).toEqual(Array.from(y.maskedFill(u8.bool(), 0).dataSync()));
        expect(Array.from(kd.where(u8, y, 1).dataSync())).toEqual(Array.from(kd.where(u8.bool(), y, 1).dataSync()));
      }
      // once per op, each in torch's words (dtype names without "torch.")
      const said = warn.mock.calls.map((c) => String(c[0]));
      expect(said.length).toBe(3);
      expect(said[0]).toMatch(/^indexing with dtype uint8 is now deprecated, please use a dtype bool instead/);
      expect(said[1]).toMatch(/^masked_fill received a mask with dtype uint8, this behavior is now deprecated/);
      expect(said[2]).toMatch(/^where received a uint8 condition tensor\. This behavior is deprecated/);
      expect(torchSays.masked_fill).toMatch(/^masked_fill_ received a mask with dtype torch.uint8, this behavior is now deprecated/);
      expect(torchSays.where).toMatch(/^where received a uint8 condition tensor\. This behavior is deprecated/);
    } finally {
      warn.mockRestore();
    }
    // t[mask] with a 1-D mask leaves t usable (it used to dispose t)
    const t = kd.tensor([1, 2, 3]);
    expect(t.get(kd.tensor([true, false, true])).tolist()).toEqual([1, 3]);
    expect(t.tolist()).toEqual([1, 2, 3]);
    // other non-bool masks stay refused, in torch's words
    expect(() => y.maskedFill(kd.tensor([1, 0, 0, 1], { dtype: "int32" }), 0)).toThrow(/masked_fill_ only supports boolean masks, but got mask with dtype int32/);
  });
});

// After the semantics tests: the uint8 mask cases here would spend the once-per-op warnings.
describe(`wide-dtype compute against torch ${fx.torch}`, () => {
  it("has a case for every family", () => {
    const families = new Set(fx.cases.map((c) => c.name.split(".")[0]));
    expect([...families].sort()).toEqual(["binary", "index", "int64", "mask", "matmul", "promote", "rand", "randn", "reduce", "unary"]);
  });

  for (const c of fx.cases) {
    it(c.name, () => {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      let got: kd.Tensor;
      try { got = compute(c.name); } finally { warn.mockRestore(); }
      expect(got.shape, "shape").toEqual(c.out.shape);
      if (!INDEX_RESULT.test(c.name)) expect(got.dtype, "dtype").toBe(c.out.dtype);
      const f32 = c.out.dtype === "float32";
      // float32 results (promotion, losses) are float32 numbers: exact, or float32's tolerance
      const tol = c.exact ? { rtol: 0, atol: 0 } : f32 ? { rtol: 1e-6, atol: 1e-7 } : { rtol: 1e-12, atol: 1e-15 };
      const bad = mismatches(got.dataSync(), c.out.values, { ...tol, float32: f32, limit: 3 });
      expect(bad, `${c.name} (${c.exact ? "exact" : `rtol ${tol.rtol}`})`).toEqual([]);
    });
  }
});
