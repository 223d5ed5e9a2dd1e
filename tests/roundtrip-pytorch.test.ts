// The live round trip with real PyTorch (Debian's python3-torch), both directions, on real
// FashionMNIST: a TinyVGG trained in Kindling and saved with kd.save loads into PyTorch's TinyVGG
// (strict key names, F32 dtypes) and gives Kindling's logits on 100 test images; a TinyVGG trained
// in PyTorch and written as safetensors loads into Kindling (loadStateDict strict) and gives
// PyTorch's logits. scripts/check_safetensors_torch.py is the PyTorch half (struct + json only).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { TinyVGG } from "../examples/04-fashion-mnist.js";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../scripts/check_safetensors_torch.py", import.meta.url));
const FMNIST = "/usr/share/datasets/fashion-mnist";
const STEPS = 30;
const BATCH = 32;

/** Max of |got - want| / (1 + |want|) over two equally long arrays, and the max of |got - want|. */
function maxErr(got: ArrayLike<number>, want: ArrayLike<number>): { rel: number; abs: number } {
  expect(got.length).toBe(want.length);
  let rel = 0, abs = 0;
  for (let i = 0; i < got.length; i++) {
    abs = Math.max(abs, Math.abs(got[i] - want[i]));
    rel = Math.max(rel, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  }
  return { rel, abs };
}

function accuracy(logits: kd.Tensor, labels: kd.Tensor): number {
  return kd.tidy(() => (logits.argmax(1).eq(labels).sum().item() as number) / labels.size(0));
}

/** The dtype names in a safetensors file's own header. */
function headerDtypes(file: string): Record<string, string> {
  const b = readFileSync(file);
  const h = JSON.parse(b.subarray(8, 8 + Number(b.readBigUInt64LE(0))).toString());
  delete h.__metadata__;
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, (v as { dtype: string }).dtype]));
}

describe("round trip with PyTorch", () => {
  it("Kindling -> PyTorch and PyTorch -> Kindling: same logits on 100 FashionMNIST test images within 1e-5", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kd-roundtrip-"));
    const toTensor = new kd.transforms.ToTensor();
    const train = await kd.datasets.FashionMNIST.load({ root: FMNIST, train: true, transform: toTensor });
    const test = await kd.datasets.FashionMNIST.load({ root: FMNIST, train: false, transform: toTensor });
    const [x, y] = test.getBatch(Array.from({ length: 100 }, (_, i) => i)) as [kd.Tensor, kd.Tensor];
    const [trainX, trainY] = train.getBatch(Array.from({ length: STEPS * BATCH }, (_, i) => i)) as [kd.Tensor, kd.Tensor];

    // Kindling trains a TinyVGG for a few dozen steps and saves it.
    kd.manualSeed(0);
    const model = new TinyVGG(1, 10, 10);
    const opt = new kd.optim.Adam(model.parameters(), { lr: 3e-3 });
    const lossFn = new kd.nn.CrossEntropyLoss();
    const loader = new kd.data.DataLoader(new kd.data.TensorDataset(trainX, trainY), { batchSize: BATCH, shuffle: true, seed: 1 });
    for (const [xb, yb] of loader as Iterable<[kd.Tensor, kd.Tensor]>) {
      const loss = lossFn.forward(model.forward(xb), yb);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      loss.dispose(); xb.dispose(); yb.dispose();
    }
    model.eval();
    const ours = kd.noGrad(() => model.forward(x));
    const kindlingFile = path.join(dir, "kindling_tinyvgg.safetensors");
    await kd.save(model.stateDict(), kindlingFile);
    const inputs = path.join(dir, "inputs.safetensors");
    await kd.save({ x, train_x: trainX, train_y: trainY }, inputs);

    // PyTorch loads it and trains its own, in one process.
    const r = spawnSync(PYTHON, [SCRIPT, kindlingFile, inputs, dir, String(STEPS)], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);

    // (a) key names and dtypes as PyTorch saw them, and PyTorch's logits from Kindling's weights
    const ownKeys = Object.keys(model.stateDict({ keepVars: true }));
    expect(summary.kindling_keys.slice().sort()).toEqual(ownKeys.slice().sort());
    expect(summary.kindling_keys.slice().sort()).toEqual(summary.torch_keys.slice().sort());
    expect(new Set(Object.values(summary.kindling_dtypes))).toEqual(new Set(["F32"]));
    const { tensors: out } = await kd.load(path.join(dir, "torch_logits.safetensors"));
    const errA = maxErr(ours.dataSync(), out.logits_of_kindling_model.dataSync());
    expect(errA.rel).toBeLessThanOrEqual(1e-5);
    const accA = accuracy(ours, y);
    expect(accA).toBeGreaterThan(0.4); // it was trained (chance is 0.1)

    // (b) PyTorch's TinyVGG into Kindling: strict keys, F32 -> float32, PyTorch's logits
    const torchFile = path.join(dir, "torch_model.safetensors");
    expect(new Set(Object.values(headerDtypes(torchFile)))).toEqual(new Set(["F32"]));
    const { tensors, metadata } = await kd.load(torchFile);
    expect(metadata).toMatchObject({ format: "pt", source: "scripts/check_safetensors_torch.py" });
    expect(Object.keys(tensors).sort()).toEqual(summary.torch_keys.slice().sort());
    for (const [k, t] of Object.entries(tensors)) expect(t.dtype, k).toBe(summary.torch_dtypes[k] === "torch.float32" ? "float32" : summary.torch_dtypes[k]);
    const theirs = new TinyVGG(1, 10, 10);
    expect(theirs.loadStateDict(tensors, { strict: true })).toEqual({ missingKeys: [], unexpectedKeys: [] });
    theirs.eval();
    const logitsB = kd.noGrad(() => theirs.forward(x));
    const errB = maxErr(logitsB.dataSync(), out.logits_of_torch_model.dataSync());
    expect(errB.rel).toBeLessThanOrEqual(1e-5);
    const accB = accuracy(logitsB, y);
    expect(accB).toBeGreaterThan(0.4);
    const losses = summary.torch_losses as number[];
    expect(losses.length).toBe(STEPS);
    expect(losses.slice(-5).reduce((s, v) => s + v)).toBeLessThan(losses.slice(0, 5).reduce((s, v) => s + v));
    const f = (e: { rel: number; abs: number }) => `max err ${e.abs.toExponential(2)} (relative ${e.rel.toExponential(2)})`;
    console.log(`round trip (torch ${summary.torch}): Kindling->PyTorch ${f(errA)}, accuracy ${accA}; PyTorch->Kindling ${f(errB)}, accuracy ${accB}`);
  });
});
