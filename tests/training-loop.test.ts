// kd.training (the course's engine.py) against PyTorch: the same model, data and SGD run through
// train() give engine.py's history and final weights (tests/fixtures/training.json from
// scripts/gen_training_fixtures.py).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as kd from "kindling";
import { decode, expectClose, type FTensor } from "./helpers/torch-fixture.js";

const fx = JSON.parse(readFileSync(new URL("./fixtures/training.json", import.meta.url), "utf8")) as {
  x: FTensor; y: number[]; x_test: FTensor; y_test: number[]; params: Record<string, FTensor>; final: Record<string, FTensor>;
  lr: number; momentum: number; batch_size: number; epochs: number;
  history: { train_loss: number[]; train_acc: number[]; test_loss: number[]; test_acc: number[] };
};

function setup() {
  const model = new kd.nn.Sequential(new kd.nn.Conv2d(1, 4, 3, { padding: 1 }), new kd.nn.ReLU(), new kd.nn.MaxPool2d(2), new kd.nn.Flatten(), new kd.nn.Linear(36, 3));
  model.loadStateDict(Object.fromEntries(Object.entries(fx.params).map(([k, t]) => [k, decode(t)])));
  const ds = (x: FTensor, y: number[]) => new kd.data.TensorDataset(decode(x), kd.tensor(y, { dtype: "int32" }));
  const trainLoader = new kd.data.DataLoader(ds(fx.x, fx.y), { batchSize: fx.batch_size });
  const testLoader = new kd.data.DataLoader(ds(fx.x_test, fx.y_test), { batchSize: fx.batch_size });
  const optimizer = new kd.optim.SGD(model.parameters(), { lr: fx.lr, momentum: fx.momentum });
  return { model, trainLoader, testLoader, optimizer, lossFn: new kd.nn.CrossEntropyLoss() };
}

describe("kd.training", () => {
  it("train() gives engine.py's history and final weights", async () => {
    const { model, trainLoader, testLoader, optimizer, lossFn } = setup();
    const seen: number[] = [];
    const h = await kd.training.train(model, trainLoader, testLoader, optimizer, lossFn, fx.epochs, { onEpoch: (e) => { seen.push(e); } });
    expect(seen).toEqual([1, 2, 3]);
    for (const [got, want] of [[h.trainLoss, fx.history.train_loss], [h.testLoss, fx.history.test_loss]] as const) {
      expect(got).toHaveLength(fx.epochs);
      got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5));
    }
    expect(h.trainAcc.map((v) => v.toFixed(6))).toEqual(fx.history.train_acc.map((v) => v.toFixed(6)));
    expect(h.testAcc.map((v) => v.toFixed(6))).toEqual(fx.history.test_acc.map((v) => v.toFixed(6)));
    const sd = model.stateDict();
    for (const [k, t] of Object.entries(fx.final)) expectClose(k, sd[k], t, 1e-4, 1e-5);
  });

  it("trainStep and testStep are one epoch each; a resumed train() continues the history", async () => {
    const a = setup();
    const first = await kd.training.trainStep(a.model, a.trainLoader, a.lossFn, a.optimizer);
    expect(first.batches).toBe(3);
    expect(first.samples).toBe(40);
    expect(Math.abs(first.loss - fx.history.train_loss[0])).toBeLessThan(1e-5);
    const test = await kd.training.testStep(a.model, a.testLoader, a.lossFn);
    expect(Math.abs(test.loss - fx.history.test_loss[0])).toBeLessThan(1e-5);
    const history = { trainLoss: [first.loss], trainAcc: [first.acc], testLoss: [test.loss], testAcc: [test.acc] };
    const h = await kd.training.train(a.model, a.trainLoader, a.testLoader, a.optimizer, a.lossFn, fx.epochs, { startEpoch: 1, history });
    expect(h.trainLoss).toHaveLength(3);
    h.trainLoss.forEach((v, i) => expect(Math.abs(v - fx.history.train_loss[i])).toBeLessThan(1e-5));
  });

  it("a loss function, a progress stream, and clear errors for bad arguments", async () => {
    const a = setup();
    const lines: string[] = [];
    const h = await kd.training.train(a.model, a.trainLoader, a.testLoader, a.optimizer, (p, t) => kd.nn.functional.crossEntropy(p, t), 1, { progress: { write: (s: string) => lines.push(s) } });
    expect(Math.abs(h.trainLoss[0] - fx.history.train_loss[0])).toBeLessThan(1e-5);
    expect(lines.at(-1)).toMatch(/^epoch 1\/1 \[#+\] 3\/3 loss \d\.\d{4} acc/);
    await expect(kd.training.train(a.model, a.trainLoader, a.testLoader, a.optimizer, a.lossFn, 1.5)).rejects.toThrow(/epochs must be a non-negative integer, got 1.5/);
    await expect(kd.training.train(a.model, a.trainLoader, a.testLoader, a.optimizer, a.lossFn, 1, { onepoch: () => 0 } as never)).rejects.toThrow(kd.ValueError);
    await expect(kd.training.trainStep(a.model, [] as never, a.lossFn, a.optimizer)).rejects.toThrow(/gave no batches/);
    await expect(kd.training.testStep(a.model, 3 as never, a.lossFn)).rejects.toThrow(/loader must be a DataLoader/);
  });
});
