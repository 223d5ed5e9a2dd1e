// ONNX exchange of the storage dtypes: a model holding uint8, int8, int64, float16 and float64
// tensors exports them as ONNX's UINT8 (2), INT8 (3), INT64 (7), FLOAT16 (10) and DOUBLE (11)
// initializers, bit-exact; onnxruntime-node runs the file with Kindling's outputs; importing it
// keeps every dtype (float16 and float64 weights stay float16 and float64, bit-exact), for
// Kindling's files and for one torch.onnx.export wrote (scripts/gen_onnx_dtype_fixtures.py).
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

const { nn } = kd;
const ONNX = { uint8: 2, int8: 3, int64: 7, float16: 10, float64: 11 } as const;
// float16 bits of 0.5, -2, 65504 and 1e-7 (the subnormal 2 * 2^-24, nearest to it)
const HALF_BITS = [0x3800, 0xc000, 0x7bff, 0x0002];
const STORED: Record<keyof typeof ONNX, ArrayBufferView> = {
  uint8: new Uint8Array([0, 7, 200, 255]),
  int8: new Int8Array([-128, -1, 0, 127]),
  int64: new BigInt64Array([3n, 0n, 2n, 1n]),
  float16: new Uint16Array(HALF_BITS),
  float64: new Float64Array([0.1, -1 / 3, 12345.678901234567, 2 ** -1074]),
};
const bytesOf = (v: ArrayBufferView) => Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));

/** Buffers of every storage dtype, used by the forward (an int64 index, the others cast to float32). */
class Mixed extends nn.Module {
  constructor() {
    super();
    this.registerBuffer("u8", kd.tensor(STORED.uint8 as Uint8Array, { dtype: "uint8" }));
    this.registerBuffer("i8", kd.tensor(Array.from(STORED.int8 as Int8Array), { dtype: "int8" }));
    this.registerBuffer("i64", kd.tensor(STORED.int64 as BigInt64Array));
    this.registerBuffer("f16", kd.tensor([0.5, -2, 65504, 1e-7], { dtype: "float16" }));
    this.registerBuffer("f64", kd.tensor(Array.from(STORED.float64 as Float64Array), { dtype: "float64" }));
  }
  override forward(x: kd.Tensor): kd.Tensor {
    const b = (k: string) => (this as unknown as Record<string, kd.Tensor>)[k];
    return x.indexSelect(1, b("i64")).add(b("u8").float()).add(b("i8").float()).mul(b("f16").float()).add(b("f64").float());
  }
}

describe("ONNX exchange of uint8, int8, int64, float16 and float64", () => {
  const model = new Mixed().eval();
  const x = kd.randn([2, 4]);
  const bytes = kd.onnx.exportModel(model, x);
  const inits = new Map(kd.onnx.decodeModel(bytes).graph!.initializer.map((tp) => [tp.name!, tp]));
  const NAMES = { uint8: "u8", int8: "i8", int64: "i64", float16: "f16", float64: "f64" } as const;

  it("exports each buffer as its ONNX data type with its bytes unchanged", () => {
    for (const [dtype, key] of Object.entries(NAMES) as [keyof typeof ONNX, string][]) {
      const tp = inits.get(key);
      expect(tp, key).toBeTruthy();
      expect(tp!.dataType, `${key} data type`).toBe(ONNX[dtype]);
      expect(tp!.dims, `${key} dims`).toEqual([4]);
      expect(Array.from(tp!.rawData!), `${key} bytes`).toEqual(bytesOf(STORED[dtype]));
    }
  });

  it("onnxruntime-node runs the file with Kindling's outputs", async () => {
    const session = await ort.InferenceSession.create(bytes);
    const out = (await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", x.dataSync() as Float32Array, [2, 4]) }))[session.outputNames[0]];
    const want = kd.noGrad(() => model.forward(x)).dataSync();
    expect(out.dims).toEqual([2, 4]);
    expect(Array.from(out.data as Float32Array)).toEqual(Array.from(want));
  });

  it("import keeps each dtype: float16 and float64 weights bit-exact, int64, int8 and uint8 constants exact", () => {
    const imported = kd.onnx.importModel(bytes).eval();
    const sd = imported.stateDict();
    expect(sd.f16.dtype).toBe("float16");
    expect(sd.f64.dtype).toBe("float64");
    expect(Array.from(kd.worker.toPayload(sd.f16).data)).toEqual(bytesOf(STORED.float16)); // storage bytes
    expect(Array.from(sd.f64.dataSync())).toEqual(Array.from(STORED.float64 as Float64Array));
    expect(sd.f64.requiresGrad).toBe(false); // autograd computes in float32
    expect(Array.from(kd.noGrad(() => imported.forward(x)).dataSync())).toEqual(Array.from(kd.noGrad(() => model.forward(x)).dataSync()));
  });

  it("an int64 constant beyond 2^53 in a file imports exactly", () => {
    const big = new BigInt64Array([2n ** 62n + 1n, -(2n ** 63n)]);
    const tp = { name: "c", dataType: ONNX.int64, dims: [2], rawData: new Uint8Array(big.buffer), floatData: [], int32Data: [], stringData: [], int64Data: [], doubleData: [], uint64Data: [], externalData: [] };
    const model = kd.onnx.decodeModel(bytes);
    const g = model.graph!;
    g.initializer.push(tp as never);
    g.output.push({ ...g.output[0], name: "c" });
    const imported = kd.onnx.importModel(kd.onnx.encodeModel(model));
    const [, c] = kd.noGrad(() => imported.forwardAll(x));
    expect(c.dtype).toBe("int64");
    expect(Array.from(kd.worker.toPayload(c).data)).toEqual(bytesOf(big));
  });

  it("a file torch.onnx.export wrote: its float16 and float64 buffers import bit-exact, and forward gives torch's output", () => {
    const fx = JSON.parse(readFileSync(new URL("./fixtures/onnx-dtypes-torch.json", import.meta.url), "utf8"));
    const imported = kd.onnx.importModel(readFileSync(new URL("./fixtures/onnx-dtypes-torch.onnx", import.meta.url))).eval();
    const sd = imported.stateDict();
    for (const k of ["f16", "f64"]) {
      expect(sd[k].dtype, k).toBe(fx.buffers[k].dtype);
      const bytes = sd[k].dtype === "float16" ? Array.from(kd.worker.toPayload(sd[k]).data) : bytesOf(sd[k].dataSync());
      expect(bytes, `${k} bytes`).toEqual(fx.buffers[k].bytes);
    }
    const x = kd.fromArray(fx.x, [2, 4], "float32");
    const y = kd.noGrad(() => imported.forward(x));
    expect(Array.from(y.dataSync())).toEqual(fx.y.map(Math.fround));
  });
});
