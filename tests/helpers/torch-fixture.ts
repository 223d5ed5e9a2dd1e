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

/** A view recipe step, as scripts/fixture_io.py's apply_view writes it. */
export type ViewStep = [string, ...unknown[]];

/** Applies a fixture's view recipe (transpose / permute / expand / slice), as torch did. */
export function applyView(t: kd.Tensor, recipe: readonly ViewStep[] | undefined): kd.Tensor {
  for (const step of recipe ?? []) {
    const [kind, ...a] = step as [string, ...any[]]; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (kind === "transpose") t = t.transpose(a[0], a[1]);
    else if (kind === "permute") t = t.permute(a[0]);
    else if (kind === "expand") t = t.expand(a[0]);
    else if (kind === "slice") t = t.slice(a[0], a[1], a[2], a[3]);
    else throw new Error(`unknown view step ${kind}`);
  }
  return t;
}
