// Stateful metrics (torchmetrics' Accuracy, F1Score, ConfusionMatrix) fed batch by batch give
// scikit-learn's scores over all samples (scripts/gen_metric_fixtures.py).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import * as kd from "../ts/index.js";
import { metrics } from "../ts/index.js";

const f = JSON.parse(readFileSync(new URL("./fixtures/metrics-stateful.json", import.meta.url), "utf8"));

describe("stateful metrics", async () => {
  await kd.ready();
  const logits = kd.tensor(f.logits);
  const target = kd.tensor(f.target, { dtype: "int32" });
  const batches = (f.batches as [number, number][]).map(([a, b]) => [logits.slice(0, a, b), target.slice(0, a, b)] as const);

  it("accumulate over batches to sklearn's accuracy, balanced accuracy, F1 and confusion matrix", () => {
    const k = f.num_classes;
    const ms = {
      accMicro: new metrics.Accuracy({ numClasses: k, average: "micro" }),
      accMacro: new metrics.Accuracy({ numClasses: k }),
      f1Macro: new metrics.F1Score({ numClasses: k }),
      f1Micro: new metrics.F1Score({ numClasses: k, average: "micro" }),
      cm: new metrics.ConfusionMatrix({ numClasses: k }),
    };
    for (const [x, y] of batches) for (const m of Object.values(ms)) m.update(x, y);
    expect(ms.accMicro.compute()).toBeCloseTo(f.accuracy_micro, 12);
    expect(ms.accMacro.compute()).toBeCloseTo(f.accuracy_macro, 12);
    expect(ms.f1Macro.compute()).toBeCloseTo(f.f1_macro, 12);
    expect(ms.f1Micro.compute()).toBeCloseTo(f.f1_micro, 12);
    expect(ms.cm.compute()).toEqual(f.confusion);
  });

  it("call() returns the batch's own value and accumulates; reset() clears", () => {
    const acc = new metrics.Accuracy({ numClasses: f.num_classes, average: "micro" });
    expect(acc.call(batches[0][0], batches[0][1])).toBeCloseTo(f.batch0_accuracy_micro, 12);
    acc.update(batches[1][0], batches[1][1]);
    acc.call(batches[2][0], batches[2][1]);
    expect(acc.compute()).toBeCloseTo(f.accuracy_micro, 12);
    acc.reset();
    expect(acc.compute()).toBe(0);
    acc.update([1, 1], [1, 0]);
    expect(acc.compute()).toBe(0.5);
  });

  it("macro skips classes absent from targets and predictions; bad input is a ValueError", () => {
    const acc = new metrics.Accuracy({ numClasses: 5 });
    acc.update([0, 1, 1], [0, 1, 0]); // class 0 recall 1/2, class 1 recall 1; 2-4 never seen
    expect(acc.compute()).toBeCloseTo(0.75, 12);
    expect(() => acc.update([0, 7], [0, 1])).toThrow(kd.ValueError);
    expect(() => acc.update([0], [0, 1])).toThrow(/1 predictions for 2 targets/);
    expect(() => new metrics.F1Score({ numClasses: 0 })).toThrow(/numClasses must be a positive integer/);
  });
});
