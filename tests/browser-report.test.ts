// `kindling report`: event files from two runs written by SummaryWriter, the report built by the
// CLI (bin/kindling.mjs), then opened in headless Chromium: every scalar tag is a uPlot chart
// whose legend lists both runs and whose canvas has drawn lines, the hparams table and images are
// there. The screenshot goes to artifacts/report.png.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as kd from "kindling";
import { pathToFileURL } from "node:url";
import { launchBrowser, REPO, type BrowserHarness } from "./helpers/browser.js";
import { message, records } from "./helpers/tfevents.js";

describe("kindling report in Chromium", () => {
  let b: BrowserHarness | undefined;
  const logdir = mkdtempSync(path.join(tmpdir(), "kd-report-"));
  beforeAll(async () => {
    for (const [name, lr] of [["small-lr", 0.01], ["big-lr", 0.1]] as const) {
      const w = new kd.tensorboard.SummaryWriter(path.join(logdir, name));
      for (let s = 0; s < 20; s++) {
        w.addScalar("loss/train", Math.exp(-lr * 10 * s) + 0.05, s);
        if (s % 5 === 4) w.addScalar("accuracy/test", 1 - Math.exp(-lr * 10 * s) * 0.9, s);
      }
      w.addImage("sample", kd.linspace(0, 1, 3 * 8 * 8).reshape([3, 8, 8]), 19);
      w.addText("notes", `lr ${lr}`, 0);
      w.addHparams({ lr, optimizer: "sgd" }, { "hparam/accuracy": 1 - lr }, { runName: "hparams" });
      w.close();
    }
    b = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    rmSync(logdir, { recursive: true, force: true });
  });

  it("the CLI writes the page; the page draws one chart per tag with both runs", async () => {
    const r = spawnSync(process.execPath, [path.join(REPO, "bin/kindling.mjs"), "report", logdir, "--title", "LR sweep"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("2 runs (big-lr, small-lr)");
    const html = readFileSync(path.join(logdir, "report.html"), "utf8");
    expect(html).not.toMatch(/<script[^>]+src=/); // self-contained
    // opened from disk, as a user would: the page needs no server
    const page = await b!.context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => { if (m.type() === "error") pageErrors.push(m.text()); });
    await page.goto(pathToFileURL(path.join(logdir, "report.html")).href);
    await page.waitForFunction(() => (globalThis as { kindlingReport?: unknown }).kindlingReport !== undefined);
    const info = await page.evaluate(() => {
      const charts = Array.from(document.querySelectorAll(".chart")).map((c) => {
        const canvas = c.querySelector("canvas")!;
        const ctx = canvas.getContext("2d")!;
        const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let colored = 0; // pixels of the series colours (red or blue lines)
        for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && Math.abs(px[i] - px[i + 2]) > 100) colored++;
        return {
          tag: (c as HTMLElement).dataset.tag,
          legend: Array.from(c.querySelectorAll(".u-legend .u-series .u-label")).map((e) => e.textContent),
          colored,
        };
      });
      const table = Array.from(document.querySelectorAll("table.runs tr")).map((tr) => Array.from(tr.children).map((td) => td.textContent));
      const imgs = Array.from(document.querySelectorAll("img")).map((i) => (i as HTMLImageElement).naturalWidth);
      return { charts, table, imgs, canvases: document.querySelectorAll("canvas").length };
    });
    expect(info.canvases).toBe(2);
    expect(info.charts.map((c) => c.tag)).toEqual(["accuracy/test", "loss/train"]);
    for (const c of info.charts) {
      expect(c.legend).toEqual(["step", "big-lr", "small-lr"]);
      expect(c.colored).toBeGreaterThan(100);
    }
    expect(info.table[0]).toEqual(["run", "lr", "optimizer", "hparam/accuracy", "accuracy/test (last)", "loss/train (last)"]);
    expect(info.table[1].slice(0, 4)).toEqual(["big-lr", "0.1000", "sgd", "0.9000"]);
    expect(Number(info.table[2][5])).toBeCloseTo(Math.exp(-0.1 * 19) + 0.05, 3);
    expect(info.imgs).toEqual([8, 8]);
    expect(pageErrors).toEqual([]);
    const artifacts = path.join(REPO, "artifacts");
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, "report.png"), fullPage: true });
  }, 120_000);

  it("without a file system (a browser page) SummaryWriter keeps the event files in memory", async () => {
    const page = await b!.openBundle("tests/browser/tensorboard.page.ts");
    const files = (await page.evaluate(() => (globalThis as unknown as { kindlingTest: { writeInMemory(): [string, number[]][] } }).kindlingTest.writeInMemory()));
    expect(files.map(([n]) => n.replace(/tfevents\.\d+\./, "tfevents.T."))).toEqual(["runs/browser/events.out.tfevents.T.browser.0.0", "runs/browser/acc_train/events.out.tfevents.T.browser.0.1"]);
    const main = records(new Uint8Array(files[0][1])).map((r) => message(r));
    expect(main).toHaveLength(5); // file_version, 3 scalars, 1 histogram
    expect(new TextDecoder().decode(main[0].get(3)![0].bytes)).toBe("brain.Event:2");
    expect(main.slice(1, 4).map((e) => Number(e.get(2)?.[0].varint ?? 0n))).toEqual([0, 1, 2]);
    expect(records(new Uint8Array(files[1][1]))).toHaveLength(2);
    expect(b!.errors).toEqual([]);
  }, 60_000);

  it("a folder without event files is a clear error", () => {
    const empty = mkdtempSync(path.join(tmpdir(), "kd-empty-"));
    const r = spawnSync(process.execPath, [path.join(REPO, "bin/kindling.mjs"), "report", empty], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ValueError: report: no TensorBoard event files/);
    rmSync(empty, { recursive: true });
  });
});
