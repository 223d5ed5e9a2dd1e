// examples/05-transfer-learning.ts with small settings: PyTorch's pretrained CNN (imported from
// ONNX, features frozen, new head) beats the same CNN trained from scratch on the same batches,
// on real FashionMNIST test images of the new classes 5-9.
import { describe, expect, it } from "vitest";

describe("transfer learning from an ONNX model pretrained in PyTorch", () => {
  it("a new head on frozen pretrained features beats training from scratch for the same steps", async () => {
    const { main } = await import("../examples/05-transfer-learning.js");
    const r = await main({ steps: "60" });
    expect(r.transferAcc).toBeGreaterThan(r.scratchAcc + 0.03);
    expect(r.transferAcc).toBeGreaterThan(0.85);
  });
});
