// kd.nn modules: registration by assignment, PyTorch key names, counts, repr, train/eval,
// dropout statistics, loadStateDict errors, zeroGrad, init, containers and memory.
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

const { nn } = kd;
const F = nn.functional;
type Tensor = kd.Tensor;

/** A tensor's elements through the awaited read (any device). */
const vals = async (t: Tensor) => Array.from(await t.data());

class Net extends nn.Module {
  features = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 256), new nn.LeakyReLU(), new nn.Dropout(0.25));
  heads = new nn.ModuleDict({ cls: new nn.Linear(256, 10, { bias: false }), aux: new nn.Sequential(new nn.GELU("tanh"), new nn.Unflatten(1, [16, 16])) });
  blocks = new nn.ModuleList([new nn.Identity(), new nn.Softmax(-1)]);
  scale = new nn.Parameter(kd.ones(3));
  declare steps: Tensor;
  declare tmp: Tensor;
  notRegistered = [new nn.Linear(2, 2)];
  plainTensor = kd.zeros(2);

  constructor() {
    super();
    this.registerBuffer("steps", kd.zeros(1));
    this.registerBuffer("tmp", kd.zeros(1), { persistent: false });
  }
}

// As torch 1.13 prints the same module.
const NET_REPR = `Net(
  (features): Sequential(
    (0): Flatten(start_dim=1, end_dim=-1)
    (1): Linear(in_features=784, out_features=256, bias=True)
    (2): LeakyReLU(negative_slope=0.01)
    (3): Dropout(p=0.25, inplace=False)
  )
  (heads): ModuleDict(
    (cls): Linear(in_features=256, out_features=10, bias=False)
    (aux): Sequential(
      (0): GELU(approximate='tanh')
      (1): Unflatten(dim=1, unflattened_size=(16, 16))
    )
  )
  (blocks): ModuleList(
    (0): Identity()
    (1): Softmax(dim=-1)
  )
)`;

class MLP extends nn.Module {
  fc1 = new nn.Linear(3, 4);
  act = new nn.ReLU();
  fc2 = new nn.Linear(4, 2);
  override forward(x: Tensor): Tensor {
    return kd.tidy(() => this.fc2.forward(this.act.forward(this.fc1.forward(x))));
  }
}

// Every suite below runs once per device (the body is not indented, to keep diffs small).
describe.each(kd.devices())("nn on %s", (device) => {
describe("registration and names", () => {
  it("registers parameters, buffers and submodules by assignment, with PyTorch's state dict keys", async () => {
    const net = new Net();
    expect(Object.keys(net.stateDict())).toEqual(["scale", "steps", "features.1.weight", "features.1.bias", "heads.cls.weight"]);
    expect(net.namedParameters().map((e) => e[0])).toEqual(["scale", "features.1.weight", "features.1.bias", "heads.cls.weight"]);
    expect(net.namedBuffers().map((e) => e[0])).toEqual(["steps", "tmp"]);
    expect(net.namedChildren().map((e) => e[0])).toEqual(["features", "heads", "blocks"]);
    expect(net.namedModules().map((e) => e[0])).toEqual([
      "", "features", "features.0", "features.1", "features.2", "features.3", "heads", "heads.cls", "heads.aux",
      "heads.aux.0", "heads.aux.1", "blocks", "blocks.0", "blocks.1",
    ]);
    expect(net.parameters().every((p) => p instanceof nn.Parameter && p instanceof kd.Tensor)).toBe(true);
    expect(net.getSubmodule("heads.aux.1")).toBeInstanceOf(nn.Unflatten);
    expect(net.getParameter("features.1.bias").shape).toEqual([256]);
    expect(() => net.getSubmodule("features.9")).toThrow(kd.ValueError);
  });

  it("prints like PyTorch's module repr", async () => {
    expect(new Net().toString()).toBe(NET_REPR);
    expect(String(new nn.Sequential())).toBe("Sequential()");
    expect(String(new nn.CrossEntropyLoss())).toBe("CrossEntropyLoss()");
    expect(String(new nn.Softmax())).toBe("Softmax(dim=None)");
    expect(String(new nn.LeakyReLU(1e-5))).toBe("LeakyReLU(negative_slope=1e-05)");
    expect(String(new nn.Softplus())).toBe("Softplus(beta=1, threshold=20)");
    expect(String(new nn.Unflatten(0, [5]))).toBe("Unflatten(dim=0, unflattened_size=(5,))");
    expect(String(new nn.Dropout())).toBe("Dropout(p=0.5, inplace=False)");
    expect(String(new nn.GELU())).toBe("GELU(approximate='none')");
    expect(String(new nn.SiLU())).toBe("SiLU()");
    const seq = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
    expect(seq.toString()).toBe("Sequential(\n  (0): Linear(in_features=784, out_features=256, bias=True)\n  (1): ReLU()\n  (2): Linear(in_features=256, out_features=10, bias=True)\n)");
  });

  it("counts parameters (each shared one once) and freezes with requiresGrad_", async () => {
    const net = new Net();
    expect(net.numParameters()).toBe(3 + 784 * 256 + 256 + 256 * 10);
    net.features.requiresGrad_(false);
    expect(net.numParameters({ trainableOnly: true })).toBe(3 + 256 * 10);
    const shared = new nn.Linear(2, 2);
    const m = new nn.Sequential(shared, new nn.ReLU(), shared);
    expect(m.numParameters()).toBe(6);
    expect(m.parameters().length).toBe(2);
    expect(Object.keys(m.stateDict())).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
  });

  it("explicit registration, and its name checks", async () => {
    const m = new nn.Module();
    m.registerParameter("w", new nn.Parameter(kd.zeros(2, { device })));
    m.addModule("sub", new nn.Linear(1, 1));
    m.registerBuffer("b", kd.ones(1, { device }));
    expect(Object.keys(m.stateDict())).toEqual(["w", "b", "sub.weight", "sub.bias"]);
    expect(() => m.registerParameter("a.b", null)).toThrow(/can't contain "\."/);
    expect(() => m.addModule("", null)).toThrow(/empty/);
    expect(() => m.addModule("forward", new nn.ReLU())).toThrow(/already exists/);
    expect(() => m.registerParameter("x", kd.zeros(1, { device }) as never)).toThrow(TypeError);
    expect(() => m.registerBuffer("sub", kd.zeros(1, { device }))).toThrow(/already exists/);
    // reassigning a buffer's name replaces the buffer
    (m as unknown as { b: Tensor }).b = kd.full([2], 7);
    expect((await vals(m.stateDict().b))).toEqual([7, 7]);
    // unsetting
    m.registerParameter("w", null);
    expect(Object.keys(m.stateDict())).toEqual(["b", "sub.weight", "sub.bias"]);
    expect(() => new nn.ModuleList().forward()).toThrow(/missing the required "forward" function/);
  });

  it("Parameter: a leaf tensor requiring grad that shares its source's data", async () => {
    const t = kd.zeros(3, { device });
    const p = new nn.Parameter(t);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    expect(t.requiresGrad).toBe(false);
    t.fill_(2);
    expect((await vals(p))).toEqual([2, 2, 2]);
    expect(new nn.Parameter(kd.ones(1, { device }), false).requiresGrad).toBe(false);
    expect(String(new nn.Parameter(kd.ones(2, { device })))).toMatch(/^Parameter containing:\ntensor\(\[1\., 1\.\]/);
    expect(p.mul(2)).toBeInstanceOf(kd.Tensor);
  });

  it("a model built inside kd.tidy keeps its parameters and buffers", async () => {
    const net = kd.tidy(() => new Net());
    expect(net.parameters().some((p) => p.isDisposed)).toBe(false);
    expect(net.buffers().some((b) => b.isDisposed)).toBe(false);
    const y = net.features.forward(kd.randn(2, 28, 28, { device }));
    expect(y.shape).toEqual([2, 256]);
  });

  it("call() is forward", async () => {
    const m = new MLP();
    const x = kd.randn(5, 3, { device });
    expect((await vals(m.call(x)))).toEqual((await vals(m.forward(x))));
  });
});

describe("containers", () => {
  it("Sequential: positional access, append / insert / pop renumber the keys", async () => {
    const a = new nn.Linear(2, 3), b = new nn.ReLU(), c = new nn.Linear(3, 1);
    const seq = new nn.Sequential(a, b);
    expect(seq[0]).toBe(a);
    expect(seq.at(-1)).toBe(b);
    expect(seq.length).toBe(2);
    seq.append(c);
    expect(Object.keys(seq.stateDict())).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    seq.insert(0, new nn.Identity());
    expect(Object.keys(seq.stateDict())).toEqual(["1.weight", "1.bias", "3.weight", "3.bias"]);
    expect(seq.pop(0)).toBeInstanceOf(nn.Identity);
    expect(seq[2]).toBe(c);
    expect(seq[3]).toBeUndefined();
    expect([...seq]).toEqual([a, b, c]);
    expect(seq.forward(kd.randn(4, 2, { device })).shape).toEqual([4, 1]);
  });

  it("Sequential with named entries", async () => {
    const seq = new nn.Sequential({ fc: new nn.Linear(2, 2), act: new nn.Tanh() });
    expect(Object.keys(seq.stateDict())).toEqual(["fc.weight", "fc.bias"]);
    expect(seq.get("act")).toBeInstanceOf(nn.Tanh);
    expect(seq.toString()).toBe("Sequential(\n  (fc): Linear(in_features=2, out_features=2, bias=True)\n  (act): Tanh()\n)");
  });

  it("ModuleList and ModuleDict keep insertion order", async () => {
    const list = new nn.ModuleList([new nn.Linear(1, 1), new nn.Linear(1, 2)]);
    list.append(new nn.Linear(2, 2));
    expect(list.length).toBe(3);
    expect(list[1].outFeatures).toBe(2);
    expect(Object.keys(list.stateDict())).toEqual(["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]);
    const d = new nn.ModuleDict({ b: new nn.Linear(1, 1), a: new nn.ReLU() });
    d.set("10", new nn.Linear(1, 1));
    d.set("2", new nn.Linear(1, 1));
    expect(d.keys()).toEqual(["b", "a", "10", "2"]);
    expect(Object.keys(d.stateDict())).toEqual(["b.weight", "b.bias", "10.weight", "10.bias", "2.weight", "2.bias"]);
    expect([...d].map((e) => e[0])).toEqual(["b", "a", "10", "2"]);
    expect(d.pop("a")).toBeInstanceOf(nn.ReLU);
    expect(d.has("a")).toBe(false);
  });

  it("building a layer leaves only its parameters alive", async () => {
    const before = kd.memory().liveTensors;
    const lin = new nn.Linear(5, 3);
    expect(kd.memory().liveTensors).toBe(before + 2);
    lin.dispose();
    expect(kd.memory().liveTensors).toBe(before);
  });

  it("Sequential disposes its intermediate outputs", async () => {
    const seq = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2), new nn.Sigmoid());
    const x = kd.randn(3, 4, { device });
    const before = kd.memory().liveTensors;
    const y = seq.forward(x);
    expect(kd.memory().liveTensors).toBe(before + 1);
    y.dispose();
    expect(x.isDisposed).toBe(false);
  });
});

describe("train / eval and dropout", () => {
  it("train() and eval() set every submodule and return the module", async () => {
    const net = new Net();
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().some((m) => m.training)).toBe(false);
    net.train();
    expect(net.features.at(3).training).toBe(true);
  });

  it("dropout zeroes a fraction p and scales the rest by 1 / (1 - p)", async () => {
    const p = 0.3;
    const d = new nn.Dropout(p);
    const n = 100_000;
    const y = (await vals(d.forward(kd.ones(n, { device }))));
    const zeros = y.filter((v) => v === 0).length;
    expect(Math.abs(zeros / n - p)).toBeLessThan(0.01); // 7 standard deviations
    const kept = y.filter((v) => v !== 0);
    for (const v of kept.slice(0, 1000)) expect(v).toBeCloseTo(1 / (1 - p), 6);
    expect(Math.abs(y.reduce((a, b) => a + b, 0) / n - 1)).toBeLessThan(0.02);
  });

  it("dropout is seeded, a pass-through in eval mode, and checks p", async () => {
    const d = new nn.Dropout(0.5);
    const x = kd.randn(50, { device });
    kd.manualSeed(3);
    const a = (await vals(d.forward(x)));
    kd.manualSeed(3);
    expect((await vals(d.forward(x)))).toEqual(a);
    d.eval();
    expect((await vals(d.forward(x)))).toEqual((await vals(x)));
    expect((await vals(F.dropout(x, 1))).every((v) => v === 0)).toBe(true);
    expect((await vals(F.dropout(x, 0.4, false)))).toEqual((await vals(x)));
    expect(() => new nn.Dropout(1.5)).toThrow(/between 0 and 1/);
    // the gradient goes through the kept elements only, scaled
    const w = kd.ones(6, { device }).requiresGrad_();
    d.train();
    const y = d.forward(w);
    y.sum().backward();
    const yv = (await vals(y)), gv = (await vals(w.grad!));
    yv.forEach((v, i) => expect(gv[i]).toBeCloseTo(v === 0 ? 0 : 2, 6));
  });
});

describe("state dict", () => {
  it("round-trips values between models, in place", async () => {
    const a = new MLP(), b = new MLP();
    const w = b.fc1.weight;
    const sd = a.stateDict();
    expect(sd["fc1.weight"].requiresGrad).toBe(false);
    const res = b.loadStateDict(sd);
    expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.fc1.weight).toBe(w);
    for (const [k, v] of Object.entries(a.stateDict())) expect((await vals(b.stateDict()[k]))).toEqual((await vals(v)));
    const x = kd.randn(2, 3, { device });
    expect((await vals(b.forward(x)))).toEqual((await vals(a.forward(x))));
    // nested arrays are accepted
    b.loadStateDict({ ...sd, "fc2.bias": [5, 6] });
    expect((await vals(b.fc2.bias!))).toEqual([5, 6]);
  });

  it("reports missing, unexpected and mis-shaped keys by name and changes nothing", async () => {
    const m = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const before = m.parameters().map(vals);
    const sd: Record<string, Tensor> = {
      "0.weight": kd.zeros(2, 3, { device }),
      "2.weight": kd.zeros(2, 4, { device }),
      "2.bias": kd.zeros(2, { device }),
      "3.weight": kd.zeros(1, { device }),
    };
    let err: unknown;
    try {
      m.loadStateDict(sd);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(nn.StateDictError);
    expect(err).toBeInstanceOf(kd.KindlingError);
    const msg = (err as Error).message;
    expect(msg).toContain("Error(s) in loading state_dict for Sequential:");
    expect(msg).toContain('Missing key(s) in state_dict: "0.bias".');
    expect(msg).toContain('Unexpected key(s) in state_dict: "3.weight".');
    expect(msg).toContain("size mismatch for 0.weight: copying a param with shape torch.Size([2, 3]) from checkpoint, the shape in current model is torch.Size([4, 3]).");
    expect((err as InstanceType<typeof nn.StateDictError>).missingKeys).toEqual(["0.bias"]);
    expect(m.parameters().map(vals)).toEqual(before);

    // strict: false loads what it can; a shape mismatch still throws
    expect(() => m.loadStateDict(sd, { strict: false })).toThrow(/size mismatch for 0\.weight/);
    expect(m.parameters().map(vals)).toEqual(before);
    delete sd["0.weight"];
    const res = m.loadStateDict(sd, { strict: false });
    expect(res).toEqual({ missingKeys: ["0.weight", "0.bias"], unexpectedKeys: ["3.weight"] });
    expect((await vals(m.at(2).stateDict().bias))).toEqual([0, 0]);
  });

  it("keeps non-persistent buffers out and keepVars gives the parameters themselves", async () => {
    const net = new Net();
    expect("tmp" in net.stateDict()).toBe(false);
    expect(net.stateDict({ keepVars: true }).scale).toBe(net.scale);
    expect(Object.keys(net.stateDict({ prefix: "model." }))[0]).toBe("model.scale");
    const bce = new nn.BCEWithLogitsLoss({ weight: kd.ones(2, { device }), posWeight: kd.ones(2, { device }) });
    expect(Object.keys(bce.stateDict())).toEqual(["weight", "pos_weight"]);
  });
});

describe("gradients", () => {
  it("zeroGrad clears to null by default, or zeroes in place", async () => {
    const m = new MLP();
    const x = kd.randn(4, 3, { device });
    F.mseLoss(m.forward(x), kd.zeros(4, 2, { device })).backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    m.zeroGrad(false);
    for (const p of m.parameters()) expect((await vals(p.grad!)).every((v) => v === 0)).toBe(true);
    F.mseLoss(m.forward(x), kd.zeros(4, 2, { device })).backward();
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it("to() accepts the CPU and float32 only", async () => {
    const m = new MLP();
    expect(m.to("cpu")).toBe(m);
    expect(m.to("float32")).toBe(m);
    expect(() => m.to("webgpu")).toThrow(kd.DeviceError);
    expect(() => m.to("int32")).toThrow(TypeError);
  });

  it("a training loop releases everything the library creates", async () => {
    kd.manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(2, 16), new nn.Tanh(), new nn.Dropout(0.1), new nn.Linear(16, 2));
    const lossFn = new nn.CrossEntropyLoss({ labelSmoothing: 0.05 });
    const x = kd.randn(32, 2, { device });
    const t = kd.tensor(Array.from({ length: 32 }, (_, i) => i % 2), { dtype: "int32" });
    const step = async () => {
      const out = model.forward(x);
      const loss = lossFn.forward(out, t);
      loss.backward();
      kd.noGrad(() => {
        for (const p of model.parameters()) {
          const g = p.grad!;
          p.sub_(g, 0.1);
          g.dispose();
        }
      });
      model.zeroGrad();
      const v = (await loss.itemAsync()) as number;
      out.dispose();
      loss.dispose();
      return v;
    };
    await step();
    const live = kd.memory().liveTensors;
    const first = await step();
    let last = first;
    for (let i = 0; i < 50; i++) last = await step();
    expect(kd.memory().liveTensors).toBe(live);
    expect(last).toBeLessThan(first);
    // inside tidy, with no disposal at all
    for (let i = 0; i < 5; i++) {
      kd.tidy(() => {
        lossFn.forward(model.forward(x), t).backward();
        model.zeroGrad();
      });
    }
    expect(kd.memory().liveTensors).toBe(live);
  });

  it("each loss adds exactly its result to the live handles", async () => {
    const x = kd.randn(4, 3, { device }).requiresGrad_();
    const t = kd.tensor([0, 2, 1, 2], { dtype: "int32" });
    const p = kd.rand(4, 3, { device });
    const y = kd.rand(4, 3, { device });
    const w = kd.ones(3, { device });
    const calls: (() => Tensor)[] = [
      () => F.crossEntropy(x, t, { weight: w, labelSmoothing: 0.1, ignoreIndex: 1 }),
      () => F.crossEntropy(x, p, { weight: w, labelSmoothing: 0.1 }),
      () => F.nllLoss(x, t, { weight: w }),
      () => F.binaryCrossEntropy(x.sigmoid(), y, { weight: w }),
      () => F.binaryCrossEntropyWithLogits(x, y, { posWeight: w }),
      () => F.huberLoss(x, y),
      () => F.smoothL1Loss(x, y, { beta: 0.5 }),
      () => F.l1Loss(x, y, { reduction: "none" }),
      () => F.mseLoss(x, y, { reduction: "sum" }),
      () => F.linear(x, kd.ones(2, 3, { device }), kd.ones(2, { device })),
      () => F.dropout(x, 0.2),
    ];
    for (const c of calls) {
      const r = kd.tidy(() => {
        const before = kd.memory().liveTensors;
        const out = c();
        return { out, added: kd.memory().liveTensors - before };
      });
      // the result, plus the extra inputs the case itself made (sigmoid, ones)
      expect(r.added).toBeLessThanOrEqual(3);
      r.out.sum().backward();
      r.out.dispose();
    }
  });
});

describe("init", () => {
  const stats = async (t: Tensor) => {
    const v = (await vals(t));
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    // bounds with float32 rounding of the bound itself allowed
    const slack = 1 + 1e-6;
    return { mean, std, min: v.reduce((a, b) => Math.min(a, b)) / slack, max: v.reduce((a, b) => Math.max(a, b)) / slack };
  };

  it("Linear initialises as PyTorch: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias", async () => {
    const lin = new nn.Linear(400, 300);
    const b = 1 / Math.sqrt(400);
    const s = (await stats(lin.weight));
    expect(s.min).toBeGreaterThanOrEqual(-b);
    expect(s.max).toBeLessThanOrEqual(b);
    expect(s.std).toBeCloseTo(b / Math.sqrt(3), 3);
    expect(Math.abs(s.mean)).toBeLessThan(0.001);
    const sb = (await stats(lin.bias!));
    expect(sb.min).toBeGreaterThanOrEqual(-b);
    expect(sb.max).toBeLessThanOrEqual(b);
    expect(lin.weight.isLeaf).toBe(true);
    expect(lin.weight.gradFn).toBeNull();
    expect(new nn.Linear(3, 2, { bias: false }).bias).toBeNull();
  });

  it("kaiming, xavier, constant and gain", async () => {
    const init = nn.init;
    expect(init.calculateGain("linear")).toBe(1);
    expect(init.calculateGain("tanh")).toBeCloseTo(5 / 3, 12);
    expect(init.calculateGain("relu")).toBeCloseTo(Math.SQRT2, 12);
    expect(init.calculateGain("leaky_relu", 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 12);
    expect(init.calculateGain("leaky_relu")).toBeCloseTo(Math.sqrt(2 / 1.0001), 12);
    expect(init.calculateGain("selu")).toBe(0.75);
    expect(init.calculateFanInAndFanOut(kd.zeros(8, 4, 3, 3, { device }))).toEqual([36, 72]);
    expect(() => init.kaimingUniform_(kd.zeros(5, { device }))).toThrow(/fewer than 2 dimensions/);

    const w = new nn.Parameter(kd.zeros(256, 512, { device }));
    init.kaimingUniform_(w, { nonlinearity: "relu" });
    let s = (await stats(w));
    const bound = Math.SQRT2 * Math.sqrt(3 / 512);
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.std).toBeCloseTo(Math.SQRT2 / Math.sqrt(512), 2);
    expect(w.isLeaf && w.requiresGrad).toBe(true);

    init.kaimingNormal_(w, { mode: "fan_out", nonlinearity: "relu" });
    expect((await stats(w)).std / (Math.SQRT2 / Math.sqrt(256))).toBeCloseTo(1, 1);
    init.xavierUniform_(w, 2);
    s = (await stats(w));
    expect(s.max).toBeLessThanOrEqual(2 * Math.sqrt(6 / 768));
    expect(s.std / (2 * Math.sqrt(2 / 768))).toBeCloseTo(1, 1);
    init.xavierNormal_(w);
    expect((await stats(w)).std / Math.sqrt(2 / 768)).toBeCloseTo(1, 1);
    init.normal_(w, 3, 0.5);
    s = (await stats(w));
    expect(s.mean).toBeCloseTo(3, 2);
    expect(s.std).toBeCloseTo(0.5, 2);
    init.uniform_(w, -2, -1);
    s = (await stats(w));
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThanOrEqual(-1);
    init.constant_(w, 0.25);
    expect(new Set((await vals(w)))).toEqual(new Set([0.25]));
    init.zeros_(w);
    expect(new Set((await vals(w)))).toEqual(new Set([0]));
    init.ones_(w);
    expect(new Set((await vals(w)))).toEqual(new Set([1]));
    const e = kd.zeros(2, 3, { device });
    init.eye_(e);
    expect((await vals(e))).toEqual([1, 0, 0, 0, 1, 0]);
  });
});

describe("loss edge cases", () => {
  it("binaryCrossEntropy keeps gradients finite where a sigmoid saturates to 0 or 1", async () => {
    const z = kd.tensor([30, -30, 0.5, 120]).requiresGrad_();
    const loss = F.binaryCrossEntropy(z.sigmoid(), kd.tensor([1, 0, 1, 0]));
    expect((await loss.itemAsync())).toBeCloseTo((Math.log1p(Math.exp(-0.5)) + 100) / 4, 4);
    loss.backward();
    expect((await vals(z.grad!)).every(Number.isFinite)).toBe(true);
  });

  it("a loss on a model output inside tidy backpropagates after the intermediates are gone", async () => {
    const lin = new nn.Linear(3, 2);
    kd.tidy(() => F.mseLoss(lin.forward(kd.randn(4, 3, { device })), kd.zeros(4, 2, { device }))).backward();
    expect(lin.weight.grad!.shape).toEqual([2, 3]);
  });
});

describe("loss argument checks", () => {
  const x = kd.randn(3, 4, { device });
  it("reductions, shapes and dtypes", async () => {
    expect(() => F.mseLoss(x, x, { reduction: "avg" as never })).toThrow(/avg is not a valid value for reduction/);
    expect(() => new nn.L1Loss({ reduction: "max" as never })).toThrow(kd.ValueError);
    expect(() => F.binaryCrossEntropy(x.sigmoid(), kd.rand(3, { device }))).toThrow(/different to the input size/);
    expect(() => F.binaryCrossEntropyWithLogits(x, kd.rand(4, { device }))).toThrow(/must be the same as input size/);
    expect(() => F.crossEntropy(x, kd.tensor([0, 1], { dtype: "int32" }))).toThrow(/Expected input batch_size \(3\) to match target batch_size \(2\)/);
    expect(() => F.crossEntropy(x, kd.tensor([0, 1, 2]))).toThrow(kd.DTypeError);
    expect(() => F.nllLoss(x, kd.tensor([0, 1, 2], { dtype: "int32" }), { weight: kd.ones(3, { device }) })).toThrow(/for all 4 classes/);
    expect(() => F.crossEntropy(x, kd.rand(3, 4, { device }), { ignoreIndex: 1 })).toThrow(/ignore_index is not supported/);
    expect(() => F.crossEntropy(x, kd.tensor([0, 1, 2], { dtype: "int32" }), { labelSmoothing: 1.5 })).toThrow(/label_smoothing/);
    expect(() => F.huberLoss(x, x, { delta: 0 })).toThrow(/delta/);
    expect(() => F.crossEntropy(x, kd.tensor([0, -1, 1], { dtype: "int32" }))).toThrow(/Target -1 is out of bounds/);
    expect(() => F.nllLoss(x, kd.tensor([0, 4, 1], { dtype: "int32" }))).toThrow(kd.IndexError);
    expect(() => F.nllLoss(x, kd.tensor([0, 4, 1], { dtype: "int32" }), { ignoreIndex: 4 })).not.toThrow();
  });
});
});
