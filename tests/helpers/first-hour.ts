// Reads tests/fixtures/first-hour.json (scripts/gen_first_hour_fixtures.py): inputs by name,
// and cases whose args name inputs as "$name" (["gt", "$x", 0.5] is x.gt(0.5)).
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import * as kd from "../../ts/index.js";
import { decode, expectClose, type FTensor } from "./torch-fixture.js";

export type Out = FTensor & { bool?: boolean };
export interface Case { name: string; op: string; args: unknown[]; out: Out | { values: Out; indices: Out } | boolean | string }

const doc = JSON.parse(readFileSync(new URL("../fixtures/first-hour.json", import.meta.url), "utf8")) as {
  torch: string; inputs: Record<string, Out>; cases: Case[];
};
export const cases = doc.cases;

export function input(name: string): kd.Tensor {
  const t = doc.inputs[name];
  if (!t) throw new Error(`no fixture input ${name}`);
  const d = decode(t);
  if (!t.bool) return d;
  const b = d.bool();
  d.dispose();
  return b;
}

/** A fixture argument: "$x" an input, ["gt", "$x", 0.5] a method call, lists element by element. */
export function arg(a: unknown): unknown {
  if (typeof a === "string" && a.startsWith("$")) return input(a.slice(1));
  if (Array.isArray(a)) {
    if (typeof a[0] === "string" && !a[0].startsWith("$")) {
      const [method, self, ...rest] = a as [string, unknown, ...unknown[]];
      const t = arg(self) as kd.Tensor;
      return (t as unknown as Record<string, (...x: unknown[]) => kd.Tensor>)[method](...rest.map(arg));
    }
    return a.map(arg);
  }
  return a;
}

/** A result against torch's: a tensor within tolerance (bool tensors exactly), or {values, indices}, or a plain value. */
export function expectTorch(name: string, got: unknown, want: Case["out"], rtol = 1e-6, atol = 1e-6): void {
  if (typeof want === "boolean" || typeof want === "string") {
    expect(got, name).toBe(want);
    return;
  }
  if ("indices" in want) {
    const g = got as { values: kd.Tensor; indices: kd.Tensor };
    expectTorch(`${name} values`, g.values, want.values, rtol, atol);
    expectTorch(`${name} indices`, g.indices, want.indices, 0, 0);
    return;
  }
  const t = got as kd.Tensor;
  expect(t, `${name}: a tensor`).toBeInstanceOf(kd.Tensor);
  if (want.bool) {
    expect(t.dtype, `${name}: dtype`).toBe("bool");
    expect(t.shape, `${name}: shape`).toEqual(want.shape);
    expect(Array.from(t.dataSync()), `${name}: values`).toEqual(want.values);
    return;
  }
  expect(t.dtype, `${name}: dtype`).toBe(want.dtype);
  expectClose(name, t, want, rtol, atol);
}

/** "Conv2d(3, 10, 3, 1, 1)" (Python literals) -> ["Conv2d", [3, 10, 3, 1, 1]]. */
export function parseCall(code: string): [string, unknown[]] {
  const open = code.indexOf("(");
  const inner = code.slice(open + 1, -1).replace(/\bFalse\b/g, "false").replace(/\bTrue\b/g, "true").replace(/\bNone\b/g, "null").replace(/'/g, '"');
  return [code.slice(0, open), JSON.parse(`[${inner}]`) as unknown[]];
}
