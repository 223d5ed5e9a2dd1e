// WebGPU in headless Chromium (its own Dawn, on SwiftShader here): the forward fixtures replayed
// on "webgpu" in a page on the built bundle must match torch wherever the device has a kernel,
// the same verdicts as Node's tests/webgpu.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BINARY_OPS, UNARY_OPS } from "../ts/tensor.js";
import { launchBrowser, requireFreshDist, type BrowserHarness } from "./helpers/browser.js";

interface Report { adapter: string; software: boolean; devices: string[]; passed: number; refused: number; failures: string[]; relu3: unknown }

describe("webgpu in Chromium (dist/index.js)", () => {
  let browser: BrowserHarness;
  let report: Report;
  beforeAll(async () => {
    requireFreshDist();
    browser = await launchBrowser();
    const page = await browser.openBundle("tests/browser/webgpu.page.ts");
    report = await page.evaluate((ops) => (globalThis as any).kindlingTest.runWebGpu(ops), { unary: [...UNARY_OPS], binary: [...BINARY_OPS] });
    console.log(`Chromium ${browser.version} webgpu on ${report.adapter}: ${report.passed} cases match torch, ${report.refused} refused (no kernel yet)`);
  });
  afterAll(() => browser?.close());

  it("opens an adapter and lists the device", () => {
    expect(report.adapter.length).toBeGreaterThan(0);
    expect(report.devices).toEqual(["cpu", "webgpu"]);
  });

  it("matches torch on every case it runs", () => {
    expect(report.failures).toEqual([]);
    expect(report.passed).toBeGreaterThan(1000);
  });

  it("moves results back to the CPU", () => {
    expect(report.relu3).toEqual([[3, 0], [9, 12]]);
  });
});
