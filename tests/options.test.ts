// Issue 15, defect 3: an options object with a key the API does not know is a kd.ValueError
// naming the key, the likely meant option ("did you mean 'batchSize'?" for batch_size) and
// the valid ones — in every API that takes options, not only the optimizers.
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { checkOptions, suggest } from "../ts/options.js";

const { nn } = kd;
const F = nn.functional;
const bad = <T>(v: T) => v as never;

/** fn throws a ValueError matching every pattern. */
function rejects(fn: () => unknown, ...patterns: RegExp[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, "no error thrown").toBeInstanceOf(kd.ValueError);
  for (const p of patterns) expect((err as Error).message).toMatch(p);
}

describe("the issue's examples", () => {
  it("kd.rand({size: [3, 4]}) is refused, not a scalar", () => {
    rejects(() => kd.rand(bad({ size: [3, 4] })), /rand: unknown option 'size'/, /valid options: dtype, requiresGrad/);
  });

  it("DataLoader(ds, {batch_size: 32}) suggests batchSize", () => {
    const ds = new kd.data.TensorDataset(kd.zeros([4, 2]));
    rejects(() => new kd.data.DataLoader(ds, bad({ batch_size: 32 })), /DataLoader: unknown option 'batch_size'; did you mean 'batchSize'\?/, /valid options: batchSize, shuffle/);
  });

  it("{requires_grad: true} suggests requiresGrad, in every creation function", () => {
    const o = bad({ requires_grad: true });
    for (const f of [() => kd.ones(2, o), () => kd.zeros([2], o), () => kd.randn(3, o), () => kd.tensor([1, 2], o), () => kd.full([2], 1, o),
      () => kd.arange(3, o), () => kd.eye(2, o), () => kd.linspace(0, 1, 3, o), () => kd.zerosLike(kd.ones(2), o), () => kd.randLike(kd.ones(2), o)]) {
      rejects(f, /unknown option 'requires_grad'; did you mean 'requiresGrad'\?/);
    }
  });

  it("Conv2d(..., {pading: 1}) suggests padding", () => {
    rejects(() => new nn.Conv2d(1, 2, 3, bad({ pading: 1 })), /Conv2d: unknown option 'pading'; did you mean 'padding'\?/, /paddingMode/);
  });

  it("sum({keepDim: true}) suggests keepdim, in every reduction", () => {
    const x = kd.ones([2, 3]);
    for (const f of [() => x.sum(bad({ keepDim: true })), () => x.mean(bad({ dim: 0, keepDim: true })), () => x.amax(bad({ keepDim: true })), () => kd.sum(x, bad({ keepDim: true }))]) {
      rejects(f, /unknown option 'keepDim'; did you mean 'keepdim'\?/, /valid options: dim, keepdim/);
    }
    rejects(() => x.var(bad({ unbias: false })), /var: unknown option 'unbias'; did you mean 'unbiased'\?/, /correction/);
  });

  it("makeCircles(50) works and makeCircles({n_samples}) suggests nSamples", () => {
    expect(kd.datasets.makeCircles(50).X.shape).toEqual([50, 2]);
    rejects(() => kd.datasets.makeCircles(bad({ n_samples: 50 })), /makeCircles: unknown option 'n_samples'; did you mean 'nSamples'\?/);
    rejects(() => kd.datasets.makeBlobs(bad({ cluster_std: 2 })), /did you mean 'clusterStd'\?/);
  });

  it("randn(3, {dtype: 'int32'}) is a DTypeError, as torch's", () => {
    expect(() => kd.randn(3, { dtype: "int32" })).toThrow(kd.DTypeError);
    expect(() => kd.rand([2], { dtype: "bool" })).toThrow(/rand\(\): dtype bool is not supported/);
    expect(kd.randn(3, { dtype: "float32", requiresGrad: true }).requiresGrad).toBe(true);
  });
});

describe("every options-taking API", () => {
  const opt = { typo: 1 } as never;
  const cases: [string, () => unknown][] = [
    ["Linear", () => new nn.Linear(2, 3, opt)],
    ["ConvTranspose2d", () => new nn.ConvTranspose2d(2, 3, 3, opt)],
    ["MaxPool2d", () => new nn.MaxPool2d(2, opt)],
    ["AvgPool2d", () => new nn.AvgPool2d(2, opt)],
    ["BatchNorm2d", () => new nn.BatchNorm2d(4, opt)],
    ["LayerNorm", () => new nn.LayerNorm(4, opt)],
    ["GroupNorm", () => new nn.GroupNorm(2, 4, opt)],
    ["Embedding", () => new nn.Embedding(4, 2, opt)],
    ["Upsample", () => new nn.Upsample(opt)],
    ["Dropout", () => new nn.Dropout(opt)],
    ["LeakyReLU", () => new nn.LeakyReLU(opt)],
    ["Softmax", () => new nn.Softmax(opt)],
    ["Flatten", () => new nn.Flatten(opt)],
    ["CrossEntropyLoss", () => new nn.CrossEntropyLoss(opt)],
    ["MSELoss", () => new nn.MSELoss(opt)],
    ["BCEWithLogitsLoss", () => new nn.BCEWithLogitsLoss(opt)],
    ["HuberLoss", () => new nn.HuberLoss(opt)],
    ["crossEntropy", () => F.crossEntropy(kd.zeros([2, 3]), kd.tensor([0, 1], { dtype: "int32" }), opt)],
    ["mseLoss", () => F.mseLoss(kd.zeros([2]), kd.zeros([2]), opt)],
    ["conv2d", () => F.conv2d(kd.zeros([1, 1, 3, 3]), kd.zeros([1, 1, 3, 3]), null, opt)],
    ["max_pool2d", () => F.maxPool2d(kd.zeros([1, 1, 4, 4]), 2, opt)],
    ["interpolate", () => F.interpolate(kd.zeros([1, 1, 4, 4]), opt)],
    ["batch_norm", () => F.batchNorm(kd.zeros([2, 3]), null, null, null, null, opt)],
    ["DataLoader", () => new kd.data.DataLoader([1, 2, 3], opt)],
    ["Resize", () => new kd.transforms.Resize(4, opt)],
    ["RandomHorizontalFlip", () => new kd.transforms.RandomHorizontalFlip(0.5, opt)],
    ["RandomCrop", () => new kd.transforms.RandomCrop(4, opt)],
    ["lineChart", () => kd.plot.lineChart([{ name: "a", values: [1, 2] }], opt)],
    ["SGD", () => new kd.optim.SGD([kd.zeros([1], { requiresGrad: true })], { lr: 0.1, typo: 1 } as never)],
    ["StepLR", () => new kd.optim.StepLR(new kd.optim.SGD([kd.zeros([1], { requiresGrad: true })], { lr: 0.1 }), { stepSize: 1, typo: 1 } as never)],
  ];
  for (const [name, fn] of cases) {
    it(name, () => rejects(fn, new RegExp(`unknown option 'typo'`), /valid options: /));
  }

  it("the optimizers keep their message and gain the suggestion", () => {
    const p = [kd.zeros([1], { requiresGrad: true })];
    rejects(() => new kd.optim.Adam(p, { lr: 0.1, weight_decay: 0.1 } as never), /Adam: unknown option 'weight_decay'; did you mean 'weightDecay'\? \(valid options: lr, betas/);
  });
});

describe("checkOptions", () => {
  it("suggests the camelCase of a snake_case key, a case slip or a typo, and nothing for a stranger", () => {
    expect(suggest("batch_size", ["batchSize", "shuffle"])).toBe("batchSize");
    expect(suggest("keepDim", ["dim", "keepdim"])).toBe("keepdim");
    expect(suggest("shufle", ["batchSize", "shuffle"])).toBe("shuffle");
    expect(suggest("workers", ["batchSize", "shuffle"])).toBeUndefined();
    expect(suggest("lrr", ["lr", "momentum"])).toBe("lr");
    expect(suggest("ab", ["lr", "momentum"])).toBeUndefined(); // too short to guess a typo
  });

  it("passes known keys and refuses non-objects", () => {
    expect(checkOptions("f", { a: 1 }, ["a", "b"])).toEqual({ a: 1 });
    expect(() => checkOptions("f", 3 as never, ["a"])).toThrow(/f: expected an options object \{a\}, got number 3/);
  });
});
