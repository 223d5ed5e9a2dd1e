import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

describe("smoke", () => {
  it("adds and prints", () => {
    const a = kd.tensor([[1, 2], [3, 4]]);
    const b = a.add(1).matmul(a.t());
    expect(b.shape).toEqual([2, 2]);
    expect(Array.from(b.dataSync())).toEqual([2 * 1 + 3 * 2, 2 * 3 + 3 * 4, 4 * 1 + 5 * 2, 4 * 3 + 5 * 4]);
    expect(a.toString()).toBe("tensor([[1., 2.],\n        [3., 4.]])");
  });
});
