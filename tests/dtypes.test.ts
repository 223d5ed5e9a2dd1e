// Storage dtypes (uint8, int8, int64, float64, float16) against real PyTorch
// (tests/fixtures/dtypes.safetensors from scripts/gen_dtype_fixtures.py): casts between every
// pair bit-exact, the safetensors round trip bit-exact, the int64 range rule, and compute ops
// on storage dtypes as DTypeErrors that say to cast first.
import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import * as kd from "../ts/index.js";
import { hostBytes } from "../ts/runtime/engine.js";

const FILE = new URL("./fixtures/dtypes.safetensors", import.meta.url);
const DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"] as const;
const bytes = (t: kd.Tensor) => hostBytes(t.handle, t.dtype, t.numel());

/** Each tensor's header entry and raw bytes, read straight from a safetensors file. */
function rawEntries(file: Uint8Array): Map<string, { dtype: string; shape: number[]; data: Uint8Array }> {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n)));
  const out = new Map();
  for (const [k, e] of Object.entries(header) as [string, { dtype: string; shape: number[]; data_offsets: [number, number] }][]) {
    if (k === "__metadata__") continue;
    out.set(k, { dtype: e.dtype, shape: e.shape, data: file.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1]) });
  }
  return out;
}

describe("dtypes against PyTorch", () => {
  it("casts between every pair of dtypes bit-exactly as torch's .to()", async () => {
    const { tensors } = await kd.load(FILE.pathname);
    let checked = 0;
    for (const s of DTYPES) {
      for (const d of DTYPES) {
        const src = tensors[`src.${s}.${d}`], want = tensors[`cast.${s}.${d}`];
        expect(src.dtype).toBe(s);
        expect(want.dtype).toBe(d);
        const got = src.to(d);
        expect(got.dtype).toBe(d);
        expect([...bytes(got)], `${s} -> ${d}`).toEqual([...bytes(want)]);
        checked += got.numel();
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it("kd.load names float64 and float16 tensors holding NaN or Inf, as it does float32 ones", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      await kd.load(FILE.pathname);
      const line = String(warn.mock.calls[0]?.[0]);
      expect(line).toMatch(/"cast\.float32\.float64" \(1 NaN, 4 Inf\)/);
      expect(line).toMatch(/"cast\.float32\.float16" \(1 NaN, 8 Inf\)/);
    } finally {
      warn.mockRestore();
    }
  });

  it("reads PyTorch's U8, I8, I64, F16 and F64 tensors and writes them back bit-exact", async () => {
    const file = new Uint8Array(readFileSync(FILE));
    const { tensors } = kd.safetensors.deserialize(file);
    const mine = rawEntries(kd.safetensors.serialize(tensors));
    const theirs = rawEntries(file);
    expect(new Set([...mine.values()].map((e) => e.dtype))).toEqual(new Set(["BOOL", "U8", "I8", "I32", "I64", "F16", "F32", "F64"]));
    expect(mine.size).toBe(theirs.size);
    for (const [k, e] of theirs) {
      expect(mine.get(k)!.dtype, k).toBe(e.dtype);
      expect(mine.get(k)!.shape, k).toEqual(e.shape);
      expect(Buffer.from(mine.get(k)!.data).equals(Buffer.from(e.data)), k).toBe(true);
    }
  });

  it("reads elements as the documented typed arrays, float16 as exact float32 values", async () => {
    const { tensors } = await kd.load(FILE.pathname);
    const h = tensors["cast.float64.float16"];
    const f = tensors["cast.float64.float32"];
    expect(h.dataSync()).toBeInstanceOf(Float32Array);
    expect(tensors["cast.int32.uint8"].dataSync()).toBeInstanceOf(Uint8Array);
    expect(tensors["cast.int32.int8"].dataSync()).toBeInstanceOf(Int8Array);
    expect(tensors["cast.int32.float64"].dataSync()).toBeInstanceOf(Float64Array);
    // float16 values read through JS (decoded in TS) equal torch's float16 -> float32 cast.
    expect([...tensors["src.float16.float32"].dataSync()]).toEqual([...tensors["cast.float16.float32"].dataSync()]);
    expect(h.dataSync()[Array.from(f.dataSync()).indexOf(65520)]).toBe(Infinity);
    expect(kd.tensor([1, 2049, 0.1], { dtype: "float16" }).tolist()).toEqual([1, 2048, 0.0999755859375]);
    expect(kd.tensor([1.5, 2], { dtype: "float64" }).toString()).toMatch(/1\.5/);
  });
});

describe("int64 range rule", () => {
  it("is exact within ±2^53 and a typed error beyond, never a rounded number", () => {
    const safe = kd.tensor([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 7], { dtype: "int64" });
    expect(safe.tolist()).toEqual([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 7]);
    expect(() => kd.tensor([2 ** 53 + 2], { dtype: "int64" })).toThrow(kd.ValueError);
    expect(() => kd.tensor([NaN], { dtype: "int64" })).toThrow(/not a number within ±2\^53/);
    expect(kd.tensor([1.9, -1.9], { dtype: "int64" }).tolist()).toEqual([1, -1]); // truncates, as torch.tensor
    const big = kd.tensor(new BigInt64Array([2n ** 62n + 1n, -5n]));
    expect(big.dtype).toBe("int64");
    expect(() => big.dataSync()).toThrow(kd.DTypeError);
    expect(() => big.tolist()).toThrow(/beyond ±2\^53/);
    expect(big.get(1).item()).toBe(-5);
    expect(big.int().tolist()).toEqual([1, -5]); // wraps as torch's .int()
  });
});

describe("storage dtypes", () => {
  it("views, indexing, cat and copies work; compute ops are DTypeErrors naming the op and the fix", () => {
    for (const d of ["uint8", "int8", "int64", "float64", "float16"] as const) {
      const t = kd.tensor([[1, 2, 3], [4, 5, 6]], { dtype: d });
      expect(t.transpose(0, 1).contiguous().float().tolist()).toEqual([[1, 4], [2, 5], [3, 6]]);
      expect(kd.cat([t, t], 0).shape).toEqual([4, 3]);
      expect(kd.cat([t, t], 0).dtype).toBe(d);
      expect(t.get(1).float().tolist()).toEqual([4, 5, 6]);
      expect(t.reshape([3, 2]).clone().dtype).toBe(d);
      // int64 and float64 compute in the arithmetic families (tests/dtype-compute.test.ts); the
      // other ops refuse them as they refuse every storage dtype
      const wide = d === "int64" || d === "float64";
      const ops: [string, () => unknown][] = [
        ["clamp", () => t.clamp(0, 1)], ["softmax", () => kd.softmax(t, 1)],
        ...(wide ? [] : [["add", () => t.add(t)], ["mul", () => t.mul(2)], ["sum", () => t.sum()], ["matmul", () => t.matmul(t.T)],
          ["exp", () => t.exp()], ["max", () => t.max()]] as [string, () => unknown][]),
      ];
      for (const [name, f] of ops) {
        expect(f, `${name} on ${d}`).toThrow(kd.DTypeError);
        expect(f, `${name} on ${d}`).toThrow(new RegExp(`${d} tensors.*cast with \\.float\\(\\) / \\.int\\(\\) first`));
      }
      expect(t.float().sum().item()).toBe(21);
    }
    expect(() => kd.tensor([1], { dtype: "float64", requiresGrad: true })).toThrow(/float64 tensors cannot require gradients here.*cast with \.float\(\) first/);
    expect(() => kd.tensor([1], { dtype: "float16" }).requiresGrad_()).toThrow(kd.DTypeError);
  });
});

describe("printing", () => {
  it("prints as torch 1.13 does, naming every non-default dtype", () => {
    // torch.tensor([1.5, 2, 300], dtype=d) for each d, printed by PyTorch 1.13.
    expect(kd.tensor([1.5, 2, 300], { dtype: "int64" }).toString()).toBe("tensor([  1,   2, 300])");
    expect(kd.tensor([1.5, 2, 300], { dtype: "float64" }).toString()).toBe("tensor([  1.5000,   2.0000, 300.0000], dtype=torch.float64)");
    expect(kd.tensor([1.5, 2, 300], { dtype: "float16" }).toString()).toBe("tensor([  1.5000,   2.0000, 300.0000], dtype=torch.float16)");
    expect(kd.tensor([1.5, 2, 200], { dtype: "uint8" }).toString()).toBe("tensor([  1,   2, 200], dtype=torch.uint8)");
    expect(kd.tensor([1.5, 2, -100], { dtype: "int8" }).toString()).toBe("tensor([   1,    2, -100], dtype=torch.int8)");
  });
});

describe("loading PyTorch's dtypes into a module", () => {
  it("copies an int64 num_batches_tracked and float64 weights into the module's own dtypes", () => {
    const bn = new kd.nn.BatchNorm2d(2);
    const sd = { ...bn.stateDict() };
    sd["num_batches_tracked"] = kd.full([], 5, { dtype: "int64" });
    sd["weight"] = kd.tensor([0.25, 1.5], { dtype: "float64" });
    bn.loadStateDict(sd);
    expect(bn.numBatchesTracked!.dtype).toBe("int32");
    expect(bn.numBatchesTracked!.item()).toBe(5);
    expect(bn.weight!.dtype).toBe("float32");
    expect(bn.weight!.tolist()).toEqual([0.25, 1.5]);
  });
});

describe("creation in storage dtypes", () => {
  it("arange, eye and full as torch 1.13 makes them", () => {
    // torch.arange(5, dtype=int64), arange(0, 1, 0.25, dtype=float64), eye(2, 3, dtype=uint8), arange(2**40, 2**40+3)
    expect(kd.arange(5, { dtype: "int64" }).tolist()).toEqual([0, 1, 2, 3, 4]);
    expect(kd.arange(5, { dtype: "int64" }).dtype).toBe("int64");
    expect(kd.arange(0, 1, 0.25, { dtype: "float64" }).tolist()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(kd.eye(2, 3, { dtype: "uint8" }).tolist()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(kd.arange(2 ** 40, 2 ** 40 + 3, { dtype: "int64" }).tolist()).toEqual([1099511627776, 1099511627777, 1099511627778]);
    expect(kd.full([2], 0.1, { dtype: "float64" }).tolist()).toEqual([0.1, 0.1]); // exact double, not float32's 0.1
  });
});
