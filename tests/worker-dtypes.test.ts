// Tensors of every dtype cross a kd.worker (dist/worker.js) and come back bit-exact: int64
// beyond 2^53, float16 and float64 NaN payloads, -0 and subnormals included (int64 and float16
// payloads carry storage bytes). The worker runs
// the "echo" model of tests/worker-fixture.mjs (a copy of its input) through predict().
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

const dist = new URL("../dist/", import.meta.url);
const fixtureModule = new URL("./worker-fixture.mjs", import.meta.url).href;

/** A 1-D tensor of `dtype` holding exactly these storage bytes. */
const fromStorage = (dtype: kd.DType, v: ArrayBufferView, n: number) =>
  kd.fromBytes([n], dtype, (dst) => dst.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)));
const storage = (t: kd.Tensor) => {
  const d = kd.worker.toPayload(t).data;
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
};

const CASES: [kd.DType, ArrayBufferView, number][] = [
  ["bool", new Uint8Array([0, 1, 1, 0]), 4],
  ["uint8", new Uint8Array([0, 1, 128, 255]), 4],
  ["int8", new Int8Array([-128, -1, 0, 127]), 4],
  ["int32", new Int32Array([-(2 ** 31), -1, 0, 2 ** 31 - 1]), 4],
  ["int64", new BigInt64Array([2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -3n]), 4],
  // float16: a NaN with a payload, -0, inf, the smallest subnormal, 65504
  ["float16", new Uint16Array([0x7e01, 0x8000, 0x7c00, 0x0001, 0x7bff]), 5],
  ["float32", new Uint32Array([0x7fc00123, 0x80000000, 0x00000001, 0x7f7fffff]), 4],
  ["float64", new BigUint64Array([0x7ff8000000000123n, 0x8000000000000000n, 1n, 0x3fb999999999999an]), 4],
];

describe("kd.worker carries every dtype bit-exact", () => {
  let w: kd.worker.KindlingWorker;
  beforeAll(async () => {
    if (!existsSync(new URL("worker.js", dist))) throw new Error("dist/worker.js is missing: run `npm run build:ts` first");
    w = await kd.worker.spawn({ variant: kd.getEngine().variant as "simd" | "relaxed", imports: [fixtureModule] });
    await w.build({ factory: "echo" });
  });
  afterAll(async () => {
    await w?.terminate();
  });

  for (const [dtype, bits, n] of CASES) {
    it(`${dtype} there and back`, async () => {
      const t = fromStorage(dtype, bits, n);
      const back = kd.worker.fromPayload(await w.predict(t));
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual([n]);
      expect(storage(back)).toEqual(storage(t));
      expect(storage(t)).toEqual(Array.from(new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength)));
    });
  }

  it("a payload of the wrong array type for its dtype is a TypeError naming both", async () => {
    await expect(w.predict({ data: new Float64Array(2), shape: [2], dtype: "int64" })).rejects.toThrow(/an int64 payload needs a Uint8Array, got Float64Array/);
    await expect(w.predict({ data: new Uint8Array(12), shape: [2], dtype: "int64" })).rejects.toThrow(/has 2 elements but data has 12 bytes \(an int64 payload holds 8 bytes per element\)/);
  });
});
