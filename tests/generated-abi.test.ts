// ts/generated/abi.ts is generated from the engine's abi! {} declarations (crates/wasm/src);
// it must not drift from the built engine. KD_BLESS=1 rewrites it (or: node scripts/gen-abi.mjs).
import { readFileSync, writeFileSync } from "node:fs";
import { beforeAll, expect, it } from "vitest";
import * as kd from "kindling";
// @ts-expect-error: a plain .mjs script without type declarations
import { ABI_TS, CALLS_TS, abiSource, callsSource, readManifest } from "../scripts/gen-abi.mjs";

interface Manifest {
  entries: { name: string; op: boolean; ret: string; params: { name: string; kind: string }[]; scratch: string | null }[];
  structs: { name: string; fields: { name: string; kind: string }[] }[];
}
let manifest: Manifest;

beforeAll(async () => {
  await kd.ready();
  manifest = readManifest(kd.getEngine().abi);
});

it.each([["abi.ts", ABI_TS, abiSource], ["calls.ts", CALLS_TS, callsSource]])("ts/generated/%s matches the engine's ABI manifest (regenerate: KD_BLESS=1)", (_, file, source) => {
  const want = (source as (m: Manifest) => string)(manifest);
  if (process.env.KD_BLESS) writeFileSync(file as string, want);
  expect(readFileSync(file as string, "utf8")).toBe(want);
});

it("the manifest lists exactly the engine's exported entries", () => {
  const exported = Object.keys(kd.getEngine().abi).filter((k) => k.startsWith("kd_")).sort();
  expect(manifest.entries.map((e) => e.name).sort()).toEqual(exported);
});

it("pair entries are traced, and each scratch struct names one declared struct", () => {
  for (const e of manifest.entries.filter((e) => e.ret === "pair")) expect(e.op).toBe(true);
  const structs = new Set(manifest.structs.map((s) => s.name));
  for (const e of manifest.entries.filter((e) => e.scratch)) expect(structs.has(e.scratch!)).toBe(true);
});

it("kd.profile names op-code entries by their op (the manifest's code:<family> parameters)", () => {
  const x = kd.tensor([1, 2, 3]);
  const { rows } = kd.profile(() => kd.tidy(() => x.exp().add(x).sum()));
  const ops = rows.map((r) => r.op);
  for (const op of ["exp", "add", "sum"]) expect(ops).toContain(op);
  expect(ops).not.toContain("unary");
  x.dispose();
});

it("the tracer wraps only entries that make or free tensors, and the 2-output ones are the pair entries", async () => {
  const { TRACED, SECOND_OUTPUT } = await import("../ts/generated/abi.js");
  for (const e of manifest.entries) {
    expect(TRACED.has(e.name), e.name).toBe(e.op);
    expect(SECOND_OUTPUT.has(e.name), e.name).toBe(e.ret === "pair");
  }
  for (const name of ["kd_shape", "kd_data_ptr", "kd_backward", "kd_sgd_step", "kd_abi_manifest"]) expect(TRACED.has(name)).toBe(false);
  for (const name of ["kd_full", "kd_matmul", "kd_release", "kd_copy_", "kd_conv2d"]) expect(TRACED.has(name)).toBe(true);
});
