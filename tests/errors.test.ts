// Shape, dim, dtype and value mistakes raise the right typed error with a PyTorch-like message
// that names the sizes and the dim.
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

/** Runs f (in a tidy), expects it to throw `cls`, and returns the message. */
function thrown(cls: abstract new (...a: never[]) => kd.KindlingError, f: () => unknown): string {
  let err: unknown;
  kd.tidy(() => {
    try {
      f();
    } catch (e) {
      err = e;
    }
  });
  expect(err, "expected an error").toBeInstanceOf(cls);
  expect(err).toBeInstanceOf(kd.KindlingError);
  expect((err as Error).name).toBe(cls.name);
  return (err as Error).message;
}

describe("shape errors", () => {
  it("broadcasting names both sizes and the dimension", () => {
    const m = thrown(kd.ShapeError, () => kd.zeros([3]).add(kd.zeros([4])));
    expect(m).toBe("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0");
    const m2 = thrown(kd.ShapeError, () => kd.mul(kd.ones([2, 5, 3]), kd.ones([7, 1])));
    expect(m2).toBe("The size of tensor a (5) must match the size of tensor b (7) at non-singleton dimension 1");
    thrown(kd.ShapeError, () => kd.where(kd.ones([2], { dtype: "bool" }), kd.ones([3]), 0));
  });

  it("matmul names both matrix shapes", () => {
    expect(thrown(kd.ShapeError, () => kd.zeros([2, 3]).matmul(kd.zeros([4, 5])))).toBe("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
    expect(thrown(kd.ShapeError, () => kd.zeros([3]).matmul(kd.zeros([4])))).toMatch(/\[3\].*\[4\]|3.*4/);
    expect(thrown(kd.ShapeError, () => kd.zeros([]).matmul(kd.zeros([4])))).toMatch(/at least 1D.*0D and 1D/);
  });

  it("view, reshape and expand", () => {
    const t = kd.zeros([2, 3]);
    expect(thrown(kd.ShapeError, () => t.t().view(6))).toMatch(/view size is not compatible with input tensor's size and stride/);
    expect(thrown(kd.ShapeError, () => t.view(4, 2))).toMatch(/shape '\[4, 2\]' is invalid for input of size 6/);
    expect(thrown(kd.ShapeError, () => t.reshape(-1, 4))).toMatch(/shape '\[-1, 4\]' is invalid for input of size 6/);
    expect(thrown(kd.ValueError, () => t.reshape(-1, -1))).toMatch(/only one dimension can be inferred/);
    expect(thrown(kd.ShapeError, () => t.expand(2, 4))).toMatch(/expanded size of the tensor \(4\) must match the existing size \(3\) at non-singleton dimension 1/);
    expect(thrown(kd.ShapeError, () => t.permute(1, 0, 2))).toMatch(/input.dim\(\) = 2 is not equal to len\(dims\) = 3/);
  });

  it("cat names the dimension, the sizes and the tensor", () => {
    const m = thrown(kd.ShapeError, () => kd.cat([kd.zeros([2, 3]), kd.zeros([2, 4])], 0));
    expect(m).toBe("Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1 in the list.");
    expect(thrown(kd.ShapeError, () => kd.cat([kd.zeros([2, 3]), kd.zeros([3])]))).toMatch(/same number of dimensions: got 2 and 1/);
    expect(thrown(kd.ShapeError, () => kd.stack([kd.zeros([2]), kd.zeros([3])]))).toMatch(/\[2\] at entry 0 and \[3\] at entry 1/);
  });
});

describe("dim and index errors", () => {
  it("a dim out of range names the valid range and the dim", () => {
    const t = kd.zeros([2, 3]);
    const msg = "Dimension out of range (expected to be in range of [-2, 1], but got 5)";
    expect(thrown(kd.IndexError, () => t.sum(5))).toBe(msg);
    expect(thrown(kd.IndexError, () => t.mean([0, 5]))).toBe(msg);
    expect(thrown(kd.IndexError, () => t.softmax(5))).toBe(msg);
    expect(thrown(kd.IndexError, () => t.transpose(0, -3))).toBe("Dimension out of range (expected to be in range of [-2, 1], but got -3)");
    expect(thrown(kd.IndexError, () => t.unsqueeze(3))).toBe("Dimension out of range (expected to be in range of [-3, 2], but got 3)");
    expect(thrown(kd.IndexError, () => t.size(2))).toBe("Dimension out of range (expected to be in range of [-2, 1], but got 2)");
    expect(thrown(kd.IndexError, () => kd.cat([t, t], 2))).toBe("Dimension out of range (expected to be in range of [-2, 1], but got 2)");
    expect(thrown(kd.IndexError, () => kd.stack([t, t], 3))).toBe("Dimension out of range (expected to be in range of [-3, 2], but got 3)");
    expect(thrown(kd.IndexError, () => t.sum([0, -2]))).toMatch(/dim 0 appears multiple times/);
    expect(thrown(kd.IndexError, () => t.sum(2 ** 40))).toMatch(/Dimension out of range.*1099511627776/);
  });

  it("an index out of range names the index, the dim and the size", () => {
    const t = kd.zeros([3, 4]);
    expect(thrown(kd.IndexError, () => t.select(0, 5))).toBe("index 5 is out of bounds for dimension 0 with size 3");
    expect(thrown(kd.IndexError, () => t.select(1, -5))).toBe("index -5 is out of bounds for dimension 1 with size 4");
    expect(thrown(kd.IndexError, () => t.get(3))).toBe("index 3 is out of bounds for dimension 0 with size 3");
    expect(thrown(kd.IndexError, () => t.indexSelect(1, kd.tensor([0, 4], { dtype: "int32" })))).toBe("index 4 is out of bounds for dimension 1 with size 4");
    expect(thrown(kd.IndexError, () => t.gather(0, kd.tensor([[3]], { dtype: "int32" })))).toBe("index 3 is out of bounds for dimension 0 with size 3");
    const ones = kd.ones([1, 1]);
    expect(thrown(kd.IndexError, () => t.scatterAdd(0, kd.tensor([[-4]], { dtype: "int32" }), ones))).toBe("index -4 is out of bounds for dimension 0 with size 3");
    expect(thrown(kd.IndexError, () => t.get(0, 0, 0))).toMatch(/too many indices for tensor of dimension 2/);
    expect(thrown(kd.IndexError, () => t.narrow(1, 2, 3))).toMatch(/start \(2\) \+ length \(3\) exceeds dimension size \(4\)/);
  });
});

describe("value errors", () => {
  it("integer division by zero is PyTorch's ZeroDivisionError, checked by the backend's kernel", () => {
    const a = kd.tensor([7, -7, 3], { dtype: "int32" });
    const b = kd.tensor([2, 0, 1], { dtype: "int32" });
    expect(thrown(kd.ValueError, () => kd.remainder(a, b))).toBe("ZeroDivisionError: integer remainder by zero");
    expect(thrown(kd.ValueError, () => kd.floorDivide(a, b))).toBe("ZeroDivisionError: integer floor_divide by zero");
    // float division by zero is IEEE (inf), and a non-zero integer divisor computes
    expect(kd.floorDivide(a, kd.tensor([2, -2, 1], { dtype: "int32" })).tolist()).toEqual([3, 3, 3]);
    expect(kd.remainder(kd.tensor(7.0), kd.tensor(0.0)).item()).toBeNaN();
  });
});

describe("dtype errors", () => {
  it("mean of an int tensor", () => {
    const m = thrown(kd.DTypeError, () => kd.tensor([1, 2], { dtype: "int32" }).mean());
    expect(m).toMatch(/mean\(\).*floating point.*Got: int32/);
    expect(thrown(kd.DTypeError, () => kd.tensor([1, 2], { dtype: "int32" }).var())).toMatch(/var\(\).*int32/);
  });

  it("wrong index, mask and condition dtypes; bool arithmetic", () => {
    const t = kd.zeros([3]);
    expect(thrown(kd.DTypeError, () => t.indexSelect(0, kd.tensor([0, 1])))).toMatch(/index_select\(\).*int32.*float32/);
    expect(thrown(kd.DTypeError, () => t.gather(0, kd.tensor([0]))).toString()).toMatch(/gather\(\).*float32/);
    expect(thrown(kd.DTypeError, () => kd.where(kd.ones([3]), t, t))).toMatch(/where expected condition to be a boolean tensor.*float32/);
    expect(thrown(kd.DTypeError, () => t.maskedFill(kd.ones([3]), 1))).toMatch(/boolean masks.*float32/);
    const b = kd.ones([2], { dtype: "bool" });
    expect(thrown(kd.DTypeError, () => b.sub(b))).toMatch(/Subtraction, the `-` operator, with a bool tensor is not supported/);
    expect(thrown(kd.DTypeError, () => b.neg())).toMatch(/Negation, the `-` operator, on a bool tensor is not supported/);
    expect(thrown(kd.DTypeError, () => kd.tensor([1], { dtype: "int32" }).softmax(0))).toMatch(/softmax\(\).*int32/);
    expect(thrown(kd.DTypeError, () => b.matmul(b))).toMatch(/Bool/);
  });
});

describe("value, memory and disposed errors", () => {
  it("ragged nested arrays", () => {
    expect(thrown(kd.ValueError, () => kd.tensor([[1, 2], [3]]))).toMatch(/expected sequence of length 2 at dim 1 \(got 1\)/);
    expect(thrown(kd.ValueError, () => kd.tensor([[1, 2], 3]))).toMatch(/length 2 at dim 1/);
    expect(thrown(kd.ValueError, () => kd.tensor([1, [2]]))).toMatch(/ragged/);
  });

  it("bad sizes and arguments", () => {
    expect(thrown(kd.ValueError, () => kd.zeros([2, -3]))).toMatch(/negative dimension -3/);
    expect(thrown(kd.ValueError, () => kd.zeros([2, NaN]))).toMatch(/NaN/);
    expect(thrown(kd.ValueError, () => kd.ones([1.5]))).toMatch(/1\.5/);
    expect(thrown(kd.ValueError, () => kd.arange(0, 10, 0))).toMatch(/step must be nonzero/);
    expect(thrown(kd.ValueError, () => kd.arange(0, 10, -1))).toMatch(/inconsistent with step sign/);
    expect(thrown(kd.ValueError, () => kd.randperm(-1))).toMatch(/non-negative/);
    expect(thrown(kd.ValueError, () => kd.zeros([4]).item())).toMatch(/a Tensor with 4 elements cannot be converted to Scalar/);
    expect(thrown(kd.ValueError, () => kd.zeros([4]).slice(0, 0, 4, 0))).toMatch(/step must be positive/);
    expect(thrown(kd.ValueError, () => kd.zeros([4]).select(0, 1.5))).toMatch(/1\.5/);
    expect(thrown(kd.ValueError, () => kd.zeros([4]).sum(NaN))).toMatch(/NaN/);
    expect(thrown(kd.ValueError, () => kd.clamp(kd.zeros([4])))).toMatch(/At least one of 'min' or 'max'/);
  });

  it("allocations the engine cannot make are MemoryErrors, not traps", () => {
    expect(thrown(kd.MemoryError, () => kd.zeros([1 << 20, 1 << 20]))).toMatch(/too many elements|cannot allocate|too large/);
    expect(thrown(kd.MemoryError, () => kd.zeros([50000, 50000]))).toMatch(/cannot allocate|too many elements/);
    expect(thrown(kd.MemoryError, () => kd.randn([3, 2 ** 40]))).toMatch(/1099511627776/);
    expect(thrown(kd.MemoryError, () => kd.eye(1 << 20))).toBeTruthy();
    expect(thrown(kd.MemoryError, () => kd.zeros([1, 1]).expand(1 << 16, 1 << 16))).toBeTruthy();
    expect(thrown(kd.MemoryError, () => kd.zeros([1 << 16, 1]).expand(1 << 16, 1).add(kd.zeros([1, 1 << 16])))).toBeTruthy();
    expect(kd.tidy(() => kd.tensor([1]).add(1).item())).toBe(2); // still alive
  });

  it("a disposed tensor, as operand or receiver", () => {
    const t = kd.ones([2]);
    t.dispose();
    const msg = thrown(kd.DisposedError, () => t.add(1));
    expect(msg).toMatch(/disposed/);
    thrown(kd.DisposedError, () => kd.ones([2]).add(t));
    thrown(kd.DisposedError, () => t.shape);
    const u = kd.zeros([2, 2]);
    expect(u.shape).toEqual([2, 2]); // cached
    u.dispose();
    thrown(kd.DisposedError, () => u.shape);
    thrown(kd.DisposedError, () => u.dtype);
    thrown(kd.DisposedError, () => t.dataSync());
    thrown(kd.DisposedError, () => kd.cat([kd.ones([2]), t]));
    thrown(kd.DisposedError, () => kd.ones([3]).indexSelect(0, t));
  });
});
