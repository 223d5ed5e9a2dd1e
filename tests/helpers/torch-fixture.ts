// Reading PyTorch fixtures (tests/fixtures/*.json): tensors are {values, shape, dtype} with
// NaN and infinities written as strings; comparison is |got - torch| <= atol + rtol |torch|.
import { expect } from "vitest";
import * as kd from "../../ts/index.js";
import { mismatches, num } from "./fixture-values.js";

export interface FTensor { values: (number | string)[]; shape: number[]; dtype: "float32" | "int32" }

export { decodeValue, mismatches, num, type Num } from "./fixture-values.js";

export const decode = (t: FTensor): kd.Tensor => kd.fromArray(t.values.map(num), t.shape, t.dtype);

/** Shape equal, every element within tolerance, NaN where torch has NaN (CPU tensors). */
export function expectClose(name: string, actual: kd.Tensor | null | undefined, expected: FTensor, rtol: number, atol: number): void {
  expect(actual, `${name}: missing`).toBeTruthy();
  expect(actual!.shape, `${name}: shape`).toEqual(expected.shape);
  const bad = mismatches(actual!.dataSync(), expected.values, { rtol, atol, limit: 1 });
  if (bad.length) expect.fail(`${name}${bad[0]}`);
}

/** expectClose for a tensor on any device (an awaited read). */
export async function expectCloseAsync(name: string, actual: kd.Tensor | null | undefined, expected: FTensor, rtol: number, atol: number): Promise<void> {
  expect(actual, `${name}: missing`).toBeTruthy();
  expect(actual!.shape, `${name}: shape`).toEqual(expected.shape);
  const bad = mismatches(await actual!.data(), expected.values, { rtol, atol, limit: 1 });
  if (bad.length) expect.fail(`${name}${bad[0]}`);
}

export { applyView, type ViewStep } from "./view-recipe.js";
