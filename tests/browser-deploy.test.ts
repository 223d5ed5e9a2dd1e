// The deployment page (examples/web-deploy, built by scripts/web-deploy.mjs) in headless Chromium:
// it loads kindling/inference (dist/inference.js) and a classifier trained here in Node, a PNG of
// a FashionMNIST test image is given to its file input, and the top-3 classes it shows must be
// the ones, with the probabilities, that the same model computes in Node. Also measures the
// page's per-image forward latency (the Chromium column of the README's deployment table).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "kindling";
import { launchBrowser, requireFreshDist, type BrowserHarness } from "./helpers/browser.js";
import { buildDeployPage } from "../scripts/web-deploy.mjs";

const dir = mkdtempSync(path.join(tmpdir(), "kd-deploy-"));
const CLASSES = [5, 6, 7, 8, 9];

describe("deployment page: drop an image, get the top classes", () => {
  let browser: BrowserHarness;
  let model: kd.nn.Module;
  let config: kd.classifier.ModelConfig;
  let test: kd.datasets.FashionMNIST;

  beforeAll(async () => {
    requireFreshDist();
    // A TinyVGG for classes 5-9: one epoch on 2,000 images is enough for confident answers.
    kd.manualSeed(0);
    const toTensor = new kd.transforms.ToTensor();
    const train = await kd.datasets.FashionMNIST.load({ train: true, transform: toTensor, targetTransform: (y: number) => y - 5 });
    test = await kd.datasets.FashionMNIST.load({ train: false });
    const idx = Array.from(train.labels.keys()).filter((i) => train.labels[i] >= 5).slice(0, 2000);
    config = { model: "tinyvgg", hidden: 10, inChannels: 1, imageSize: 28, classes: CLASSES.map((c) => train.classes[c]) };
    model = kd.classifier.build(config);
    const loader = new kd.data.DataLoader(new kd.data.Subset(train, idx), { batchSize: 32, shuffle: true, seed: 0 });
    await kd.training.trainStep(model, loader, new kd.nn.CrossEntropyLoss(), new kd.optim.Adam(model.parameters(), { lr: 1e-3 }));
    model.eval();
    const file = path.join(dir, "model.safetensors");
    await kd.classifier.save(file, model, config);
    await buildDeployPage({ model: file });
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());

  it("shows the model's top-3 classes and probabilities for each PNG given to the file input", async () => {
    const page = await browser.open("dist/web-deploy/index.html");
    await page.waitForFunction(() => document.body.dataset.ready !== undefined || document.body.dataset.error !== undefined, null, { timeout: 60_000 });
    expect(await page.evaluate(() => document.body.dataset.error)).toBeUndefined();
    expect(await page.textContent("#status")).toContain("Sandal, Shirt, Sneaker, Bag, Ankle boot");
    const picks = Array.from(test.labels.keys()).filter((i) => test.labels[i] >= 5).slice(0, 3);
    let correct = 0;
    for (const [n, i] of picks.entries()) {
      const pixels = test.images.subarray(i * 784, (i + 1) * 784);
      const png = new PNG({ width: 28, height: 28 });
      for (let j = 0; j < 784; j++) png.data.set([pixels[j], pixels[j], pixels[j], 255], 4 * j);
      const file = path.join(dir, `test-${i}.png`);
      writeFileSync(file, PNG.sync.write(png));
      await page.setInputFiles("#file", file);
      await page.waitForFunction((k) => document.body.dataset.done === String(k) || document.body.dataset.error !== undefined, n + 1, { timeout: 30_000 });
      const shown = await page.$$eval("#top li", (lis) => lis.map((li) => ({ label: (li as HTMLElement).dataset.label!, prob: Number((li as HTMLElement).dataset.prob) })));
      const x = new kd.transforms.ToTensor().apply({ data: pixels, height: 28, width: 28, channels: 1 }).unsqueeze(0);
      const probs = kd.noGrad(() => kd.softmax(model.forward(x), 1)).dataSync();
      const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]).slice(0, 3);
      expect(shown.map((s) => s.label)).toEqual(order.map((k) => config.classes[k]));
      shown.forEach((s, k) => expect(s.prob).toBeCloseTo(probs[order[k]], 5));
      if (order[0] === test.labels[i] - 5) correct++;
      expect(await page.textContent("#latency")).toMatch(/^decode [\d.]+ ms \+ model [\d.]+ ms = [\d.]+ ms$/);
    }
    expect(correct).toBeGreaterThanOrEqual(2);
    const chromiumMs = await page.evaluate(() => (globalThis as unknown as { deployBench(n: number): number }).deployBench(30));
    console.log(`TinyVGG in Chromium (dist/inference.js): ${chromiumMs.toFixed(2)} ms per image (median of 30)`);
    expect(chromiumMs).toBeGreaterThan(0);
    expect(chromiumMs).toBeLessThan(200);
    // The transfer model's network (chapter 6's PyTorch CNN, same layers as its new-head copy),
    // through the page's own kindling/inference module.
    // A string, so vitest leaves the page's dynamic import alone.
    const onnxMs: number = await page.evaluate(`(async () => {
      const kd = await import("/dist/inference.js");
      const m = await kd.onnx.load("/examples/assets/fmnist-cnn-classes0to4.onnx");
      m.eval();
      const x = kd.rand([1, 1, 28, 28]);
      const once = () => kd.noGrad(() => kd.tidy(() => m.forward(x).dataSync()));
      for (let i = 0; i < 5; i++) once();
      const ms = [];
      for (let i = 0; i < 30; i++) {
        const t0 = performance.now();
        once();
        ms.push(performance.now() - t0);
      }
      return ms.sort((a, b) => a - b)[15];
    })()`);
    console.log(`SmallCNN (ONNX import) in Chromium: ${onnxMs.toFixed(2)} ms per image (median of 30)`);
    expect(onnxMs).toBeGreaterThan(0);
    expect(onnxMs).toBeLessThan(200);
    expect(browser.errors).toEqual([]);
  });
});
