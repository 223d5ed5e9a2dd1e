// kd.plot.toPng: the SVG charts rasterized and encoded as PNG, checked by decoding the file with
// pngjs (an independent decoder) and reading pixels where the chart's geometry puts them.
// PLOT_PNG_DIR=/some/dir keeps the files for a look.
import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { PNG } from "pngjs";
import * as kd from "../ts/index.js";

const decode = (bytes: Uint8Array) => PNG.sync.read(Buffer.from(bytes));
const px = (img: PNG, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
const near = (a: number[], b: number[], tol = 8) => a.slice(0, 3).every((v, i) => Math.abs(v - b[i]) <= tol);
function keep(name: string, bytes: Uint8Array) {
  if (process.env.PLOT_PNG_DIR) writeFileSync(path.join(process.env.PLOT_PNG_DIR, name), bytes);
}

describe("kd.plot.toPng", () => {
  it("a line chart: white background, the series' colour along its polyline, dark axes and text", async () => {
    const series = [{ name: "loss", values: [4, 3, 2, 1, 0], color: "#d62728" }];
    const svg = kd.plot.lineChart(series, { title: "Loss", width: 400, height: 300 });
    const bytes = await kd.plot.toPng(svg);
    keep("line.png", bytes);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const img = decode(bytes);
    expect([img.width, img.height]).toEqual([400, 300]);
    expect(px(img, 2, 2)).toEqual([255, 255, 255, 255]);
    // The polyline's own points, read from the SVG, and the midpoints of its segments are red.
    const pts = /points="([^"]*)"/.exec(svg)![1].split(" ").map((p) => p.split(",").map(Number));
    expect(pts.length).toBe(5);
    for (let i = 0; i + 1 < pts.length; i++) {
      for (const t of [0, 0.5]) {
        const x = Math.floor(pts[i][0] + t * (pts[i + 1][0] - pts[i][0]));
        const y = Math.floor(pts[i][1] + t * (pts[i + 1][1] - pts[i][1]));
        expect(near(px(img, x, y), hex("#d62728"), 40), `(${x}, ${y}): ${px(img, x, y)}`).toBe(true);
      }
    }
    // Off the line inside the plot area: still white. The frame rect (x0=64, y0=32) is #444.
    expect(px(img, Math.floor(pts[0][0]) + 5, Math.floor(pts[4][1]) - 5)).toEqual([255, 255, 255, 255]);
    // (a 1px stroke on a pixel boundary covers the two pixels beside it by half each)
    expect(near(px(img, 63, 100), [161, 161, 161], 3) && near(px(img, 64, 100), [161, 161, 161], 3), `${px(img, 63, 100)} ${px(img, 64, 100)}`).toBe(true);
    // The title is drawn centred at y = 18: dark pixels in its row band, none far right of it.
    const dark = (x0: number, x1: number, y0: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (px(img, x, y)[0] < 128) n++;
      return n;
    };
    expect(dark(180, 220, 10, 19)).toBeGreaterThan(10);
    expect(dark(300, 400, 5, 25)).toBe(0);
  });

  it("scatter points, decision boundary cells and the confusion matrix keep their colours", async () => {
    const svg = kd.plot.scatter([{ name: "data", x: [0, 1], y: [0, 1], color: "#2ca02c" }], { radius: 4 });
    const img = decode(await kd.plot.toPng(svg));
    const circles = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(circles.length).toBe(2);
    for (const [cx, cy] of circles) expect(near(px(img, Math.floor(cx), Math.floor(cy)), hex("#2ca02c"))).toBe(true);

    const pts = [{ x: 0, y: 0, label: 0 }, { x: 1, y: 1, label: 1 }];
    const db = kd.plot.decisionBoundary(pts, (xs) => xs.map((x) => (x < 0.5 ? 0 : 1)), { resolution: 10 });
    const bytes = await kd.plot.toPng(db);
    keep("boundary.png", bytes);
    const dimg = decode(bytes);
    // Cell centres (plot x0 = 50, y0 = 32, cells 35px) are the class colour at 25% over white.
    const tint = (c: string) => hex(c).map((v) => Math.round(255 + (v - 255) * 0.25));
    expect(near(px(dimg, 102, 189), tint("#1f77b4"), 3), `${px(dimg, 102, 189)}`).toBe(true);
    expect(near(px(dimg, 347, 189), tint("#ff7f0e"), 3), `${px(dimg, 347, 189)}`).toBe(true);

    const cmBytes = await kd.plot.toPng(kd.plot.confusionMatrixSvg([[9, 0], [0, 9]], ["a", "b"]));
    keep("confusion.png", cmBytes);
    const cm = decode(cmBytes);
    const rect = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="[\d.]+" fill="rgb\((\d+),(\d+),(\d+)\)"/.exec(kd.plot.confusionMatrixSvg([[9, 0], [0, 9]], ["a", "b"]))!;
    const [x, y, w] = [Number(rect[1]), Number(rect[2]), Number(rect[3])];
    expect(near(px(cm, Math.floor(x + 3), Math.floor(y + 3)), [Number(rect[4]), Number(rect[5]), Number(rect[6])], 2)).toBe(true);
    expect(w).toBeGreaterThan(6);
  });

  it("scale 2 doubles the image and the geometry", async () => {
    const svg = kd.plot.lineChart([{ name: "a", values: [1, 0], color: "#1f77b4" }, { name: "acc", values: [0.5, 0.9], axis: "right" }],
      { width: 300, height: 200, ylabel: "loss", ylabelRight: "accuracy" });
    const bytes = await kd.plot.toPng(svg, { scale: 2 });
    keep("two-axes-x2.png", bytes);
    const img = decode(bytes);
    expect([img.width, img.height]).toEqual([600, 400]);
    const [p0] = /points="([^"]*)"/.exec(svg)![1].split(" ").map((p) => p.split(",").map(Number));
    expect(near(px(img, Math.floor(p0[0] * 2), Math.floor(p0[1] * 2)), hex("#1f77b4"), 40)).toBe(true);
  });

  it("bad input is a ValueError", async () => {
    await expect(kd.plot.toPng("not svg")).rejects.toThrow(kd.ValueError);
    await expect(kd.plot.toPng('<svg width="4" height="4"><path d="M0 0"/></svg>')).rejects.toThrow(/<path> is not supported/);
    await expect(kd.plot.toPng('<svg width="4" height="4"><rect width="4" height="4" fill="hsl(0,0,0)"/></svg>')).rejects.toThrow(/unsupported colour/);
    await expect(kd.plot.toPng(kd.plot.lineChart([{ name: "a", values: [1] }]), { scale: 0 })).rejects.toThrow(/scale must be an integer/);
    await expect(kd.plot.toPng(kd.plot.lineChart([{ name: "a", values: [1] }]), { dpi: 2 } as never)).rejects.toThrow(/unknown option 'dpi'/);
  });
});
