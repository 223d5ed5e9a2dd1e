// Page side of tests/browser-conformance.test.ts: the PyTorch conformance cases run in Chromium
// against the built library ("kindling" is /dist/index.js here, see tests/helpers/browser.ts).
import * as kd from "kindling";
import { checkedCases, conformanceRunner, type Fixture, type OpLists } from "../helpers/conformance-cases.js";

async function runConformance(opLists: OpLists) {
  const r = await fetch("/tests/fixtures/ops.json");
  if (!r.ok) throw new Error(`ops.json: HTTP ${r.status}`);
  const fixture: Fixture = await r.json();
  const run = conformanceRunner(kd, opLists, fixture.seed);
  const t0 = performance.now();
  const results: { name: string; failure: string | null }[] = [];
  for (const c of checkedCases(fixture)) results.push({ name: c.name, failure: await run(c) });
  const ms = performance.now() - t0;
  // The runner must be able to fail here too: an output of an exp case moved by 0.1%.
  const probe = structuredClone(fixture.cases.find((c) => c.op === "exp" && c.out)!);
  probe.out![0].values[0] = Number(probe.out![0].values[0]) * 1.001;
  return {
    torch: fixture.torch,
    variant: kd.getEngine().variant,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    ms,
    results,
    perturbed: await run(probe),
  };
}

Object.assign(globalThis, { kindlingTest: { runConformance } });
