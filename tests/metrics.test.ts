// kd.metrics: accuracy, confusion matrix, precision / recall / F1 per class with macro and weighted
// averages (hand-computed), the text report; kd.plot's confusion-matrix and image-grid SVGs.
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

const { metrics, plot } = kd;

// pred vs target over 3 classes; by hand:
//   confusion (rows true, cols predicted) [[1,0,0],[0,2,1],[1,0,2]]
//   precision [1/2, 1, 2/3], recall [1, 2/3, 2/3], f1 [2/3, 4/5, 2/3], support [1, 3, 3]
const pred = [0, 1, 2, 2, 1, 0, 2];
const target = [0, 1, 1, 2, 1, 2, 2];

describe("metrics", () => {
  it("confusionMatrix from arrays, class tensors or logits", () => {
    const cm = [[1, 0, 0], [0, 2, 1], [1, 0, 2]];
    expect(metrics.confusionMatrix(pred, target, 3)).toEqual(cm);
    expect(metrics.confusionMatrix(pred, target)).toEqual(cm);
    const p = kd.tensor(pred, { dtype: "int32" });
    const t = kd.tensor(target, { dtype: "int32" });
    expect(metrics.confusionMatrix(p, t, 3)).toEqual(cm);
    const logits = kd.tensor(pred.map((c) => [0, 1, 2].map((k) => (k === c ? 3 : -1))));
    expect(metrics.confusionMatrix(logits, t, 3)).toEqual(cm);
    expect(metrics.confusionMatrix(pred, target, 4)[3]).toEqual([0, 0, 0, 0]);
    expect(() => metrics.confusionMatrix(pred, target, 2)).toThrow(/out of range for 2 classes/);
    expect(() => metrics.confusionMatrix([0, 1], [0], 2)).toThrow(kd.ValueError);
    expect(() => metrics.confusionMatrix([0.5], [0], 2)).toThrow(/integers/);
  });

  it("precision, recall, F1 per class with macro and weighted averages", () => {
    const s = metrics.precisionRecallF1(pred, target, 3);
    const near = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 10));
    near(s.precision, [1 / 2, 1, 2 / 3]);
    near(s.recall, [1, 2 / 3, 2 / 3]);
    near(s.f1, [2 / 3, 4 / 5, 2 / 3]);
    expect(s.support).toEqual([1, 3, 3]);
    expect(s.accuracy).toBeCloseTo(5 / 7, 10);
    expect(s.macro.precision).toBeCloseTo((1 / 2 + 1 + 2 / 3) / 3, 10);
    expect(s.macro.recall).toBeCloseTo((1 + 2 / 3 + 2 / 3) / 3, 10);
    expect(s.macro.f1).toBeCloseTo((2 / 3 + 4 / 5 + 2 / 3) / 3, 10);
    expect(s.weighted.f1).toBeCloseTo((1 * (2 / 3) + 3 * (4 / 5) + 3 * (2 / 3)) / 7, 10);
    expect(s.weighted.recall).toBeCloseTo(5 / 7, 10); // weighted recall is accuracy
    // From the confusion matrix directly: the same numbers.
    expect(metrics.precisionRecallF1(s.confusion)).toEqual(s);
    // A class never predicted and never present scores 0, not NaN (sklearn's zero_division=0).
    const z = metrics.precisionRecallF1([0, 0], [0, 1], 3);
    expect(z.precision).toEqual([0.5, 0, 0]);
    expect(z.recall).toEqual([1, 0, 0]);
    expect(z.f1[1]).toBe(0);
    expect(metrics.accuracy(kd.tensor(pred, { dtype: "int32" }), kd.tensor(target, { dtype: "int32" }))).toBeCloseTo(5 / 7, 6);
  });

  it("classificationReport prints a table like sklearn's", () => {
    const r = metrics.classificationReport(pred, target, { classNames: ["cat", "dog", "bird"] });
    const lines = r.split("\n");
    expect(lines[0]).toMatch(/precision\s+recall\s+f1-score\s+support/);
    expect(r).toMatch(/dog\s+1\.00\s+0\.67\s+0\.80\s+3/);
    expect(r).toMatch(/accuracy\s+0\.71\s+7/);
    expect(r).toMatch(/macro avg\s+0\.72\s+0\.78\s+0\.71\s+7/);
  });

  it("leaves no tensors behind", () => {
    const p = kd.randn([50, 4]);
    const t = kd.randint(0, 4, [50]);
    const before = kd.memory().liveTensors;
    metrics.confusionMatrix(p, t, 4);
    metrics.precisionRecallF1(p, t, 4);
    expect(kd.memory().liveTensors).toBeLessThanOrEqual(before);
  });
});

describe("plots", () => {
  const names = ["T-shirt/top", "Trouser", "A & B"];

  it("confusionMatrixSvg: a cell per pair with its count, class names on both axes", () => {
    const cm = metrics.confusionMatrix(pred, target, 3);
    const svg = plot.confusionMatrixSvg(cm, names, { title: "Confusion" });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect((svg.match(/<title>true /g) ?? []).length).toBe(9);
    expect(svg).toContain("A &amp; B");
    expect(svg).not.toContain("A & B");
    expect(svg).toContain(">Predicted label<");
    expect(svg).toContain(">True label<");
    expect(svg).toMatch(/>2<\/text>/);
    const norm = plot.confusionMatrixSvg(kd.tensor(cm), undefined, { normalize: true });
    expect(norm).toContain(">0.67<");
    expect(() => plot.confusionMatrixSvg([[1, 2]], names)).toThrow(kd.ValueError);
  });

  it("imageGridSvg: pixels as rects, captions green when right and red when wrong", () => {
    const imgs = kd.rand([5, 1, 6, 4]);
    const labels = [0, 1, 2, 0, 1];
    const preds = [0, 2, 2, 1, 1];
    const svg = plot.imageGridSvg(imgs, { labels, predictions: preds, classNames: names, ncols: 3, title: "Samples" });
    expect(svg.startsWith("<svg")).toBe(true);
    expect((svg.match(/<text[^>]*fill="#2ca02c"/g) ?? []).length).toBe(3);
    expect((svg.match(/<text[^>]*fill="#d62728"/g) ?? []).length).toBe(2);
    expect(svg).toContain("Pred: A &amp; B | Truth: Trouser");
    expect((svg.match(/<rect /g) ?? []).length).toBeGreaterThan(5 * 6); // at least a rect per row of pixels
    // [N, H, W] tensors and plain arrays work too; a constant image draws only its background.
    const flat = plot.imageGridSvg([[[0, 0], [0, 0]]], { labels: [1], classNames: names });
    expect(flat).toContain(">Trouser<");
    expect(plot.imageGridSvg(kd.zeros([2, 3, 3]))).toContain("<svg");
    expect(plot.imageGridSvg(kd.rand([1, 3, 2, 2]))).toMatch(/fill="rgb\(\d+,\d+,\d+\)"/);
    expect(() => plot.imageGridSvg(imgs, { labels: [1] })).toThrow(/1 labels for 5 images/);
    expect(() => plot.imageGridSvg(kd.zeros([2, 2]))).toThrow(kd.ValueError);
  });
});
