// Attention and transformers against real PyTorch (tests/fixtures/attention.json, from
// scripts/gen_attention_fixtures.py): F.scaledDotProductAttention, nn.MultiheadAttention (batch
// first both ways, masks, key padding, kdim / vdim, bias_kv, zero attention, weights averaged
// or per head), the encoder and decoder layers (post- and pre-norm, relu and gelu), their
// stacks, nn.Transformer and the course's ViT, loaded with torch's weights by state dict key:
// outputs, attention weights and the gradients of every input and parameter. Then dropout,
// reprs, parameter counts, cloning, positional arguments, ONNX export and bad input.
//
// Tolerance: rtol 1e-5, atol 1e-5 (the kernels sum in another order than torch's; the values
// are of order 1, so 1e-5 absolute is a few float32 ulps times the terms in a sum).
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { mismatches, num, type Num } from "./helpers/torch-fixture.js";

const { nn } = kd;
const F = nn.functional;
type Tensor = kd.Tensor;

const RTOL = 1e-5, ATOL = 1e-5;

interface T { values: Num[]; shape: number[]; dtype: "float32" | "int32" | "bool" }
interface Case {
  name: string;
  kind: string;
  ctor: Record<string, any>;
  call: { needWeights?: boolean; averageAttnWeights?: boolean; same?: "qkv" | "kv"; isCausal?: boolean; scale?: number };
  keys?: string[];
  state?: Record<string, T>;
  repr?: string;
  inputs: Record<string, T>;
  masks: Record<string, T>;
  grad_out: T;
  grad_weights?: T;
  out: T;
  weights?: T;
  grads: Record<string, T>;
  param_grads?: Record<string, T>;
  params?: number;
}

const doc = JSON.parse(readFileSync(new URL("./fixtures/attention.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };
const cases = (kind: string) => doc.cases.filter((c) => c.kind === kind);

const decode = (t: T): Tensor => kd.fromArray(t.values.map(num), t.shape, t.dtype);

function expectClose(name: string, actual: Tensor | null | undefined, expected: T): void {
  expect(actual, `${name}: missing`).toBeTruthy();
  expect(actual!.shape, `${name}: shape`).toEqual(expected.shape);
  const bad = mismatches(actual!.dataSync(), expected.values, { rtol: RTOL, atol: ATOL, limit: 1 });
  if (bad.length) expect.fail(`${name}${bad[0]}`);
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The Kindling module of a case, built from its constructor options. */
function build(c: Case): kd.nn.Module {
  const { dModel, nhead, numLayers, norm, ...layer } = c.ctor;
  switch (c.kind) {
    case "mha": {
      const { embedDim, numHeads, ...o } = c.ctor;
      return new nn.MultiheadAttention(embedDim, numHeads, o);
    }
    case "encoder_layer": return new nn.TransformerEncoderLayer(dModel, nhead, layer);
    case "decoder_layer": return new nn.TransformerDecoderLayer(dModel, nhead, layer);
    case "encoder": return new nn.TransformerEncoder(new nn.TransformerEncoderLayer(dModel, nhead, layer), numLayers, norm ? new nn.LayerNorm(dModel) : null);
    case "decoder": return new nn.TransformerDecoder(new nn.TransformerDecoderLayer(dModel, nhead, layer), numLayers, norm ? new nn.LayerNorm(dModel) : null);
    case "transformer": return new nn.Transformer(c.ctor);
    case "vit": return kd.models.vit(c.ctor);
    default: throw new Error(`no module for ${c.kind}`);
  }
}

/** Runs a case's forward on the decoded inputs and masks: [output, attention weights or null]. */
function run(c: Case, m: kd.nn.Module | null, x: Record<string, Tensor>, masks: Record<string, Tensor>): [Tensor, Tensor | null] {
  const mk = Object.fromEntries(Object.entries(masks).map(([k, v]) => [camel(k), v]));
  switch (c.kind) {
    case "sdpa": return [F.scaledDotProductAttention(x.query, x.key, x.value, { attnMask: mk.attnMask, isCausal: c.call.isCausal, scale: c.call.scale }), null];
    case "mha": {
      const [q, k, v] = c.call.same === "qkv" ? [x.x, x.x, x.x] : c.call.same === "kv" ? [x.query, x.memory, x.memory] : [x.query, x.key, x.value];
      return (m as kd.nn.MultiheadAttention).call(q, k, v, { ...mk, needWeights: c.call.needWeights, averageAttnWeights: c.call.averageAttnWeights });
    }
    case "encoder_layer": return [(m as kd.nn.TransformerEncoderLayer).call(x.src, mk), null];
    case "encoder": return [(m as kd.nn.TransformerEncoder).call(x.src, { mask: mk.srcMask, srcKeyPaddingMask: mk.srcKeyPaddingMask }), null];
    case "decoder_layer": return [(m as kd.nn.TransformerDecoderLayer).call(x.tgt, x.memory, mk), null];
    case "decoder": return [(m as kd.nn.TransformerDecoder).call(x.tgt, x.memory, mk), null];
    case "transformer": return [(m as kd.nn.Transformer).call(x.src, x.tgt, mk), null];
    case "vit": return [(m as kd.models.ViT).call(x.images), null];
    default: throw new Error(`no forward for ${c.kind}`);
  }
}

/** Forward and backward of one case with torch's weights; checks everything the fixture holds. */
function check(c: Case): void {
  kd.tidy(() => {
    const m = c.kind === "sdpa" ? null : build(c);
    if (m) {
      expect(Object.keys(m.stateDict({ keepVars: true })), `${c.name}: state dict keys`).toEqual(c.keys);
      if (c.repr !== undefined) expect(m.toString(), `${c.name}: repr`).toBe(c.repr);
      m.loadStateDict(Object.fromEntries(Object.entries(c.state!).map(([k, t]) => [k, decode(t)])));
      m.eval();
    }
    const x = Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, decode(t).requiresGrad_(true)]));
    const masks = Object.fromEntries(Object.entries(c.masks).map(([k, t]) => [k, decode(t)]));
    const [out, w] = run(c, m, x, masks);
    expectClose(`${c.name} out`, out, c.out);
    let loss = out.mul(decode(c.grad_out)).sum();
    if (c.weights) {
      expectClose(`${c.name} weights`, w, c.weights);
      loss = loss.add(w!.mul(decode(c.grad_weights!)).sum());
    } else if (c.kind === "mha") {
      expect(w, `${c.name}: needWeights false gives null weights`).toBeNull();
    }
    loss.backward();
    for (const [k, g] of Object.entries(c.grads)) expectClose(`${c.name} grad ${k}`, x[k].grad, g);
    if (m) {
      const params = new Map(m.namedParameters());
      expect([...params.keys()].sort(), `${c.name}: parameters`).toEqual(Object.keys(c.param_grads!).sort());
      for (const [k, g] of Object.entries(c.param_grads!)) expectClose(`${c.name} grad ${k}`, params.get(k)!.grad, g);
      m.dispose();
    }
  });
}

describe(`attention against PyTorch ${doc.torch}`, () => {
  for (const kind of ["sdpa", "mha", "encoder_layer", "decoder_layer", "encoder", "decoder", "transformer", "vit"]) {
    const list = cases(kind);
    it(`${kind}: ${list.length} cases`, () => {
      expect(list.length).toBeGreaterThan(0);
      for (const c of list) check(c);
    });
  }

  it("Transformer.generateSquareSubsequentMask is torch's (-inf above the diagonal)", () => {
    const list = cases("square_subsequent_mask");
    expect(list.length).toBe(2);
    for (const c of list) {
      const m = nn.Transformer.generateSquareSubsequentMask(c.ctor.sz);
      expect(m.dtype).toBe("float32");
      expect(mismatches(m.dataSync(), c.out.values, { rtol: 0, atol: 0 }), c.name).toEqual([]);
      expect(m.shape).toEqual(c.out.shape);
    }
  });

  it("default layers have torch's parameter counts and keys (dim_feedforward 2048)", () => {
    const make: Record<string, () => kd.nn.Module> = {
      "TransformerEncoderLayer(512, 8)": () => new nn.TransformerEncoderLayer(512, 8),
      "TransformerDecoderLayer(512, 8)": () => new nn.TransformerDecoderLayer(512, 8),
      "MultiheadAttention(512, 8)": () => new nn.MultiheadAttention(512, 8),
    };
    const list = cases("count");
    expect(list.map((c) => c.name).sort()).toEqual(Object.keys(make).sort());
    for (const c of list) {
      const m = make[c.name]();
      expect(m.numParameters(), c.name).toBe(c.params);
      expect(Object.keys(m.stateDict({ keepVars: true })), c.name).toEqual(c.keys);
      m.dispose();
    }
  });
});

/** An MHA case's module and inputs, with torch's weights, for the checks below. */
function mhaCase(name: string) {
  const c = doc.cases.find((k) => k.name === name)!;
  const m = build(c) as kd.nn.MultiheadAttention;
  m.loadStateDict(Object.fromEntries(Object.entries(c.state!).map(([k, t]) => [k, decode(t)])));
  return { c, m, x: decode(c.inputs.x) };
}

describe("dropout", () => {
  it("scaledDotProductAttention: dropoutP 1 gives zeros; 0.5 averages to the output without dropout", () => {
    kd.manualSeed(7);
    kd.tidy(() => {
      const [q, k, v] = [kd.randn([2, 3, 4]), kd.randn([2, 5, 4]), kd.randn([2, 5, 4])];
      const plain = F.scaledDotProductAttention(q, k, v);
      expect(Array.from(F.scaledDotProductAttention(q, k, v, null, 1).dataSync()).every((x) => x === 0)).toBe(true);
      const once = F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5 });
      expect(kd.allclose(once, plain)).toBe(false);
      let sum = kd.zerosLike(plain);
      const n = 400;
      for (let i = 0; i < n; i++) sum = kd.tidy(() => sum.add(F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5 })));
      const err = sum.div(n).sub(plain).abs().max().item() as number;
      expect(err).toBeLessThan(0.15);
    });
  });

  it("MultiheadAttention in training mode drops attention weights (kept ones scaled by 1 / (1 - p)); eval mode does not", () => {
    kd.manualSeed(3);
    kd.tidy(() => {
      const base = mhaCase("mha_self_batch_first_per_head");
      const m = new nn.MultiheadAttention(8, 2, { dropout: 0.5, batchFirst: true });
      m.loadStateDict(base.m.stateDict());
      m.eval();
      const [, evalW] = m.call(base.x, base.x, base.x, { averageAttnWeights: false });
      m.train();
      const [, trainW] = m.call(base.x, base.x, base.x, { averageAttnWeights: false });
      const e = evalW!.dataSync(), t = trainW!.dataSync();
      let dropped = 0;
      for (let i = 0; i < e.length; i++) {
        if (t[i] === 0) dropped++;
        else expect(Math.abs(t[i] - 2 * e[i])).toBeLessThan(1e-6);
      }
      expect(dropped).toBeGreaterThan(e.length * 0.2);
      expect(dropped).toBeLessThan(e.length * 0.8);
      base.m.dispose();
      m.dispose();
    });
  });
});

describe("modules", () => {
  it("TransformerEncoder copies the layer numLayers times: equal weights at first, separate tensors, the given layer not registered", () => {
    kd.tidy(() => {
      const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
      const enc = new nn.TransformerEncoder(layer, 3);
      expect(enc.layers.length).toBe(3);
      const w0 = enc.layers[0].linear1.weight, w2 = enc.layers[2].linear1.weight;
      expect(kd.equal(w0, layer.linear1.weight) && kd.equal(w2, layer.linear1.weight)).toBe(true);
      kd.noGrad(() => w0.add_(1));
      expect(kd.equal(w0, w2)).toBe(false);
      expect(enc.parameters().includes(layer.linear1.weight)).toBe(false);
      expect(Object.keys(enc.stateDict({ keepVars: true }))).toContain("layers.2.self_attn.in_proj_weight");
      layer.dispose();
      enc.dispose();
    });
  });

  it("positional arguments as torch takes them", () => {
    kd.tidy(() => {
      const { m, x } = mhaCase("mha_self_batch_first_per_head");
      const p = new nn.MultiheadAttention(8, 2, 0.0, true, false, false, null, null, true);
      expect(p.batchFirst).toBe(true);
      p.loadStateDict(m.stateDict());
      const [a] = m.call(x, x, x);
      const [b, w] = p.call(x, x, x, null, false);
      expect(w).toBeNull();
      expect(kd.allclose(a, b)).toBe(true);
      const layer = new nn.TransformerEncoderLayer(8, 2, 16, 0.0, "gelu", 1e-6, true, true);
      expect([layer.linear1.outFeatures, layer.norm1.eps, layer.normFirst, layer.self_attn.batchFirst]).toEqual([16, 1e-6, true, true]);
      const t = new nn.Transformer(8, 2, 1, 1, 16);
      expect(Object.keys(t.stateDict({ keepVars: true })).filter((k) => k.startsWith("encoder.layers.")).length).toBe(12);
      for (const mod of [m, p, layer, t]) mod.dispose();
    });
  });

  it("a custom activation function or module is used in the feed-forward block", () => {
    kd.tidy(() => {
      const x = kd.randn([3, 2, 8]);
      const a = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: "gelu" }).eval();
      const b = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: (t: Tensor) => F.gelu(t) }).eval();
      const c = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: new nn.GELU() }).eval();
      b.loadStateDict(a.stateDict());
      c.loadStateDict(a.stateDict());
      expect(kd.allclose(a.call(x), b.call(x))).toBe(true);
      expect(kd.allclose(a.call(x), c.call(x))).toBe(true);
      expect(c.toString()).toContain("(activation): GELU(approximate='none')");
      for (const mod of [a, b, c]) mod.dispose();
    });
  });

  it("a forward and backward loop releases what it creates", () => {
    const m = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
    const x = kd.randn([2, 5, 8]);
    const step = () => kd.tidy(() => {
      m.zeroGrad();
      m.call(x, { srcKeyPaddingMask: kd.tensor([[false, false, true, true, true], [false, false, false, false, false]]) }).sum().backward();
    });
    step();
    const live = kd.memory().liveTensors;
    for (let i = 0; i < 20; i++) step();
    expect(kd.memory().liveTensors).toBeLessThanOrEqual(live);
    m.dispose();
    x.dispose();
  });
});

describe("bad input", () => {
  const q = () => kd.randn([3, 2, 8]);

  it("MultiheadAttention: numHeads not dividing embedDim, bad sizes and options", () => {
    expect(() => new nn.MultiheadAttention(10, 3)).toThrow(kd.ValueError);
    expect(() => new nn.MultiheadAttention(10, 3)).toThrow(/embed_dim must be divisible by num_heads \(embed_dim=10, num_heads=3\)/);
    expect(() => new nn.MultiheadAttention(0, 1)).toThrow(/embed_dim must be a positive integer/);
    expect(() => new nn.MultiheadAttention(8, 2, { dropout: 2 })).toThrow(kd.ValueError);
    expect(() => new nn.MultiheadAttention(8, 2, { batch_first: true } as never)).toThrow(/did you mean 'batchFirst'/);
  });

  it("MultiheadAttention.forward: wrong embedding dims, masks of the wrong shape or dtype", () => {
    kd.tidy(() => {
      const m = new nn.MultiheadAttention(8, 2);
      const x = q();
      expect(() => m.call(kd.randn([3, 2, 6]), x, x)).toThrow(kd.ShapeError);
      expect(() => m.call(kd.randn([3, 2, 6]), x, x)).toThrow(/was expecting embedding dimension of 8, but got 6/);
      expect(() => m.call(x, kd.randn([4, 2, 5]), kd.randn([4, 2, 5]))).toThrow(/key's embedding dimension 5 does not match embed_dim 8/);
      expect(() => m.call(x, kd.randn([4, 2, 8]), kd.randn([5, 2, 8]))).toThrow(/key shape \[4, 2, 8\] does not match value shape \[5, 2, 8\]/);
      expect(() => m.call(x, x, x, { attnMask: kd.zeros([3, 4]) })).toThrow(/The shape of the 2D attn_mask is \[3, 4\], but should be \[3, 3\]/);
      expect(() => m.call(x, x, x, { attnMask: kd.zeros([3, 3, 3]) })).toThrow(/The shape of the 3D attn_mask is \[3, 3, 3\], but should be \[4, 3, 3\]/);
      expect(() => m.call(x, x, x, { attnMask: kd.zeros([1, 1, 3, 3]) })).toThrow(/expected `attn_mask` to be `None`, 2-D or 3-D but found 4-D/);
      expect(() => m.call(x, x, x, { keyPaddingMask: kd.zeros([3, 2], { dtype: "bool" }) })).toThrow(/expecting key_padding_mask shape of \[2, 3\], but got \[3, 2\]/);
      expect(() => m.call(x, x, x, { keyPaddingMask: kd.zeros([2, 3], { dtype: "int32" }) })).toThrow(kd.DTypeError);
      expect(() => m.call(kd.randn([2, 8]), x, x)).toThrow(/For unbatched \(2-D\) `query`, expected `key` and `value` to be 2-D but found 3-D and 3-D/);
      expect(() => m.call(kd.randn([8]), x, x)).toThrow(/query should be unbatched 2D or batched 3D tensor but received 1-D query tensor/);
      const kv = new nn.MultiheadAttention(8, 2, { kdim: 5, vdim: 6 });
      expect(() => kv.call(x, kd.randn([4, 2, 4]), kd.randn([4, 2, 6]))).toThrow(/expecting k_proj_weight of shape \[8, 4\]/);
      m.dispose();
      kv.dispose();
    });
  });

  it("scaledDotProductAttention: mismatched dims, unbroadcastable masks, causal with a mask", () => {
    kd.tidy(() => {
      const [a, b] = [kd.randn([2, 3, 4]), kd.randn([2, 5, 4])];
      expect(() => F.scaledDotProductAttention(a, kd.randn([2, 5, 3]), b)).toThrow(kd.ShapeError);
      expect(() => F.scaledDotProductAttention(a, b, kd.randn([2, 4, 4]))).toThrow(/key and value need the same sequence length/);
      expect(() => F.scaledDotProductAttention(a, b, b, kd.zeros([3, 4]))).toThrow(/attn_mask of shape \[3, 4\] cannot be broadcast to the attention scores' shape \[2, 3, 5\]/);
      expect(() => F.scaledDotProductAttention(a, b, b, kd.zeros([3, 5], { dtype: "int32" }))).toThrow(kd.DTypeError);
      expect(() => F.scaledDotProductAttention(a, b, b, { attnMask: kd.zeros([3, 5]), isCausal: true })).toThrow(kd.ValueError);
      expect(() => F.scaledDotProductAttention(a, b, b, { dropoutP: -1 })).toThrow(/dropout probability has to be between 0 and 1/);
      expect(() => F.scaledDotProductAttention(kd.randn([3, 3, 4]), b, b)).toThrow(/the batch dims of query \[3, 3, 4\], key \[2, 5, 4\] and value \[2, 5, 4\] cannot be broadcast/);
    });
  });

  it("transformer layers and ViT: bad activations, batch and feature mismatches, image sizes", () => {
    kd.tidy(() => {
      expect(() => new nn.TransformerEncoderLayer(8, 2, { activation: "tanh" as never })).toThrow(/activation should be relu\/gelu, not tanh/);
      expect(() => new nn.TransformerEncoderLayer(8, 3)).toThrow(/embed_dim must be divisible by num_heads/);
      const t = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 });
      expect(() => t.call(kd.randn([5, 2, 8]), kd.randn([3, 3, 8]))).toThrow(/the batch number of src and tgt must be equal/);
      expect(() => t.call(kd.randn([5, 2, 8]), kd.randn([3, 2, 6]))).toThrow(/the feature number of src and tgt must be equal to d_model \(8\)/);
      expect(() => new nn.TransformerEncoder(t as never, 2)).toThrow(/expected a TransformerEncoderLayer, got Transformer/);
      expect(() => kd.models.vit({ imageSize: 30, patchSize: 7 })).toThrow(/image size must be divisible by patch size/);
      const v = kd.models.vit({ imageSize: 8, patchSize: 4, inChannels: 1, numClasses: 3, embedDim: 8, depth: 1, numHeads: 2, mlpDim: 16 });
      expect(() => v.call(kd.randn([2, 3, 8, 8]))).toThrow(/ViT: expected images of shape \[N, 1, 8, 8\], got \[2, 3, 8, 8\]/);
      expect(() => kd.models.vit({ depth: 0 })).toThrow(/depth must be a positive integer/);
      t.dispose();
      v.dispose();
    });
  });
});

describe("ONNX export", () => {
  it("MultiheadAttention exports with a dynamic batch and runs in onnxruntime with Kindling's output and weights", async () => {
    kd.manualSeed(1);
    const m = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    const batch = (n: number) => [kd.randn([n, 3, 8]), kd.randn([n, 4, 8]), kd.randn([n, 4, 8])];
    const bytes = kd.onnx.exportModel(m, batch(2), { dynamicBatch: true });
    const session = await ort.InferenceSession.create(bytes);
    expect(session.outputNames.length).toBe(2);
    for (const inputs of [batch(2), batch(5)]) {
      const feeds = Object.fromEntries(session.inputNames.map((n, i) => [n, new ort.Tensor("float32", inputs[i].dataSync() as Float32Array, [...inputs[i].shape])]));
      const got = await session.run(feeds);
      const want = kd.noGrad(() => m.eval().forward(inputs[0], inputs[1], inputs[2]));
      for (let i = 0; i < 2; i++) {
        const o = got[session.outputNames[i]];
        expect([...o.dims], `batch ${inputs[0].shape[0]} output ${i} shape`).toEqual(want[i]!.shape);
        const bad = mismatches(o.data as Float32Array, Array.from(want[i]!.dataSync()), { rtol: RTOL, atol: ATOL, limit: 1 });
        expect(bad, `batch ${inputs[0].shape[0]} output ${i}`).toEqual([]);
      }
    }
    m.dispose();
  });

  it("the ViT exports (fixed batch) and runs in onnxruntime with Kindling's logits", async () => {
    kd.manualSeed(2);
    const vit = kd.models.vit({ imageSize: 28, patchSize: 7, inChannels: 1, numClasses: 10, embedDim: 16, depth: 2, numHeads: 2, mlpDim: 32 });
    const x = kd.randn([2, 1, 28, 28]);
    const session = await ort.InferenceSession.create(kd.onnx.exportModel(vit, x));
    const got = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", x.dataSync() as Float32Array, [...x.shape]) });
    const want = kd.noGrad(() => vit.eval().forward(x));
    expect(mismatches(got[session.outputNames[0]].data as Float32Array, Array.from(want.dataSync()), { rtol: RTOL, atol: ATOL, limit: 1 })).toEqual([]);
    vit.dispose();
  });
});
