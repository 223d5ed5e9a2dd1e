// Work large enough to be split over threads, whose results tests compare bit for bit across
// thread counts (tests/threads.test.ts in Node, tests/browser/threads.page.ts in Chromium). No
// vitest and no engine import, so a page can bundle it.
import type * as KD from "../../ts/index.js";
import type { Tensor } from "../../ts/index.js";

type Kd = typeof KD;

/** The bytes of a tensor's elements (row-major). */
async function bytes(t: Tensor): Promise<Uint8Array> {
  const d = (await t.data()) as unknown as ArrayBufferView;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();
}

/** Forward and backward of ops the CPU backend splits over threads, on shapes past their grains: name -> bytes. */
export async function largeOps(kd: Kd): Promise<Record<string, Uint8Array>> {
  const F = kd.nn.functional;
  const out: Record<string, Uint8Array> = {};
  await kd.tidy(async () => {
    kd.manualSeed(11);
    const a = kd.randn([301, 263]).requiresGrad_();
    const b = kd.randn([263, 277]).requiresGrad_();
    const mm = a.matmul(b);
    mm.sum().backward();
    Object.assign(out, { matmul: await bytes(mm), "matmul.grad_a": await bytes(a.grad!), "matmul.grad_b": await bytes(b.grad!) });
    out["bmm"] = await bytes(kd.randn([6, 70, 90]).matmul(kd.randn([6, 90, 80])));

    const x = kd.randn([8, 3, 32, 32]).requiresGrad_();
    const w = kd.randn([16, 3, 3, 3]).requiresGrad_();
    const bias = kd.randn([16]).requiresGrad_();
    const y = F.conv2d(x, w, bias, { padding: 1 });
    const ys = F.conv2d(y, kd.randn([8, 16, 3, 3]), null, { stride: 2 }); // the im2col path
    const pooled = F.maxPool2d(y.relu(), 2);
    pooled.sum().add(ys.square().mean()).backward();
    Object.assign(out, {
      conv: await bytes(y), "conv.stride2": await bytes(ys), maxpool: await bytes(pooled),
      "conv.grad_x": await bytes(x.grad!), "conv.grad_w": await bytes(w.grad!), "conv.grad_b": await bytes(bias.grad!),
    });
    out["avgpool"] = await bytes(F.avgPool2d(kd.randn([8, 16, 30, 30]), 3));

    const logits = kd.randn([512, 1000]).requiresGrad_();
    const sm = logits.softmax(1);
    const lsm = logits.logSoftmax(1);
    lsm.mean().backward();
    Object.assign(out, { softmax: await bytes(sm), logSoftmax: await bytes(lsm), "logSoftmax.grad": await bytes(logits.grad!) });

    const big = kd.randn([1 << 20]);
    const m = kd.randn([1024, 1024]);
    Object.assign(out, {
      sum: await bytes(big.sum()), mean: await bytes(big.mean()), "sum.dim0": await bytes(m.sum(0)), "sum.dim1": await bytes(m.sum(1)),
      "max.dim1": await bytes(m.amax(1)), argmax: await bytes(m.argmax(1)),
      add: await bytes(m.add(kd.randn([1024]))), exp: await bytes(m.exp()), mul: await bytes(m.mul(m)),
      where: await bytes(kd.where(m.gt(0), m, m.neg())),
    });

    const p = kd.randn([1 << 18]).requiresGrad_();
    const opt = new kd.optim.Adam([p], { lr: 0.01 });
    for (let s = 0; s < 3; s++) {
      opt.zeroGrad();
      p.square().sum().backward();
      opt.step();
    }
    out["adam"] = await bytes(p.detach());
  });
  return out;
}

/** Seeded TinyVGG trained `steps` SGD-momentum steps on fixed random batches: losses and final weights, as bytes. */
export async function tinyVggRun(kd: Kd, steps: number): Promise<{ losses: number[]; weights: Uint8Array[] }> {
  kd.manualSeed(3);
  const model = new kd.models.TinyVGG(1, 10, 10);
  const opt = new kd.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const lossFn = new kd.nn.CrossEntropyLoss();
  const xs = kd.randn([32, 1, 28, 28]);
  const ys = kd.randint(0, 10, [32]);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = lossFn.forward(model.forward(xs), ys);
    loss.backward();
    opt.step();
    losses.push(await loss.itemAsync());
  }
  const weights = await Promise.all(model.parameters().map((t) => bytes(t.detach())));
  xs.dispose();
  ys.dispose();
  return { losses, weights };
}

/** The names of entries of `b` whose bytes differ from `a`'s (or are missing). */
export function differing(a: Record<string, Uint8Array>, b: Record<string, Uint8Array>): string[] {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].filter((n) => !a[n] || !b[n] || a[n].length !== b[n].length || a[n].some((v, i) => v !== b[n][i]));
}
