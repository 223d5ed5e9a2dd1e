import { it } from "vitest";
import * as kd from "../ts/index.js";
it("probe", () => {
  for (const [sa, sb] of [[[0], [2, 0, 2]], [[3, 0], [0, 2]], [[0], [0]]] as number[][][]) {
    try {
      const a = kd.zeros(sa, { requiresGrad: true }); const b = kd.zeros(sb, { requiresGrad: true });
      const y = a.matmul(b); console.log(sa, sb, "->", y.shape, Array.from(y.dataSync()));
      y.sum().backward(); console.log(a.grad!.shape, b.grad!.shape);
    } catch (e) { console.log(sa, sb, "ERR", String(e)); }
  }
});
