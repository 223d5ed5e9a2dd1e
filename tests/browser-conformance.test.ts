// The PyTorch conformance suite (tests/fixtures/ops.json) inside headless Chromium, on the built
// dist/index.js and its .wasm: every case tests/conformance.test.ts checks in Node must pass in
// the page too, with the same tolerances (tests/helpers/conformance-cases.ts), in a
// cross-origin isolated page served by scripts/serve.mjs.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BINARY_OPS, UNARY_OPS } from "../ts/tensor.js";
import { launchBrowser, requireFreshDist, type BrowserHarness } from "./helpers/browser.js";
import { checkedCases, type Fixture } from "./helpers/conformance-cases.js";

const fixture: Fixture = JSON.parse(readFileSync(new URL("./fixtures/ops.json", import.meta.url), "utf8"));

/**
 * Cases that pass in Node (the simd build) but fail in Chromium, with the reason; each entry is
 * checked to still fail, so a fix shows up here.
 */
const BROWSER_KNOWN_BUGS: Record<string, string> = {
  // (empty: clamp(NaN) on the relaxed-SIMD build gave the bound until the engine said NaN
  // explicitly; this suite is what caught it.)
};

interface PageReport {
  torch: string; variant: string; crossOriginIsolated: boolean; ms: number;
  results: { name: string; failure: string | null }[]; perturbed: string | null;
}

describe("conformance with torch in Chromium (dist/index.js)", () => {
  let browser: BrowserHarness;
  let report: PageReport;

  beforeAll(async () => {
    requireFreshDist();
    browser = await launchBrowser();
    const page = await browser.openBundle("tests/browser/conformance.page.ts");
    report = await page.evaluate((ops) => (globalThis as any).kindlingTest.runConformance(ops), { unary: [...UNARY_OPS], binary: [...BINARY_OPS] });
    console.log(`Chromium ${browser.version}: ${report.results.length} cases on the ${report.variant} build in ${report.ms.toFixed(0)} ms`);
  });
  afterAll(() => browser?.close());

  it("runs in a cross-origin isolated page", () => {
    expect(report.crossOriginIsolated).toBe(true);
  });

  it("loads the threaded relaxed-SIMD build of the engine (the page is cross-origin isolated)", () => {
    // Chromium ships relaxed SIMD and the page may share memory: the page must pick both.
    expect(report.variant).toBe("relaxed-threads");
  });

  it("runs every case Node checks, against the same fixture", () => {
    expect(report.torch).toBe(fixture.torch);
    expect(report.results.map((r) => r.name)).toEqual(checkedCases(fixture).map((c) => c.name));
  });

  it("passes every case with the Node tolerances", () => {
    const failures = report.results.filter((r) => r.failure !== null && !BROWSER_KNOWN_BUGS[r.name]).map((r) => r.failure);
    expect(failures).toEqual([]);
  });

  // Strict expected failures: when a bug is fixed this fails, and its entry must go.
  for (const [name, why] of Object.entries(BROWSER_KNOWN_BUGS)) {
    it.fails(`${name} (known bug: ${why})`, () => {
      expect(report.results.find((r) => r.name === name)?.failure ?? null).toBeNull();
    });
  }

  it("can fail: a torch value moved by 0.1% is reported", () => {
    expect(report.perturbed).toMatch(/values \(tolerance/);
  });

  it("logs no console or page errors", () => {
    expect(browser.errors).toEqual([]);
  });
});
