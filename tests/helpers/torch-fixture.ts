// Reading PyTorch fixtures (tests/fixtures/*.json): tensors are {values, shape, dtype} with
// NaN and infinities written as strings; comparison is |got - torch| <= atol + rtol |torch|.
import { expect } from "vitest";
import * as kd from "../../ts/index.js";

export interface FTensor { values: (number | string)[]; shape: number[]; dtype: "float32" | "int32" }

export const num = (v: number | string) => (typeof v === "number" ? v : v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity);

export const decode = (t: FTensor): kd.Tensor => kd.fromArray(t.values.map(num), t.shape, t.dtype);

/** Shape equal, every element within tolerance, NaN where torch has NaN. */
export function expectClose(name: string, actual: kd.Tensor | null | undefined, expected: FTensor, rtol: number, atol: number): void {
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

export { applyView, type ViewStep } from "./view-recipe.js";
