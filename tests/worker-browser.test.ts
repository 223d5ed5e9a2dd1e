// kd.worker in Chromium: the built library spawns dist/worker.js as a module Worker; TinyVGG
// trains on the real FashionMNIST (served by scripts/serve.mjs) while the page keeps animating
// with no long task; the page's own engine reproduces the worker's logits from its state dict;
// typed errors, detached payloads, cancel, and a Worker terminated from outside behave as in Node.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, requireFreshDist, type BrowserHarness } from "./helpers/browser.js";
import type { WorkerPageApi } from "./worker-browser.page.js";

describe("kd.worker in Chromium (module Worker, dist/worker.js)", () => {
  let browser: BrowserHarness;
  let call: <K extends keyof WorkerPageApi>(name: K, ...args: Parameters<WorkerPageApi[K]>) => Promise<Awaited<ReturnType<WorkerPageApi[K]>>>;

  beforeAll(async () => {
    requireFreshDist();
    browser = await launchBrowser();
    const page = await browser.openBundle("tests/worker-browser.page.ts");
    call = (name, ...args) => page.evaluate(([n, a]) => (globalThis as any).kindlingTest[n](...a), [name, args] as const) as any;
  });
  afterAll(() => browser?.close());

  it("spawns a module Worker that loads the same engine build as the page", async () => {
    const r = await call("spawn");
    expect(r.isModuleWorker).toBe(true);
    expect(r.variant).toBe(r.mainVariant);
    expect(r.parameters).toBe(7740);
  });

  it("trains TinyVGG on FashionMNIST with progress while the page animates, with no long task over 100 ms", async () => {
    const r = await call("trainWhileAnimating", 1600);
    console.log(`[worker-browser] 50 steps: ${r.ms.toFixed(0)} ms, ${r.result.samplesPerSec.toFixed(0)} samples/s; ${r.frames} frames, longest frame gap ${r.maxFrameGap.toFixed(0)} ms; long tasks ${JSON.stringify(r.longTasks.map(Math.round))}`);
    expect(r.result).toMatchObject({ steps: 50, samples: 1600, cancelled: false });
    expect(r.progress.map((p) => p.step)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
    expect(r.progress.every((p) => Number.isFinite(p.loss) && p.samplesPerSec > 0)).toBe(true);
    expect(r.frames).toBeGreaterThan(r.ms / 1000 * 10); // headless Chromium animates at ~60 fps when not blocked
    expect(r.maxFrameGap).toBeLessThan(250);
    expect(r.longTasks.filter((d) => d > 100)).toEqual([]);
  });

  it("the page's engine reproduces the worker's logits and evaluate() from its state dict", async () => {
    const r = await call("parity", 64);
    expect(r.n).toBe(640);
    expect(r.maxDiff).toBeLessThanOrEqual(1e-6);
    expect(r.evaluate.samples).toBe(1000);
    expect(Math.abs(r.evaluate.loss - r.page.loss)).toBeLessThanOrEqual(1e-5);
    expect(r.evaluate.accuracy).toBe(r.page.accuracy);
  });

  it("typed errors, detached payloads and cancel() behave as in Node", async () => {
    const r = await call("errorsDetachCancel");
    expect(r.shape).toMatchObject({ name: "ShapeError", isShapeError: true, isKindling: true });
    expect(r.shape!.message).toMatch(/conv2d/);
    expect(r.detached).toMatchObject({ name: "ValueError", isValueError: true });
    expect(r.detached!.message).toMatch(/was transferred to a worker/);
    expect(r.byteLength).toBe(0);
    expect(r.cancel.cancelled).toBe(true);
    expect(r.cancel.steps).toBeLessThan(20);
    expect(r.cancel.ms).toBeLessThan(1000);
  });

  it("a Worker terminated from outside mid-train rejects with a WorkerError at once, and respawn() works", async () => {
    const r = await call("killAndRespawn");
    expect(r.err).toMatchObject({ name: "WorkerError", isWorkerError: true });
    expect(r.err!.message).toMatch(/^train\(\) failed: the kindling worker was terminated/);
    expect(r.ms).toBeLessThan(1000);
    expect(r.aliveAfterKill).toBe(false);
    expect(r.shapeAfterRespawn).toEqual([2, 10]);
    expect(browser.errors).toEqual([]);
  });
});
