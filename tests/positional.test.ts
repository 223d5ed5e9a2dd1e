// Issue 15, defect 2: layers, losses and F.* take PyTorch's positional order
// (new nn.Conv2d(3, 10, 3, 1, 1) is stride 1, padding 1), a trailing options object still
// works, and too many positionals are a ValueError naming the signature. Reprs, forward
// values and loss values against real PyTorch (tests/fixtures/first-hour.json).
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { arg, cases, expectTorch, input, parseCall } from "./helpers/first-hour.js";

const { nn } = kd;
const F = nn.functional;
type Ctor = new (...args: unknown[]) => kd.nn.Module;
const layer = (code: string): kd.nn.Module => {
  const [name, args] = parseCall(code);
  return new ((nn as unknown as Record<string, Ctor>)[name])(...args);
};

describe("positional constructors against PyTorch", () => {
  for (const c of cases.filter((c) => c.op === "repr")) {
    it(c.name, () => expect(String(layer(c.args[0] as string))).toBe(c.out));
  }
  for (const c of cases.filter((c) => c.op === "layer")) {
    it(c.name, () => {
      const m = layer(c.args[0] as string);
      expectTorch(c.name, m.forward(arg(c.args[1]) as kd.Tensor), c.out, 1e-5, 1e-6);
    });
  }
  for (const c of cases.filter((c) => c.op === "loss")) {
    it(c.name, () => {
      const [name, ctorArgs, a, b] = c.args as [string, unknown[], string, string];
      const loss = new ((nn as unknown as Record<string, Ctor>)[name])(...ctorArgs.map(arg)) as kd.nn.Loss;
      expectTorch(c.name, loss.forward(arg(a) as kd.Tensor, arg(b) as kd.Tensor), c.out, 1e-5, 1e-6);
    });
  }
});

describe("positional and options forms", () => {
  it("Conv2d(3, 10, 3, 1, 1) keeps the spatial size; the options form is the same layer", () => {
    const x = kd.randn([2, 3, 8, 8]);
    const a = new nn.Conv2d(3, 10, 3, 1, 1);
    const b = new nn.Conv2d(3, 10, 3, { stride: 1, padding: 1 });
    expect(a.forward(x).shape).toEqual([2, 10, 8, 8]);
    expect(String(a)).toBe(String(b));
    expect(new nn.Conv2d(3, 10, 3, 2, { padding: 1 }).forward(x).shape).toEqual([2, 10, 4, 4]);
  });

  it("MaxPool2d(2, 1, 1) pools with stride 1 and padding 1", () => {
    expect(new nn.MaxPool2d(2, 1, 1).forward(kd.randn([1, 1, 4, 4])).shape).toEqual([1, 1, 5, 5]);
  });

  it("F.conv2d, F.maxPool2d and F.avgPool2d take PyTorch's positional order", () => {
    const x = input("img");
    const w = kd.randn([3, 2, 3, 3]);
    const pos = F.conv2d(x, w, null, 2, 1);
    const opt = F.conv2d(x, w, null, { stride: 2, padding: 1 });
    expect(pos.tolist()).toEqual(opt.tolist());
    expect((F.maxPool2d(x, 2, 1, 1) as kd.Tensor).tolist()).toEqual(F.maxPool2d(x, 2, { stride: 1, padding: 1 }).tolist());
    expect(F.avgPool2d(x, 3, 2, 1, false, false).tolist()).toEqual(F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }).tolist());
  });

  it("too many positionals are a ValueError naming the signature", () => {
    expect(() => new nn.Conv2d(3, 10, 3, 1, 1, 1, 1, true, "zeros", 7 as never)).toThrow(/Conv2d\(in_channels, out_channels, kernel_size, stride=1.*takes at most 6 optional positional arguments.*got 7/);
    expect(() => new nn.MaxPool2d(2, 1, 1, 1, false, false, 1 as never)).toThrow(kd.ValueError);
    expect(() => new (nn.Linear as unknown as Ctor)(2, 3, true, 1)).toThrow(/Linear\(in_features, out_features, bias=True\) takes at most 1/);
    expect(() => new (nn.ReLU as unknown as Ctor)(true, 1)).toThrow(/ReLU\(inplace=False\)/);
    expect(() => new (nn.Sigmoid as unknown as Ctor)(1)).toThrow(/Sigmoid\(\) takes at most 0/);
    expect(() => new (nn.Dropout as unknown as Ctor)(0.5, false, 1)).toThrow(/Dropout\(p=0.5, inplace=False\)/);
    const conv2d = F.conv2d as unknown as (...a: unknown[]) => kd.Tensor;
    expect(() => conv2d(input("img"), kd.randn([3, 2, 3, 3]), null, 1, 0, 1, 1, 9)).toThrow(/conv2d\(input, weight, bias=None/);
  });

  it("an argument given both ways is a ValueError", () => {
    expect(() => new nn.Conv2d(3, 10, 3, 2, { stride: 1 } as never)).toThrow(/Conv2d: got 'stride' both as a positional argument and as an option/);
  });

  it("the deprecated size_average / reduce are refused with what to use", () => {
    expect(() => new nn.MSELoss(true as never)).toThrow(/size_average is deprecated.*use reduction/);
    expect(() => new nn.CrossEntropyLoss(null, null, -100, false as never)).toThrow(/reduce is deprecated/);
  });

  it("DataLoader(dataset, batchSize, shuffle) as PyTorch", () => {
    const ds = new kd.data.TensorDataset(kd.arange(10).float());
    const batches = [...new kd.data.DataLoader(ds, 4, false)] as kd.Tensor[][];
    expect(batches.map((b) => b[0].shape[0])).toEqual([4, 4, 2]);
    expect(new kd.data.DataLoader(ds, 3, true, undefined, { seed: 1 }).shuffle).toBe(true);
    const sampler = { *[Symbol.iterator]() { yield 9; yield 0; } }; // an iterable literal is the sampler, not options
    expect(([...new kd.data.DataLoader(ds, 2, false, sampler)] as kd.Tensor[][])[0][0].tolist()).toEqual([9, 0]);
  });

  it("makeCircles(50) and makeBlobs(60, 3) take scikit-learn's leading positionals", () => {
    expect(kd.datasets.makeCircles(50).X.shape).toEqual([50, 2]);
    expect(kd.datasets.makeCircles(50, { noise: 0.1 }).X.shape).toEqual([50, 2]);
    const b = kd.datasets.makeBlobs(60, 3, { centers: 2 });
    expect(b.X.shape).toEqual([60, 3]);
    expect(new Set(b.y.tolist() as number[])).toEqual(new Set([0, 1]));
  });
});
