// The vision kernels on webgpu (Dawn + SwiftShader in Node): every conv2d, conv_transpose2d,
// max/avg/adaptive pooling and interpolate case of tests/fixtures/cv.json (PyTorch's values,
// from scripts/gen_cv_fixtures.py) replayed with its inputs on "webgpu": the forward values,
// max pooling's indices exactly, and the gradient of every input, under cv.test.ts's
// tolerances (rtol 1e-4, atol 1e-5). Then, against the CPU's result: convolutions with more
// channels than one tile and a weight gradient deep enough to be split, and matmul shapes the forward fixtures do not reach (tile edges,
// strided and broadcast operands, many batches).
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { FNS, type Case, type Inputs } from "./helpers/cv-fns.js";
import { decode, expectCloseAsync } from "./helpers/torch-fixture.js";
import { useSwiftShader } from "./helpers/swiftshader.js";

useSwiftShader();
await kd.ready();
await kd.webgpu.init();

const doc = JSON.parse(readFileSync(new URL("./fixtures/cv.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };
const RTOL = 1e-4, ATOL = 1e-5;
/** The fixture fns whose kernels are this family's (norms, pad and embedding are other ops). */
const VISION = ["conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "interpolate"];

async function replayOnGpu(c: Case): Promise<void> {
  await kd.tidy(async () => {
    const inputs: Inputs = {};
    for (const [k, v] of Object.entries(c.inputs)) {
      inputs[k] = decode(v).to("webgpu");
      if (k in c.grads) inputs[k].requiresGrad_(true);
    }
    const res = FNS[c.fn](inputs, c.args);
    const out = Array.isArray(res) ? res[0] : res;
    expect(out.device).toBe("webgpu");
    await expectCloseAsync(`${c.name} out`, out, c.out, RTOL, ATOL);
    if (c.indices) {
      const idx = (res as [kd.Tensor, kd.Tensor])[1];
      expect(idx.dtype).toBe("int32");
      expect(idx.shape).toEqual(c.indices.shape);
      expect(Array.from(await idx.data())).toEqual(c.indices.values);
    }
    if (!c.grad_out) return;
    out.backward(decode(c.grad_out).to("webgpu"));
    for (const [k, g] of Object.entries(c.grads)) {
      if (g === null) expect(inputs[k].grad, `${c.name} grad ${k}`).toBeNull();
      else await expectCloseAsync(`${c.name} grad ${k}`, inputs[k].grad, g, RTOL, ATOL);
    }
  });
}

describe(`webgpu vision kernels against PyTorch ${doc.torch} (cv.json)`, () => {
  const cases = doc.cases.filter((c) => VISION.includes(c.fn));
  it("replays every vision fn's cases", () => {
    for (const fn of VISION) expect(cases.some((c) => c.fn === fn), fn).toBe(true);
    expect(cases.length).toBeGreaterThanOrEqual(150);
  });
  // padding="same" with an odd total pads x with cat first: cat has no webgpu kernel yet, and
  // those cases must be refused by that name (they run once it has one)
  let waiting = 0;
  afterAll(() => console.log(`webgpu vision: ${cases.length - waiting} of ${cases.length} cv.json cases match torch; ${waiting} wait for cat on webgpu`));
  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    try {
      await replayOnGpu(c);
    } catch (e) {
      if (!/^cat is not supported on webgpu/.test((e as Error).message)) throw e;
      expect(c.name).toMatch(/same/);
      waiting++;
    }
  });
});

describe("webgpu convolutions past the fixtures' sizes, against the cpu", () => {
  const F = kd.nn.functional;
  /** |got - want| <= atol + rtol |want| elementwise (got read back from the GPU). */
  async function near(what: string, got: kd.Tensor, want: kd.Tensor, rtol: number, atol: number): Promise<void> {
    expect(got.device, what).toBe("webgpu");
    expect(got.shape, what).toEqual(want.shape);
    const [g, w] = [await got.data(), want.dataSync()];
    for (let i = 0; i < w.length; i++) {
      const err = Math.abs(Number(g[i]) - Number(w[i]));
      if (err > atol + rtol * Math.abs(Number(w[i]))) expect.fail(`${what}[${i}]: webgpu ${g[i]}, cpu ${w[i]}`);
    }
  }
  /** conv2d(x, w, b) and the gradients of its float inputs for the upstream gradient gy, on `dev`. */
  function run(dev: kd.Device, x: kd.Tensor, w: kd.Tensor, b: kd.Tensor | null, gy: kd.Tensor, opts: Record<string, unknown>): kd.Tensor[] {
    const [xd, wd] = [x.to(dev).requiresGrad_(true), w.to(dev).requiresGrad_(true)];
    const bd = b ? b.to(dev).requiresGrad_(true) : null;
    const y = F.conv2d(xd, wd, bd, opts);
    y.backward(gy.to(dev));
    return [y, xd.grad!, wd.grad!, ...(bd ? [bd.grad!] : [])];
  }

  it("channels past one 32-row tile (36 in, 40 out), stride 2, padding 1, bias: values and every gradient", async () => {
    kd.manualSeed(5);
    await kd.tidy(async () => {
      const [x, w, b, gy] = [kd.randn([2, 36, 9, 11]), kd.randn([40, 36, 3, 3]), kd.randn([40]), kd.randn([2, 40, 5, 6])];
      const opts = { stride: 2, padding: 1 };
      const want = run("cpu", x, w, b, gy, opts), got = run("webgpu", x, w, b, gy, opts);
      // sums of ~300 products of N(0,1) values (|y| ~ 20): float32 reordering error ~1e-5
      for (const [i, name] of ["out", "grad x", "grad w", "grad b"].entries()) await near(name, got[i], want[i], 1e-4, 1e-4);
    });
  });

  it("a weight gradient over n*oh*ow past one split of k (4096): the partials summed, the same bits every run", async () => {
    kd.manualSeed(3);
    await kd.tidy(async () => {
      const [x, w, gy] = [kd.randn([2, 4, 40, 60]), kd.randn([6, 2, 3, 3]), kd.randn([2, 6, 40, 60])];
      const opts = { padding: 1, groups: 2 };
      const want = run("cpu", x, w, null, gy, opts)[2], got = run("webgpu", x, w, null, gy, opts)[2];
      // sums of 4800 products of N(0,1) values (|dW| ~ 70): float32 reordering error ~1e-4
      await near("grad w", got, want, 1e-5, 1e-3);
      const again = run("webgpu", x, w, null, gy, opts)[2];
      expect(Array.from(await again.data())).toEqual(Array.from(await got.data()));
    });
  });
});

describe("webgpu matmul beyond the fixtures, against the cpu", () => {
  /** a @ b on both devices (a, b built on the cpu by `make`); the cpu's result is torch-checked in conformance.test.ts. */
  async function same(make: () => [kd.Tensor, kd.Tensor], rtol = 1e-5, atol = 1e-5): Promise<void> {
    await kd.tidy(async () => {
      const [a, b] = make();
      const want = a.matmul(b);
      const got = a.to("webgpu").matmul(b.to("webgpu"));
      expect(got.device).toBe("webgpu");
      expect(got.shape).toEqual(want.shape);
      const [g, w] = [await got.data(), want.dataSync()];
      let worst = 0;
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(Number(g[i]) - Number(w[i])) - rtol * Math.abs(Number(w[i])));
      expect(worst).toBeLessThanOrEqual(atol);
    });
  }
  kd.manualSeed(7);
  it("tile edges: 33x65 @ 65x31, 1x97 @ 97x64, 64x32 @ 32x1", async () => {
    await same(() => [kd.randn([33, 65]), kd.randn([65, 31])]);
    await same(() => [kd.randn([1, 97]), kd.randn([97, 64])]);
    await same(() => [kd.randn([64, 32]), kd.randn([32, 1])]);
  });
  it("transposed, sliced and broadcast operands are read through their strides", async () => {
    await same(() => [kd.randn([40, 35]).t(), kd.randn([33, 40]).t()]);
    await same(() => [kd.randn([3, 1, 34, 20]), kd.randn([5, 20, 9])]);
    await same(() => [kd.randn([2, 36, 50]).slice(2, 3, 40), kd.randn([37, 12]).expand([2, 37, 12])]);
  });
  it("many small batches", async () => {
    await same(() => [kd.randn([300, 2, 3]), kd.randn([300, 3, 5])]);
  });
});
