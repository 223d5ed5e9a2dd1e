// Kindling inside a user's bundled app: Vite builds tests/bundler-app (which imports "kindling"
// and spawns kd.worker), and the built app runs in Chromium. The library refers to its .wasm
// builds and worker as literal new URL("./...", import.meta.url), which is what bundlers follow.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, REPO, requireFreshDist, type BrowserHarness } from "./helpers/browser.js";

describe("a Vite-built app using kindling", () => {
  const out = mkdtempSync(path.join(tmpdir(), "kd-vite-"));
  let assets: string[] = [];
  let browser: BrowserHarness;
  let result: { shape: number[]; variant: string; workerVariant: string } | undefined;

  beforeAll(async () => {
    requireFreshDist();
    const { build } = await import("vite");
    await build({
      root: path.join(REPO, "tests/bundler-app"),
      logLevel: "silent",
      configFile: false,
      resolve: { alias: { kindling: path.join(REPO, "dist/index.js") } },
      build: { outDir: out, emptyOutDir: true, target: "es2022" },
      worker: { format: "es" },
    });
    assets = readdirSync(path.join(out, "assets"));
    browser = await launchBrowser({ root: out });
    const page = await browser.open("index.html");
    await page.waitForFunction(() => document.title === "done" || (globalThis as any).__failed, null, { timeout: 60_000 });
    result = await page.evaluate(() => (globalThis as any).result);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it("emits the four engine builds and the worker as assets", () => {
    for (const build of ["simd", "relaxed"]) {
      expect(assets.filter((f) => new RegExp(`^kindling\\.${build}-(?!threads-).*\\.wasm$`).test(f)), build).toHaveLength(1);
      expect(assets.filter((f) => new RegExp(`^kindling\\.${build}-threads-.*\\.wasm$`).test(f)), `${build}-threads`).toHaveLength(1);
    }
    expect(assets.some((f) => /^worker-.*\.js$/.test(f))).toBe(true);
  });

  it("runs: the page and its worker load the engine and predict", () => {
    // The harness serves the app cross-origin isolated: the threaded build, in the page and its worker.
    expect(result).toEqual({ shape: [2, 10], variant: "relaxed-threads", workerVariant: "relaxed-threads" });
  });

  it("logs no console or page errors", () => {
    expect(browser.errors).toEqual([]);
  });
});
