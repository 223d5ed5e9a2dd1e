// Issue 15, defect 4: what used to leak an internal message now works or says what is wrong.
// kd.exp(-1) / kd.maximum(0, x) take numbers as torch does; kd.save(model) saves the state
// dict; kd.load on what torch.save wrote (tests/fixtures/first-hour-linear.pth, a zip, and
// first-hour-linear-legacy.pt, a pickle, from scripts/gen_first_hour_fixtures.py) names the
// format and how to export safetensors; fromArray / arange with objects are ValueErrors; a
// tensor named __proto__ in a safetensors file is loaded.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

/** A safetensors file by hand: header JSON text (so a key like __proto__ survives), then the data. */
function safetensorsBytes(headerJson: string, data: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(headerJson);
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

describe("numbers as first arguments", () => {
  it("kd.exp(-1) is e^-1 and kd.maximum(0, x) a ReLU", () => {
    expect(kd.exp(-1).item()).toBeCloseTo(Math.exp(-1), 6);
    expect(kd.maximum(0, kd.tensor([-2, 0.5, 3])).tolist()).toEqual([0, 0.5, 3]);
    expect(kd.sub(10, kd.tensor([1, 2])).tolist()).toEqual([9, 8]);
    expect(kd.add(2, 3).item()).toBe(5);
    expect(kd.add(2, 3).dtype).toBe("int32");
  });
});

describe("kd.save", () => {
  it("kd.save(model, path) saves the model's state dict, which loads back into a fresh model", async () => {
    kd.manualSeed(3);
    const model = new kd.nn.Sequential(new kd.nn.Linear(3, 4), new kd.nn.ReLU(), new kd.nn.Linear(4, 2));
    const file = path.join(mkdtempSync(path.join(tmpdir(), "kd-fh-")), "m.safetensors");
    await kd.save(model, file);
    const { tensors } = await kd.load(file);
    expect(Object.keys(tensors).sort()).toEqual(["0.bias", "0.weight", "2.bias", "2.weight"]);
    const copy = new kd.nn.Sequential(new kd.nn.Linear(3, 4), new kd.nn.ReLU(), new kd.nn.Linear(4, 2));
    copy.loadStateDict(tensors);
    const x = kd.randn([5, 3]);
    expect(copy.forward(x).tolist()).toEqual(model.forward(x).tolist());
    const blob = (await kd.save(model)) as Blob;
    expect((await kd.load(new Uint8Array(await blob.arrayBuffer()))).tensors["2.weight"].tolist()).toEqual(model.stateDict()["2.weight"].tolist());
  });

  it("a Tensor or a dict holding something else is a SafetensorsError naming it", async () => {
    await expect(kd.save(kd.ones(2) as never)).rejects.toThrow(/expects a Module or a state dict.*got a Tensor/);
    await expect(kd.save({ w: kd.ones(2), n: 3 } as never)).rejects.toThrow(/the value for "n" is not a Tensor/);
  });
});

describe("kd.load on files torch.save writes", () => {
  it("a .pth zip is named as PyTorch's format, with the safetensors export to use", async () => {
    const bytes = fixture("first-hour-linear.pth");
    const err = await kd.load(bytes).catch((e: Error) => e);
    expect(err).toBeInstanceOf(kd.safetensors.SafetensorsError);
    expect((err as Error).message).toMatch(/zip file, as PyTorch's torch.save writes \(\.pt \/ \.pth/);
    expect((err as Error).message).toMatch(/save_file\(model\.state_dict\(\), "model\.safetensors"\)/);
    expect((err as Error).message).not.toMatch(/header claims/);
  });

  it("a legacy pickle .pt is named too, also when read from a path", async () => {
    const file = new URL("./fixtures/first-hour-linear-legacy.pt", import.meta.url).pathname;
    await expect(kd.load(file)).rejects.toThrow(/Python pickle \(PyTorch's legacy \.pt \/ \.pth format\)/);
  });
});

describe("safetensors keys", () => {
  it("a tensor named __proto__ is loaded as an own key, with its values", async () => {
    const data = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    const bytes = safetensorsBytes('{"__proto__":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', data);
    const { tensors } = await kd.load(bytes);
    expect(Object.keys(tensors)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(tensors, "__proto__")!.value.tolist()).toEqual([1.5, -2]);
  });

  it("a state dict with an own __proto__ key saves it and loads it back", async () => {
    const sd = { w: kd.tensor([1, 2]) } as Record<string, kd.Tensor>;
    Object.defineProperty(sd, "__proto__", { value: kd.tensor([3]), enumerable: true });
    const blob = (await kd.save(sd)) as Blob;
    const { tensors } = await kd.load(new Uint8Array(await blob.arrayBuffer()));
    expect(Object.keys(tensors).sort()).toEqual(["__proto__", "w"]);
    expect(Object.getOwnPropertyDescriptor(tensors, "__proto__")!.value.tolist()).toEqual([3]);
  });
});

describe("creation with objects", () => {
  it("fromArray with nested arrays, objects or a short list is a ValueError", () => {
    expect(() => kd.fromArray([[1, 2]] as never, [2], "float32")).toThrow(/element 0 is an array.*use kd.tensor/);
    expect(() => kd.fromArray([{ a: 1 }] as never, [1], "float32")).toThrow(/element 0 is an object \{a\}, not a number/);
    expect(() => kd.fromArray([1, 2, 3], [2, 2], "float32")).toThrow(/3 values do not fill shape \[2, 2\]/);
    expect(() => kd.fromArray({ length: 2 } as never, 2 as never, "float32")).toThrow(kd.ValueError);
    expect(() => kd.full(3 as never, 1)).toThrow(/full\(\): size must be an array of sizes/);
  });

  it("arange with an object is a ValueError, and takes torch's keywords", () => {
    expect(() => kd.arange({ size: 3 } as never)).toThrow(/arange: unknown option 'size'/);
    expect(() => kd.arange("3" as never)).toThrow(/arange\(\): argument 1 must be a number, got "3"/);
    expect(() => kd.arange(1, NaN)).toThrow(kd.ValueError);
    expect(kd.arange({ end: 4 }).tolist()).toEqual([0, 1, 2, 3]);
    expect(kd.arange({ start: 1, end: 7, step: 2 }).tolist()).toEqual([1, 3, 5]);
    expect(kd.arange(5, { dtype: "float32" }).dtype).toBe("float32");
    expect(kd.arange(0, 1, 0.25).tolist()).toEqual([0, 0.25, 0.5, 0.75]);
  });
});
