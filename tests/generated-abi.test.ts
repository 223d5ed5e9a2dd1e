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
