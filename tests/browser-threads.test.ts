// The threaded engine in headless Chromium, on the built dist/index.js: a cross-origin isolated
// page (scripts/serve.mjs) loads the threaded relaxed-SIMD build, on one thread on the page's
// main thread (which may not sleep while workers finish) and the core count in a kd.worker, and
// gives the same bits on 1, 2 and 4 threads; a page served without COOP/COEP says once that it runs on
// one thread, loads the single-threaded build, and still trains.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, requireFreshDist, type BrowserHarness } from "./helpers/browser.js";

interface Report { variant: string; isolated: boolean; cores: number; threads: number; workerThreads: number }

const notices = (b: BrowserHarness) => b.messages.filter((m) => m.includes("[kindling]"));

describe("threads in Chromium (dist/index.js)", () => {
  let isolated: BrowserHarness;
  let plain: BrowserHarness;
  beforeAll(async () => {
    requireFreshDist();
    isolated = await launchBrowser();
    plain = await launchBrowser({ isolated: false });
  });
  afterAll(async () => {
    await isolated?.close();
    await plain?.close();
  });

  it("an isolated page loads the threaded build (1 thread on the main thread, the cores in a kd.worker), and 1, 2 and 4 threads give the same bits", async () => {
    const page = await isolated.openBundle("tests/browser/threads.page.ts");
    const r: Report = await page.evaluate(() => (globalThis as any).kindlingTest.report());
    expect(r.isolated).toBe(true);
    expect(r.variant).toBe("relaxed-threads");
    expect(r.threads).toBe(1);
    expect(r.workerThreads).toBe(r.cores);
    if (r.cores > 1) expect(notices(isolated)).toEqual([expect.stringMatching(/info: \[kindling\] one thread on the page's main thread/)]);
    const id = await page.evaluate(() => (globalThis as any).kindlingTest.identity());
    expect(id.ops).toBeGreaterThan(20);
    expect(id.opsDiffer).toEqual([]);
    expect(id.vggDiffer).toEqual([]);
    expect(isolated.errors).toEqual([]);
  }, 300_000);

  it("a page that is not cross-origin isolated falls back to one thread with a notice, and trains", async () => {
    const page = await plain.openBundle("tests/browser/threads.page.ts");
    const r: Report = await page.evaluate(() => (globalThis as any).kindlingTest.report());
    expect(r.isolated).toBe(false);
    expect(r.variant).toBe("relaxed");
    expect(r.threads).toBe(1);
    expect(r.workerThreads).toBe(1);
    // One notice from the page and one from its kd.worker, which is not isolated either.
    const fellBack = expect.stringMatching(/info: \[kindling\] running on one thread: the page is not cross-origin isolated/);
    if (r.cores > 1) expect(notices(plain)).toEqual([fellBack, fellBack]);
    const losses: number[] = await page.evaluate(() => (globalThis as any).kindlingTest.trains());
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[7]).toBeLessThan(losses[0]);
    expect(plain.errors).toEqual([]);
  }, 300_000);
});
