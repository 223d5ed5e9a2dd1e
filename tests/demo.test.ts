// `npm run demo` on a slice of the real FashionMNIST, so CI checks the whole chapter runs:
// DataLoader, TinyVGG, SGD, evaluation, confusion matrix and prediction images. The full run
// (60,000 images, 3 epochs) is the README's; here 12,800 images for one epoch must already
// pass 70% test accuracy.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { useSwiftShader } from "./helpers/swiftshader.js";

const haveData = existsSync("/usr/share/datasets/fashion-mnist");

it.runIf(haveData)("TinyVGG trains on 12,800 FashionMNIST images to > 70% test accuracy", async () => {
  const out = mkdtempSync(path.join(tmpdir(), "kd-demo-"));
  const { main } = await import("../examples/04-fashion-mnist.js");
  const r = await main({ limit: "12800", epochs: "1", out });
  expect(r.testAcc).toBeGreaterThan(0.7);
  for (const f of r.files) expect(readFileSync(f, "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
});

// The same chapter with --device webgpu (Dawn on SwiftShader here): 10 steps from the same seed
// and the same batches give the CPU's losses and test accuracy.
it.runIf(haveData)("the chapter runs on webgpu (--device webgpu): the CPU's losses and accuracy", async () => {
  useSwiftShader();
  const { main } = await import("../examples/04-fashion-mnist.js");
  const run = (device: string) => main({ limit: "320", epochs: "1", "test-limit": "256", device, out: mkdtempSync(path.join(tmpdir(), `kd-demo-${device}-`)) });
  const cpu = await run("cpu");
  const gpu = await run("webgpu");
  const [c, g] = [cpu.history[0], gpu.history[0]];
  console.log(`example 04, 10 steps: cpu ${JSON.stringify(c)}\n                     webgpu ${JSON.stringify(g)}`);
  expect(Number.isFinite(c.trainLoss) && c.testLoss < 2.3).toBe(true); // it trains
  expect(Math.abs(g.trainLoss - c.trainLoss)).toBeLessThan(1e-3 * c.trainLoss);
  expect(Math.abs(g.testLoss - c.testLoss)).toBeLessThan(1e-3 * c.testLoss);
  expect(Math.abs(g.testAcc - c.testAcc)).toBeLessThanOrEqual(1 / 256);
  for (const f of gpu.files) expect(readFileSync(f, "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
}, 240_000);
