// `npm run demo` on a slice of the real FashionMNIST, so CI checks the whole chapter runs:
// DataLoader, TinyVGG, SGD, evaluation, confusion matrix and prediction images. The full run
// (60,000 images, 3 epochs) is the README's; here 12,800 images for one epoch must already
// pass 70% test accuracy.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";

const haveData = existsSync("/usr/share/datasets/fashion-mnist");

it.runIf(haveData)("TinyVGG trains on 12,800 FashionMNIST images to > 70% test accuracy", async () => {
  const out = mkdtempSync(path.join(tmpdir(), "kd-demo-"));
  const { main } = await import("../examples/04-fashion-mnist.js");
  const r = await main({ limit: "12800", epochs: "1", out });
  expect(r.testAcc).toBeGreaterThan(0.7);
  for (const f of r.files) expect(readFileSync(f, "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
});
