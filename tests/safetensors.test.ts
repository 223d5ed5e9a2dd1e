// safetensors: a TinyVGG written by real PyTorch loads into Kindling and gives PyTorch's logits;
// Kindling's own files round-trip; corrupt files raise SafetensorsError and create nothing.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { TinyVGG } from "../examples/04-fashion-mnist.js";

const fixture = new URL("./fixtures/tinyvgg.safetensors", import.meta.url);

describe("safetensors", () => {
  it("loads a PyTorch TinyVGG (PyTorch key names) and reproduces its logits within 1e-5", async () => {
    const { tensors, metadata } = await kd.load(fixture.pathname);
    expect(metadata.format).toBe("pt");
    const { __input: x, __logits: want, ...sd } = tensors;
    const model = new TinyVGG(1, 10, 10);
    model.loadStateDict(sd);
    model.eval();
    const got = kd.noGrad(() => model.forward(x)).dataSync();
    const exp = want.dataSync();
    expect(got.length).toBe(40);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - exp[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(exp[i])));
  });

  it("round-trips a state dict through a file written atomically", async () => {
    kd.manualSeed(3);
    const dir = mkdtempSync(path.join(tmpdir(), "kd-st-"));
    const file = path.join(dir, "model.safetensors");
    const model = new TinyVGG(1, 10, 10);
    const sd = model.stateDict();
    sd["steps"] = kd.tensor([1, 2, 3], { dtype: "int32" });
    sd["mask"] = kd.tensor([true, false]);
    await kd.save(sd, file, { epoch: "3" });
    expect(readdirSync(dir)).toEqual(["model.safetensors"]); // no temporary file left
    const { tensors, metadata } = await kd.load(file);
    expect(metadata).toEqual({ epoch: "3" });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(sd).sort());
    for (const [k, t] of Object.entries(sd)) {
      expect(tensors[k].dtype).toBe(t.dtype);
      expect(tensors[k].shape).toEqual(t.shape);
      expect(Array.from(tensors[k].dataSync())).toEqual(Array.from(t.dataSync()));
    }
    // The header is the format's: 8-byte length, JSON with dtype/shape/data_offsets, aligned data.
    const bytes = readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
    expect(header["block1.0.weight"]).toEqual({ dtype: "F32", shape: [10, 1, 3, 3], data_offsets: expect.any(Array) });
    expect(header["steps"].dtype).toBe("I32");
    expect(header["mask"].dtype).toBe("BOOL");
  });

  it("loads a file straight into wasm memory, bit for bit, and a file cut short creates nothing", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kd-st-"));
    const file = path.join(dir, "big.safetensors");
    kd.manualSeed(5);
    const big = kd.randn([1024, 1024]);
    // NaN with a payload, -0, subnormals and infinities must come back as the same bits.
    const odd = kd.fromTypedArray(new Float32Array(new Uint32Array([0x7fc00001, 0x80000000, 0x00000001, 0x7f800000, 0xff800000]).buffer));
    const ints = kd.tensor([-2147483648, 2147483647, 0, 7], { dtype: "int32" });
    await kd.save({ big, odd, ints, "ünïcode.name": kd.tensor([1.5]) }, file);
    const bytes = readFileSync(file);
    expect((8 + Number(bytes.readBigUInt64LE(0))) % 8).toBe(0); // aligned even with a non-ASCII name
    const { tensors } = await kd.load(file);
    const bits = (t: kd.Tensor) => new Uint32Array((t.dataSync() as Float32Array).buffer);
    expect(Buffer.compare(Buffer.from(bits(tensors.big).buffer), Buffer.from(bits(big).buffer))).toBe(0);
    expect(bits(tensors.odd)).toEqual(bits(odd));
    expect(Array.from(tensors.ints.dataSync())).toEqual([-2147483648, 2147483647, 0, 7]);
    expect(tensors["ünïcode.name"].item()).toBe(1.5);
    for (const t of Object.values(tensors)) t.dispose();

    // Cut the file inside the last tensor's data: the header still checks against the size
    // on disk, so it is refused before any tensor exists.
    writeFileSync(file, bytes.subarray(0, bytes.length - 3));
    const live = kd.memory().liveTensors;
    await expect(kd.load(file)).rejects.toThrow(kd.safetensors.SafetensorsError);
    expect(kd.memory().liveTensors).toBeLessThanOrEqual(live); // (a GC may have run meanwhile)
  });

  const valid = () => {
    const t = { a: kd.tensor([1, 2, 3, 4]), b: kd.tensor([[5, 6]]) };
    return kd.safetensors.serialize(t);
  };
  const withHeader = (h: unknown, data = new Uint8Array(24)) => {
    const json = new TextEncoder().encode(JSON.stringify(h));
    const out = new Uint8Array(8 + json.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(data, 8 + json.length);
    return out;
  };

  it("rejects truncated files, huge or overrunning headers, overlaps, bad dtypes and shapes", () => {
    const good = valid();
    const bad: [string, Uint8Array, RegExp][] = [
      ["empty", new Uint8Array(0), /too short/],
      ["truncated data", good.subarray(0, good.length - 3), /past the end/],
      ["truncated header", good.subarray(0, 20), /runs past the end/],
      ["huge header", (() => { const b = good.slice(); new DataView(b.buffer).setBigUint64(0, 1n << 40n, true); return b; })(), /limit/],
      ["not json", withHeader("x").map((v, i) => (i === 9 ? 0x7b : v)), /not valid JSON|must be a JSON object/],
      ["overlap", withHeader({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }), /overlap/],
      ["past end", withHeader({ a: { dtype: "F32", shape: [8], data_offsets: [0, 32] } }), /past the end/],
      ["dtype", withHeader({ a: { dtype: "BF16", shape: [2], data_offsets: [0, 4] } }), /unsupported dtype/],
      ["size mismatch", withHeader({ a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }), /needs 12 bytes/],
      ["negative shape", withHeader({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }), /bad shape/],
    ];
    for (const [name, bytes, msg] of bad) {
      const before = kd.memory().liveTensors;
      expect(() => kd.safetensors.deserialize(bytes), name).toThrow(kd.safetensors.SafetensorsError);
      expect(() => kd.safetensors.deserialize(bytes), name).toThrow(msg);
      expect(kd.memory().liveTensors, name).toBe(before); // nothing half-created
    }
  });

  it("survives 2,000 randomly mutated files: a result or a SafetensorsError, nothing else", () => {
    const good = valid();
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let errors = 0;
    for (let i = 0; i < 2000; i++) {
      const b = good.slice(0, rnd() < 0.2 ? Math.floor(rnd() * good.length) : good.length);
      for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) if (b.length) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      try {
        const { tensors } = kd.safetensors.deserialize(b);
        for (const t of Object.values(tensors)) t.dispose();
      } catch (e) {
        expect(e).toBeInstanceOf(kd.safetensors.SafetensorsError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(100);
    expect(existsSync(fixture.pathname)).toBe(true);
  });
});
