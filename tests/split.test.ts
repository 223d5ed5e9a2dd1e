// kd.data.trainTestSplit: sklearn's train_test_split sizes, rows kept paired across tensors,
// every row in exactly one part, reproducible with a seed.
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { data } from "../ts/index.js";

describe("trainTestSplit", async () => {
  await kd.ready();
  const n = 10;
  const X = kd.arange(0, 2 * n).reshape([n, 2]); // row i is [2i, 2i + 1]
  const y = kd.arange(0, n).mul(10); // y[i] = 10 i

  it("splits rows as sklearn sizes them and keeps X and y paired", () => {
    const [xTr, xTe, yTr, yTe] = data.trainTestSplit(X, y, { testSize: 0.25, generator: 42 });
    expect(xTr.shape).toEqual([7, 2]); // sklearn: n_test = ceil(0.25 * 10) = 3
    expect(xTe.shape).toEqual([3, 2]);
    const rows = (t: kd.Tensor) => (t.tolist() as number[][]).map((r) => r[0] / 2);
    expect((yTr.tolist() as number[]).map((v) => v / 10)).toEqual(rows(xTr));
    expect((yTe.tolist() as number[]).map((v) => v / 10)).toEqual(rows(xTe));
    expect([...rows(xTr), ...rows(xTe)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rows(xTr)).not.toEqual([0, 1, 2, 3, 4, 5, 6]); // shuffled
    // Same seed, same split; default testSize 0.25; a row count works too.
    const again = data.trainTestSplit(X, y, { testSize: 0.25, generator: 42 });
    expect(again[1].tolist()).toEqual(xTe.tolist());
    expect(data.trainTestSplit(X, { generator: 1 })[1].shape).toEqual([3, 2]);
    expect(data.trainTestSplit(X, { testSize: 4, generator: 1 })[1].shape).toEqual([4, 2]);
  });

  it("shuffle: false keeps the order", () => {
    const [, , yTr, yTe] = data.trainTestSplit(X, y, { testSize: 0.2, shuffle: false });
    expect(yTr.tolist()).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    expect(yTe.tolist()).toEqual([80, 90]);
  });

  it("bad sizes and mismatched rows are ValueErrors", () => {
    expect(() => data.trainTestSplit(X, kd.ones([3]))).toThrow(/tensor 1 has 3 rows, tensor 0 has 10/);
    expect(() => data.trainTestSplit(X, { testSize: 1.5 })).toThrow(kd.ValueError);
    expect(() => data.trainTestSplit(X, { testSize: 10 })).toThrow(/testSize must be/);
  });
});
