// Conformance against real PyTorch. tests/fixtures/ops.json is written by
// scripts/gen_fixtures.py (`npm run fixtures`, torch 1.13 on /usr/bin/python3): each case holds
// the inputs (with an optional view recipe that makes them non-contiguous), the arguments,
// and torch's output or the error it raised. tests/helpers/conformance-cases.ts rebuilds the
// inputs with the Kindling API, runs the op and compares under the tolerance policy written
// there; tests/browser-conformance.test.ts runs the same cases in Chromium on the built bundle.
// Every case runs once per device of kd.devices(), its inputs created there and its outputs
// read with await t.data().
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { BINARY_OPS, UNARY_OPS } from "../ts/generated/ops.js";
import { checkedCases, conformanceRunner, DEVIATIONS, KNOWN_BUGS, type Fixture } from "./helpers/conformance-cases.js";

const fixture: Fixture = JSON.parse(readFileSync(new URL("./fixtures/ops.json", import.meta.url), "utf8"));

describe.each(kd.devices())(`conformance with torch ${fixture.torch} on %s`, (device) => {
  const runCase = conformanceRunner(kd, { unary: UNARY_OPS, binary: BINARY_OPS }, fixture.seed, device);

  it("covers every unary and binary op the API exposes", () => {
    const ops = new Set(fixture.cases.map((c) => c.op));
    for (const n of [...UNARY_OPS, ...BINARY_OPS]) expect(ops.has(n), n).toBe(true);
  });

  it("names only existing cases in DEVIATIONS and KNOWN_BUGS", () => {
    const names = new Set(fixture.cases.map((c) => c.name));
    for (const n of [...Object.keys(DEVIATIONS), ...Object.keys(KNOWN_BUGS)]) expect(names.has(n), n).toBe(true);
  });

  const cases = checkedCases(fixture).map((c) => [c.name, c] as const);
  it.each(cases)("%s", async (_, c) => expect(await runCase(c)).toBeNull());
  for (const [name, why] of Object.entries(DEVIATIONS)) it.skip(`${name} (deviation: ${why})`, () => {});
  for (const [name, why] of Object.entries(KNOWN_BUGS)) it.skip(`${name} (known bug: ${why})`, () => {});
});
