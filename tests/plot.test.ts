// kd.plot: round ticks, x values, a right-hand axis, a scatter plot with legend and axis labels.
import { describe, expect, it } from "vitest";
import { plot } from "../ts/index.js";

const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
const attr = (svg: string, cls: string) => svg.match(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`))?.[1];

describe("plot", () => {
  it("niceTicks: steps of 1, 2 or 5 x 10^k enclosing the range; whole steps for whole data", () => {
    expect(plot.niceTicks(0.013, 0.87)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(plot.niceTicks(1, 3, 5, true)).toEqual([1, 2, 3]);
    expect(plot.niceTicks(1, 20, 5, true)).toEqual([0, 5, 10, 15, 20]);
    expect(plot.niceTicks(0.3, 2.41)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(plot.niceTicks(3, 3)).toEqual([1, 2, 3, 4, 5]);
  });

  it("lineChart plots against x values with integer epoch ticks and accuracy on a right axis", () => {
    const svg = plot.lineChart([
      { name: "train loss", x: [1, 2, 3], values: [0.62, 0.41, 0.35] },
      { name: "test accuracy", x: [1, 2, 3], values: [0.855, 0.868, 0.881], axis: "right" },
    ], { xlabel: "epoch", ylabel: "loss", ylabelRight: "accuracy" });
    const t = texts(svg);
    expect(t.slice(0, 3)).toEqual(["1", "2", "3"]); // x ticks: the epochs, nothing in between
    const side = (anchor: string) => [...svg.matchAll(new RegExp(`<text x="[^"]*" y="[^"]*" text-anchor="${anchor}">([^<]*)</text>`, "g"))].map((m) => m[1]);
    expect(side("end")).toEqual(["0", "0.2", "0.4", "0.6", "0.8"]); // left axis: the loss, from 0
    expect(side("start")).toEqual(["0", "0.2", "0.4", "0.6", "0.8", "1"]); // right axis: the accuracy
    expect(attr(svg, "xlabel")).toBe("epoch");
    expect(attr(svg, "ylabel")).toBe("loss");
    expect(attr(svg, "ylabel-right")).toBe("accuracy");
    expect(t).toContain("train loss");
    expect(t).toContain("test accuracy (right axis)");
    // The first loss point sits at the left edge (x = 1) and the last at the right (x = 3).
    const pts = svg.match(/points="([^"]*)"/)![1].split(" ").map((p) => p.split(",").map(Number));
    expect(pts[0][0]).toBe(64);
    expect(pts[2][0]).toBe(64 + 560 - 128);
    expect(() => plot.lineChart([{ name: "a", x: [1], values: [1, 2] }])).toThrow(/2 values but 1 x values/);
  });

  it("scatter draws each series in its colour with a legend and axis labels", () => {
    const svg = plot.scatter([
      { name: "training data", x: [0, 0.2, 0.4], y: [0.3, 0.44, 0.58] },
      { name: "predictions", x: [0.6, 0.8], y: [0.71, 0.86], color: "#d62728" },
    ], { xlabel: "X", ylabel: "y", title: "Predictions" });
    expect((svg.match(/<circle /g) ?? []).length).toBe(5);
    expect((svg.match(/fill="#d62728"/g) ?? []).length).toBe(3); // 2 points + the legend swatch
    expect(texts(svg)).toEqual(expect.arrayContaining(["training data", "predictions", "Predictions"]));
    expect(attr(svg, "xlabel")).toBe("X");
    expect(attr(svg, "ylabel")).toBe("y");
    expect(() => plot.scatter([{ name: "a", x: [1, 2], y: [1] }])).toThrow(RangeError);
  });
});
