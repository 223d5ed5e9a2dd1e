// The browser demo (`npm run demo:web`, examples/web) end to end in headless Chromium: the page
// trains TinyVGG on the real FashionMNIST in a module Worker for a few hundred steps, its test
// accuracy must pass 70%, and the main thread must stay responsive throughout training (no
// long task over 100 ms, seen by a PerformanceObserver installed before the page's own code).
// A screenshot of the finished page is kept in artifacts/web-demo.png.
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "kindling";
import { launchBrowser, REPO, requireFreshDist, type BrowserHarness } from "./helpers/browser.js";
import { buildWebDemo } from "../scripts/demo-web.mjs";

const STEPS = 400;

describe("web demo: TinyVGG trained in a Worker, page responsive", () => {
  let browser: BrowserHarness;
  let compared: Record<string, number> = {};
  let webgpu: { adapter?: string; software?: boolean; samplesPerSec?: number; error?: string } = {};
  let compareWindow = { from: 0, to: 0 };
  const artifacts = path.join(REPO, "artifacts");
  const io = { saved: "", restored: "", restoredAccuracy: NaN, files: {} as Record<string, string> };
  let result: { done: string | undefined; error: string | undefined; accuracy: number; longTasks: { start: number; ms: number }[]; trainingFrom: number; trainingTo: number; losses: number };

  beforeAll(async () => {
    requireFreshDist();
    await buildWebDemo();
    browser = await launchBrowser();
    mkdirSync(artifacts, { recursive: true });
    const page = await browser.context.newPage();
    page.on("pageerror", (e) => browser.errors.push(`[web demo] ${e.message}`));
    // Long tasks from the very start, with their start times; the page marks when training runs.
    await page.addInitScript(() => {
      const w = globalThis as any;
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, ms: e.duration });
      }).observe({ type: "longtask", buffered: true });
      const mark = () => {
        const state = document.getElementById("state")?.textContent;
        if (state === "training" && w.__trainingFrom === undefined) w.__trainingFrom = performance.now();
        if (document.body?.dataset.done !== undefined || document.body?.dataset.error !== undefined) w.__trainingTo ??= performance.now();
        requestAnimationFrame(mark);
      };
      requestAnimationFrame(mark);
    });
    const res = await page.goto(new URL(`dist/web/index.html?steps=${STEPS}&evalEvery=100&testLimit=2000&autostart=1`, browser.url).href);
    expect(res?.ok()).toBe(true);
    await page.waitForFunction(() => document.body.dataset.done !== undefined || document.body.dataset.error !== undefined, null, { timeout: 150_000 });
    await page.waitForTimeout(300); // one more frame for the charts and the grid
    // Side by side: the same training in one worker per engine build.
    compareWindow.from = await page.evaluate(() => performance.now());
    await page.click("#compare");
    await page.waitForFunction(() => document.body.dataset.compared !== undefined || document.body.dataset.error !== undefined, null, { timeout: 120_000 });
    compared = JSON.parse((await page.evaluate(() => document.body.dataset.compared)) ?? "{}");
    // Then the WebGPU row: TinyVGG trained on the GPU in its own worker (Chromium's SwiftShader here).
    await page.waitForFunction(() => document.body.dataset.comparedWebgpu !== undefined || document.body.dataset.error !== undefined, null, { timeout: 180_000 });
    compareWindow.to = await page.evaluate(() => performance.now());
    webgpu = JSON.parse((await page.evaluate(() => document.body.dataset.comparedWebgpu)) ?? "{}");
    console.log(`[web demo] compare backends (TinyVGG samples/s): ${JSON.stringify(compared)}; webgpu ${JSON.stringify(webgpu)}`);
    // Save in IndexedDB, restore into a fresh model in the worker, then download both formats.
    const ioDone = async (button: string) => {
      await page.click(button);
      await page.waitForFunction(() => !(document.getElementById("save") as HTMLButtonElement).disabled, null, { timeout: 60_000 });
      return page.evaluate(() => document.getElementById("io")!.textContent);
    };
    io.saved = (await ioDone("#save")) ?? "";
    io.restored = (await ioDone("#restore")) ?? "";
    io.restoredAccuracy = Number(await page.evaluate(() => document.body.dataset.restoredAccuracy));
    for (const [button, file] of [["#downloadSt", "tinyvgg.safetensors"], ["#downloadOnnx", "tinyvgg.onnx"]]) {
      const [download] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
      expect(download.suggestedFilename()).toBe(file);
      io.files[file] = path.join(artifacts, file);
      await download.saveAs(io.files[file]);
    }
    console.log(`[web demo] ${io.saved}; ${io.restored}`);
    await page.screenshot({ path: path.join(artifacts, "web-demo.png"), fullPage: true });
    result = await page.evaluate(() => {
      const w = globalThis as any;
      return {
        done: document.body.dataset.done, error: document.body.dataset.error,
        accuracy: Number(document.body.dataset.testAccuracy),
        longTasks: w.__longTasks, trainingFrom: w.__trainingFrom, trainingTo: w.__trainingTo,
        losses: document.querySelectorAll("#lossChart polyline").length,
      };
    });
    console.log(`[web demo] ${result.done} steps, test accuracy ${(result.accuracy * 100).toFixed(2)}%, training ${((result.trainingTo - result.trainingFrom) / 1000).toFixed(1)} s; long tasks [ms after training started, ms] ${JSON.stringify(result.longTasks.map((t) => [Math.round(t.start - result.trainingFrom), Math.round(t.ms)]))}`);
  }, 400_000);
  afterAll(() => browser?.close());

  it("trains to the end without an error", () => {
    expect(result.error).toBeUndefined();
    expect(Number(result.done)).toBe(STEPS);
  });

  it("reaches more than 70% test accuracy on held-out FashionMNIST images", () => {
    expect(result.accuracy).toBeGreaterThan(0.7);
  });

  it("keeps the main thread responsive while training: no long task over 100 ms", () => {
    expect(result.trainingFrom).toBeGreaterThan(0);
    const during = result.longTasks.filter((t) => t.start + t.ms >= result.trainingFrom && t.start <= result.trainingTo);
    expect(during.filter((t) => t.ms > 100)).toEqual([]);
  });

  it("draws the loss chart and the prediction grid", () => {
    expect(result.losses).toBeGreaterThan(0);
  });

  it("compares the engine builds side by side: each trains and reports its speed", () => {
    // Chromium runs relaxed SIMD, and the demo's server isolates the page: threads too.
    expect(Object.keys(compared)).toEqual(["simd", "relaxed", "relaxed-threads"]);
    for (const v of Object.values(compared)) expect(v).toBeGreaterThan(100);
  });

  it("trains on WebGPU in a Worker, names a software adapter as one, and the page stays responsive meanwhile", () => {
    expect(webgpu.error).toBeUndefined();
    expect(webgpu.adapter).toBeTruthy();
    expect(webgpu.software).toBe(/swiftshader|llvmpipe|lavapipe|warp|software/i.test(webgpu.adapter!));
    expect(webgpu.samplesPerSec).toBeGreaterThan(0);
    // The whole compare phase (three wasm workers, then the WebGPU one): no long task over 100 ms.
    const during = result.longTasks.filter((t) => t.start + t.ms >= compareWindow.from && t.start <= compareWindow.to);
    expect(during.filter((t) => t.ms > 100)).toEqual([]);
  });

  it("saves the trained weights in IndexedDB and restores them into a fresh model: same test accuracy", () => {
    expect(io.saved).toMatch(/saved to indexeddb:\/\//);
    expect(io.restoredAccuracy).toBe(result.accuracy);
  });

  it("downloads the weights as safetensors (PyTorch's keys) and the model as ONNX that onnxruntime runs", async () => {
    const { tensors } = await kd.load(io.files["tinyvgg.safetensors"]);
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(kd.models.makeModel("tinyvgg").stateDict()).sort());
    const ort = (await import("onnxruntime-node")).default;
    const session = await ort.InferenceSession.create(readFileSync(io.files["tinyvgg.onnx"]));
    const model = kd.models.makeModel("tinyvgg");
    model.loadStateDict(tensors);
    model.eval();
    const x = kd.rand([5, 1, 28, 28]);
    const want = kd.noGrad(() => model.forward(x)).dataSync();
    const got = (await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", x.dataSync() as Float32Array, [5, 1, 28, 28]) }))[session.outputNames[0]];
    expect(got.dims).toEqual([5, 10]);
    (got.data as Float32Array).forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5));
  });

  it("logs no console or page errors", () => {
    expect(browser.errors).toEqual([]);
  });
});
