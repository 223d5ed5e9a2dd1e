// The top-level helpers a PyTorch user reaches for first (issue 15): kd.sum / mean / max / min
// / argmax / multiply / hstack / vstack / equal / isclose / allclose, numbers as first
// arguments, Tensor.T, .type(), boolean-mask indexing, maskedSelect, flip, nonzero, and the
// storage dtype casts (.long(), .double(), .half(); more in tests/dtypes.test.ts). Values against real PyTorch
// (tests/fixtures/first-hour.json from scripts/gen_first_hour_fixtures.py).
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { arg, cases, expectTorch, input } from "./helpers/first-hour.js";

const METHOD_OPS = new Set(["T", "type", "get", "maskedSelect", "flip", "nonzero"]);
const FUNCTION_OPS = new Set(["sum", "mean", "max", "min", "argmax", "multiply", "hstack", "vstack", "equal", "isclose", "allclose", "exp", "maximum", "sub", "pow"]);

describe("against PyTorch", () => {
  const mine = cases.filter((c) => METHOD_OPS.has(c.op) || FUNCTION_OPS.has(c.op));
  it("covers every helper", () => {
    expect(new Set(mine.map((c) => c.op))).toEqual(new Set([...METHOD_OPS, ...FUNCTION_OPS]));
  });

  for (const c of mine) {
    it(c.name, () => {
      const args = c.args.map(arg);
      let got: unknown;
      if (FUNCTION_OPS.has(c.op)) got = (kd as unknown as Record<string, (...a: unknown[]) => unknown>)[c.op](...args);
      else {
        const [self, ...rest] = args as [kd.Tensor, ...unknown[]];
        const m = (self as unknown as Record<string, unknown>)[c.op];
        got = typeof m === "function" ? (m as (...a: unknown[]) => unknown).apply(self, rest) : m;
      }
      expectTorch(c.name, got, c.out);
    });
  }
});

describe("helpers", () => {
  it("kd.max(x, dim) and x.max(dim) agree, and kd.sum takes {dim, keepdim}", () => {
    const x = input("x");
    const a = kd.max(x, 1);
    const b = x.max(1);
    expect(a.values.tolist()).toEqual(b.values.tolist());
    expect(a.indices.tolist()).toEqual(b.indices.tolist());
    expect(kd.sum(x, { dim: 1, keepdim: true }).shape).toEqual([3, 1]);
    const c = x.max({ dim: 0, keepdim: true });
    expect(c.values.shape).toEqual([1, 4]);
    expect(c.indices.tolist()).toEqual(x.max(0, true).indices.tolist());
    expect(() => x.min({ dim: 0, keepDim: true } as never)).toThrow(/min: unknown option 'keepDim'; did you mean 'keepdim'/);
  });

  it("maskedSelect and boolean indexing pass gradients to the selected elements", () => {
    const x = kd.tensor([[1, -2, 3], [-4, 5, 6]], { requiresGrad: true });
    const picked = x.get(x.gt(0));
    picked.mul(kd.tensor([1, 2, 3, 4])).sum().backward();
    expect(x.grad!.tolist()).toEqual([[1, 0, 2], [0, 3, 4]]);
    const y = kd.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    kd.maskedSelect(y, kd.tensor([false, true])).sum().backward();
    expect(y.grad!.tolist()).toEqual([[0, 1], [0, 1]]);
  });

  it("flip is differentiable and rejects repeated dims", () => {
    const x = kd.tensor([1, 2, 3], { requiresGrad: true });
    x.flip(0).mul(kd.tensor([1, 10, 100])).sum().backward();
    expect(x.grad!.tolist()).toEqual([100, 10, 1]);
    expect(() => input("x").flip([0, 0])).toThrow(kd.ValueError);
    expect(() => input("x").flip(2)).toThrow(kd.IndexError);
  });

  it("a mask of the wrong shape or dtype is a typed error", () => {
    const x = input("x");
    expect(() => x.get(kd.tensor([true, false]))).toThrow(/shape of the mask \[2\] does not match.*\[3, 4\]/);
    expect(() => x.maskedSelect(kd.tensor([1, 0, 1, 1], { dtype: "int32" }))).toThrow(kd.DTypeError);
    expect(() => x.maskedSelect(kd.tensor([true, false, true]))).toThrow(kd.ShapeError);
  });

  it(".long(), .double(), .half(), .byte(), .char() and .type() cast; compute on them is a DTypeError naming the fix", () => {
    const x = kd.tensor([1.5, -2.5, 3]);
    expect(x.long().dtype).toBe("int64");
    expect(x.long().tolist()).toEqual([1, -2, 3]);
    expect(x.double().dtype).toBe("float64");
    expect(x.half().dtype).toBe("float16");
    expect(x.byte().dtype).toBe("uint8");
    expect(x.char().tolist()).toEqual([1, -2, 3]);
    expect(x.type("torch.LongTensor").dtype).toBe("int64");
    expect(x.long().type()).toBe("torch.LongTensor");
    expect(x.to("int64").dtype).toBe("int64");
    expect(kd.zeros(2, { dtype: "float64" }).dataSync()).toBeInstanceOf(Float64Array);
    expect(x.double().add(x.double()).tolist()).toEqual([3, -5, 6]); // float64 computes (tests/dtype-compute.test.ts)
    expect(() => x.half().add(x.half())).toThrow(kd.DTypeError);
    expect(() => x.half().add(x.half())).toThrow(/add is not implemented for float16 tensors.*cast with \.float\(\) \/ \.int\(\) first/);
    expect(() => x.to("int16" as never)).toThrow(/dtype int16 is not supported yet.*use int32/);
    expect(() => x.type("torch.ShortTensor")).toThrow(kd.DTypeError);
  });

  it("bad arguments to the helpers are ValueErrors naming them", () => {
    expect(() => kd.hstack([] as never)).toThrow(/hstack\(\): expected a non-empty list of Tensors/);
    expect(() => kd.sum([1, 2] as never)).toThrow(/sum\(\): expected a Tensor, got an array of 2/);
    expect(() => kd.exp("1" as never)).toThrow(/exp\(\): expected a Tensor or a number, got "1"/);
    expect(() => kd.isclose(input("v"), input("w"), { rtol: 1, atl: 1 } as never)).toThrow(/unknown option 'atl'; did you mean 'atol'/);
  });
});
