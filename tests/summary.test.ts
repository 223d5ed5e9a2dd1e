// kd.summary against torch: per-module parameter counts and output shapes captured by forward
// hooks in scripts/gen_summary_fixtures.py (torchinfo itself is not packaged for Debian), and the
// totals by torchinfo's rules.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import * as kd from "kindling";

const fx = JSON.parse(readFileSync(new URL("./fixtures/summary.json", import.meta.url), "utf8")).summary;

interface FxRow { name: string; type: string; depth: number; index: number | null; output_shape: number[]; params: number; trainable: boolean | null }

function check(s: kd.ModelSummary, f: { rows: FxRow[]; total_params: number; trainable_params: number; mult_adds: number; input_bytes: number; output_bytes: number; param_bytes: number }) {
  expect(s.rows.map((r) => [r.type, r.name, r.depth, r.outputShape, r.params, r.trainable])).toEqual(
    f.rows.map((r) => [r.type, r.name, r.depth, r.output_shape, r.params, r.trainable]),
  );
  expect(s.rows.map((r) => r.layer)).toEqual(f.rows.map((r) => (r.depth ? `${r.type}: ${r.depth}-${r.index}` : r.type)));
  expect([s.totalParams, s.trainableParams, s.nonTrainableParams]).toEqual([f.total_params, f.trainable_params, f.total_params - f.trainable_params]);
  expect([s.multAdds, s.inputBytes, s.forwardBackwardBytes, s.paramBytes]).toEqual([f.mult_adds, f.input_bytes, f.output_bytes, f.param_bytes]);
}

describe("kd.summary", () => {
  it("TinyVGG matches torch's modules, shapes and counts", () => {
    const s = kd.summary(new kd.models.TinyVGG(1, 10, 10), [1, 1, 28, 28]);
    check(s, fx.tinyvgg);
    const text = s.toString();
    const lines = text.split("\n");
    expect(lines[1]).toMatch(/^Layer \(type:depth-idx\)\s+Output Shape\s+Param #$/);
    expect(text).toContain("├─Sequential: 1-1");
    expect(text).toMatch(/│    └─Conv2d: 2-1\s+\[1, 10, 28, 28\]\s+100\n/);
    expect(text).toMatch(/└─Linear: 2-12\s+\[1, 10\]\s+4,910\n/);
    expect(text).toContain(`Total params: ${fx.tinyvgg.total_params.toLocaleString("en-US")}\n`);
    expect(text).toContain("Non-trainable params: 0\n");
    expect(text).toContain(`Total mult-adds (M): ${(fx.tinyvgg.mult_adds / 1e6).toFixed(2)}\n`);
    expect(text).toContain("Forward/backward pass size (MB): 0.16\n");
    const total = (fx.tinyvgg.input_bytes + fx.tinyvgg.output_bytes + fx.tinyvgg.param_bytes) / 1e6;
    expect(text).toContain(`Estimated Total Size (MB): ${total.toFixed(2)}\n`);
  });

  it("an MLP with a frozen layer: trainable column and non-trainable count", () => {
    const mlp = new kd.nn.Sequential(new kd.nn.Flatten(), new kd.nn.Linear(784, 64), new kd.nn.ReLU(), new kd.nn.Linear(64, 10));
    mlp.at(1).requiresGrad_(false);
    const s = kd.summary(mlp, [2, 1, 28, 28], { colNames: ["output_size", "num_params", "trainable"] });
    check(s, fx.mlp_frozen);
    expect(s.nonTrainableParams).toBe(784 * 64 + 64);
    expect(s.toString()).toMatch(/├─Linear: 1-2\s+\[2, 64\]\s+50,240\s+False\n/);
    expect(s.toString()).toMatch(/├─Linear: 1-4\s+\[2, 10\]\s+650\s+True\n/);
  });

  it("runs in eval mode and leaves batch norm statistics and training modes as they were", async () => {
    const m = new kd.nn.Sequential(new kd.nn.Conv2d(1, 2, 3), new kd.nn.BatchNorm2d(2), new kd.nn.ReLU());
    m.at(1).eval();
    const bn = m.at(1) as kd.nn.BatchNorm2d;
    const before = [...(await bn.runningMean!.data())];
    const s = kd.summary(m, [1, 1, 8, 8]);
    expect(s.rows.map((r) => r.outputShape)).toEqual([[1, 2, 6, 6], [1, 2, 6, 6], [1, 2, 6, 6], [1, 2, 6, 6]]);
    expect(s.rows[2].params).toBe(4); // weight and bias; running stats are buffers
    expect([...(await bn.runningMean!.data())]).toEqual(before);
    expect([m.training, m.at(0).training, bn.training, m.at(2).training]).toEqual([true, true, false, true]);
  });

  it("bad input is a typed error", () => {
    expect(() => kd.summary(new kd.nn.Linear(3, 2), [1, -3])).toThrow(kd.ShapeError);
    expect(() => kd.summary(new kd.nn.Linear(3, 2), [1, 4])).toThrow(kd.ShapeError);
    expect(() => kd.summary(new kd.nn.Linear(3, 2), [1, 3], { deph: 2 } as never)).toThrow(/did you mean 'depth'/);
  });
});
