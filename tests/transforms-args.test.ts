// kd.transforms constructors read torchvision's positional arguments as torchvision 0.14 does
// (tests/fixtures/transforms-args.json, from scripts/gen_transform_args_fixtures.py): the same
// attributes, and for deterministic transforms the same output; mistakes are ValueErrors naming
// torchvision's signature.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import * as kd from "../ts/index.js";

interface Enc { values: number[]; shape: number[] }
interface Fix { image: Enc; cases: Array<{ name: string; args: unknown[]; attrs: Record<string, unknown>; output?: Enc }> }
const fix = JSON.parse(readFileSync(new URL("./fixtures/transforms-args.json", import.meta.url), "utf8")) as Fix;
type Ctor = new (...args: unknown[]) => kd.transforms.Transform;
const T = kd.transforms as unknown as Record<string, Ctor>;
// kd keeps a scalar padding as [left, top, right, bottom]; torchvision keeps the number.
const same = (k: string, kdv: unknown, tv: unknown) =>
  k === "padding" && typeof tv === "number" ? expect(kdv).toEqual([tv, tv, tv, tv]) : expect(kdv, k).toEqual(tv);

describe("torchvision's positional forms", () => {
  for (const c of fix.cases) {
    it(`${c.name}(${JSON.stringify(c.args).slice(1, -1)})`, () => {
      const t = new T[c.name](...c.args);
      for (const [k, v] of Object.entries(c.attrs)) same(k, (t as unknown as Record<string, unknown>)[k], v);
      if (c.output) {
        const x = kd.tensor(fix.image.values, { dtype: "float32" }).reshape(fix.image.shape);
        const y = t.apply(x) as kd.Tensor;
        expect(y.shape).toEqual(c.output.shape);
        const got = Array.from(y.dataSync() as Float32Array);
        got.forEach((v, i) => expect(Math.abs(v - c.output!.values[i])).toBeLessThan(1e-6));
        if (c.name === "Normalize") expect(y).toBe(x); // inplace=True writes into the input, as torchvision
      }
    });
  }

  it("the positional and options forms agree", () => {
    const a = new kd.transforms.RandomCrop(4, 2, false, 0, "edge");
    const b = new kd.transforms.RandomCrop(4, { padding: 2, paddingMode: "edge" });
    expect([a.padding, a.paddingMode, a.fill]).toEqual([b.padding, b.paddingMode, b.fill]);
    expect(new kd.transforms.Resize(5, "nearest").interpolation).toBe(new kd.transforms.Resize(5, { interpolation: "nearest" }).interpolation);
    expect(new kd.transforms.RandomHorizontalFlip({ p: 0.3 }).p).toBe(0.3);
    const x = kd.tensor([1, 2, 3, 4], { dtype: "float32" }).reshape([1, 2, 2]);
    const y = new kd.transforms.Normalize([1], [2]).apply(x);
    expect(y).not.toBe(x); // not inplace by default
    expect(Array.from(x.dataSync() as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(Array.from(y.dataSync() as Float32Array)).toEqual([0, 0.5, 1, 1.5]);
  });
});

describe("mistakes are ValueErrors naming the signature", () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ["RandomHorizontalFlip, two positionals", () => new T.RandomHorizontalFlip(0.5, 0.5), /RandomHorizontalFlip\(p=0.5, \*, generator\) takes at most 1/],
    ["RandomHorizontalFlip, a typo", () => new T.RandomHorizontalFlip({ prob: 0.5 }), /RandomHorizontalFlip: unknown option 'prob'.*valid options: p, generator/],
    ["RandomHorizontalFlip, p given twice", () => new T.RandomHorizontalFlip(0.5, { p: 0.2 }), /'p' both as a positional argument and as an option/],
    ["RandomHorizontalFlip, p not a number", () => new T.RandomHorizontalFlip("0.5"), /p should be a number in \[0, 1\]/],
    ["Normalize, four positionals", () => new T.Normalize([0.5], [0.5], false, 1), /Normalize\(mean, std, inplace=False\) takes at most 1/],
    ["Normalize, inplace not boolean", () => new T.Normalize([0.5], [0.5], 1), /inplace must be true or false/],
    ["Normalize, mean a string", () => new T.Normalize("0.5", [0.5]), /mean must be a number or an array of numbers/],
    ["Resize, snake_case", () => new T.Resize(4, { max_size: 8 }), /Resize: unknown option 'max_size'; did you mean 'maxSize'/],
    ["Resize, too many", () => new T.Resize(4, "bilinear", 8, false, 1), /Resize\(size, interpolation='bilinear', max_size=None, antialias=None\) takes at most 3/],
    ["Resize, antialias", () => new T.Resize(4, "bilinear", undefined, true), /antialias=true is not supported/],
    ["Resize, bad interpolation", () => new T.Resize(4, "bicubic"), /interpolation must be "bilinear" or "nearest"/],
    ["CenterCrop, two positionals", () => new T.CenterCrop(4, 4), /CenterCrop\(size\) takes at most 0/],
    ["RandomCrop, snake_case", () => new T.RandomCrop(4, { pad_if_needed: true }), /did you mean 'padIfNeeded'/],
    ["RandomCrop, too many", () => new T.RandomCrop(4, 1, false, 0, "constant", 9), /RandomCrop\(size, padding=None, pad_if_needed=False, fill=0, padding_mode='constant', \*, generator\) takes at most 4/],
    ["RandomCrop, bad mode", () => new T.RandomCrop(4, 1, false, 0, "wrap"), /padding_mode should be one of constant, edge, reflect, symmetric, got "wrap"/],
    ["Pad, bad mode", () => new T.Pad(1, 0, "wrap"), /Pad: padding_mode should be one of/],
    ["Pad, too many", () => new T.Pad(1, 0, "edge", 3), /Pad\(padding, fill=0, padding_mode='constant'\) takes at most 2/],
    ["Pad, fill a string", () => new T.Pad(1, "white"), /fill must be a number or an array/],
    ["ToTensor, an argument", () => new T.ToTensor(true), /ToTensor\(\) takes at most 0/],
    ["Compose, not an array", () => new T.Compose(new kd.transforms.ToTensor()), /Compose\(transforms\): transforms must be an array/],
    ["Compose, an element that is no transform", () => new T.Compose([new kd.transforms.ToTensor(), 3]), /transforms\[1\] is number 3/],
    ["Compose, two positionals", () => new T.Compose([], []), /Compose\(transforms\) takes at most 0/],
    ["Lambda, not a function", () => new T.Lambda(3), /lambd must be a function/],
    ["RandomRotation, expand", () => new T.RandomRotation(10, "nearest", true), /expand=true is not supported/],
    ["RandomRotation, typo", () => new T.RandomRotation(10, { centre: [1, 1] }), /did you mean 'center'/],
  ];
  for (const [name, fn, msg] of cases) {
    it(name, () => {
      expect(fn).toThrow(kd.ValueError);
      expect(fn).toThrow(msg);
    });
  }
});
