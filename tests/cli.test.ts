// `kindling train / evaluate / predict` (ts/cli/): run through their main() on real FashionMNIST
// images, and once through bin/kindling.mjs. A resumed run must continue exactly where an
// uninterrupted one goes; evaluate and predict must agree with the model's own forward pass.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import * as kd from "kindling";
import { main as train } from "../ts/cli/train.js";
import { main as evaluate } from "../ts/cli/evaluate.js";
import { main as predict } from "../ts/cli/predict.js";
import { parseArgs } from "../ts/cli/args.js";
import { loadModel } from "../ts/cli/shared.js";

const dir = mkdtempSync(path.join(tmpdir(), "kd-cli-"));
const f = (name: string) => path.join(dir, name);
const capture = () => {
  let text = "";
  return { stdout: { write: (s: string) => { text += s; } }, get text() { return text; } };
};
const common = ["--limit", "384", "--test-limit", "200", "--batch-size", "32", "--seed", "3"];
const epochLine = (text: string, e: number) => text.split("\n").find((l) => l.startsWith(`epoch ${e} |`));

describe("kindling train / evaluate / predict", () => {
  it("train writes the model, a checkpoint and the loss curve; a resumed run matches an uninterrupted one", async () => {
    const full = capture();
    expect(await train([...common, "--epochs", "3", "--out", f("full.safetensors")], full)).toBe(0);
    for (const p of ["full.safetensors", "full.ckpt.safetensors", "full.loss.svg"]) expect(existsSync(f(p)), p).toBe(true);
    const svg = readFileSync(f("full.loss.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("train loss");
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(full.text).toMatch(/epoch 1\/3 \[#+\] 12\/12 loss \d\.\d{4} acc/); // the progress bar's last line
    // Three epochs of Adam on 384 images: clearly better than chance (10%).
    const acc3 = Number(/test loss [\d.]+ acc ([\d.]+)%/.exec(epochLine(full.text, 3)!)![1]);
    expect(acc3).toBeGreaterThan(40);

    const part = capture();
    await train([...common, "--epochs", "2", "--out", f("part.safetensors"), "--quiet"], part);
    const resumed = capture();
    await train([...common, "--epochs", "3", "--out", f("resumed.safetensors"), "--resume", f("part.ckpt.safetensors"), "--quiet"], resumed);
    expect(resumed.text).toContain("resumed");
    expect(epochLine(resumed.text, 3)).toBe(epochLine(full.text, 3));
    const a = (await kd.load(f("full.safetensors"))).tensors;
    const b = (await kd.load(f("resumed.safetensors"))).tensors;
    for (const k of Object.keys(a)) expect(kd.allclose(a[k], b[k], { rtol: 0, atol: 0 }), k).toBe(true);
  });

  it("evaluate reports what the model computes on the test split", async () => {
    const out = capture();
    expect(await evaluate(["--weights", f("full.safetensors"), "--limit", "200", "--json"], out)).toBe(0);
    const r = JSON.parse(out.text);
    expect(r.samples).toBe(200);
    expect(r.confusion.flat().reduce((s: number, v: number) => s + v, 0)).toBe(200);
    const { model } = await loadModel(f("full.safetensors"));
    const test = await kd.datasets.FashionMNIST.load({ train: false, transform: new kd.transforms.ToTensor() });
    const [x, y] = test.getBatch(Array.from({ length: 200 }, (_, i) => i));
    const logits = kd.noGrad(() => model.forward(x));
    const acc = (logits.argmax(1).eq(y).sum().item() as number) / 200;
    expect(r.accuracy).toBeCloseTo(acc, 10);
    expect(r.loss).toBeCloseTo(new kd.nn.CrossEntropyLoss().forward(logits, y).item() as number, 4);
    const text = capture();
    await evaluate(["--weights", f("full.safetensors"), "--limit", "200"], text);
    expect(text.text).toContain(`accuracy ${(100 * acc).toFixed(2)}%`);
  });

  it("predict gives a PNG of a test image the probabilities of the model on that image", async () => {
    const test = await kd.datasets.FashionMNIST.load({ train: false });
    const files: string[] = [];
    for (const i of [0, 1]) {
      const png = new PNG({ width: 28, height: 28, colorType: 0 });
      const px = test.images.subarray(i * 784, (i + 1) * 784);
      for (let j = 0; j < 784; j++) png.data.set([px[j], px[j], px[j], 255], 4 * j);
      files.push(f(`test${i}.png`));
      writeFileSync(files[i], PNG.sync.write(png));
    }
    const out = capture();
    expect(await predict([...files, "--weights", f("full.safetensors"), "--top", "3", "--json"], out)).toBe(0);
    const r = JSON.parse(out.text);
    const { model } = await loadModel(f("full.safetensors"));
    const x = new kd.transforms.ToTensor().apply({ data: test.images.subarray(0, 784), height: 28, width: 28, channels: 1 }).unsqueeze(0);
    const probs = kd.noGrad(() => kd.softmax(model.forward(x), 1)).dataSync();
    const best = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]);
    expect(r).toHaveLength(2);
    expect(r[0].top.map((t: { index: number }) => t.index)).toEqual(best.slice(0, 3));
    r[0].top.forEach((t: { prob: number; index: number; label: string }) => {
      expect(t.prob).toBeCloseTo(probs[t.index], 6);
      expect(t.label).toBe(test.classes[t.index]);
    });
    expect(r[0].ms).toBeGreaterThan(0);
  });

  it("--data <folder>: trains on an ImageFolder of PNGs (3 FashionMNIST classes); evaluate and predict read the same folder", async () => {
    const folder = await kd.datasets.makeFashionFolder(f("fashion3"), { fraction: 0.1 });
    const log = capture();
    expect(await train(["--data", folder.root, "--epochs", "4", "--batch-size", "16", "--out", f("folder.safetensors"), "--quiet"], log)).toBe(0);
    expect(log.text).toContain(`data: ${folder.counts.train} train images (${path.join(folder.root, "train")})`);
    const { model, config } = await loadModel(f("folder.safetensors"));
    expect(config).toMatchObject({ model: "tinyvgg", inChannels: 1, imageSize: 28, classes: ["coat", "pullover", "shirt"] }); // sorted folder names
    const ev = capture();
    await evaluate(["--weights", f("folder.safetensors"), "--data", folder.root, "--json"], ev);
    const r = JSON.parse(ev.text);
    expect(r.samples).toBe(folder.counts.test);
    // The same images through the library: ImageFolder in grey, the saved model's forward.
    const test = new kd.datasets.ImageFolder<kd.Tensor>(folder.test, { mode: "L", transform: new kd.transforms.ToTensor() });
    const [x, y] = kd.data.defaultCollate(Array.from({ length: test.length }, (_, i) => test.getItem(i))) as [kd.Tensor, kd.Tensor];
    const logits = kd.noGrad(() => model.forward(x));
    expect(r.accuracy).toBeCloseTo((logits.argmax(1).eq(y).sum().item() as number) / test.length, 10);
    expect(r.accuracy).toBeGreaterThan(0.45); // 3 classes: chance is 33%
    const p = capture();
    await predict([test.samples[0][0], "--weights", f("folder.safetensors"), "--json"], p);
    expect(JSON.parse(p.text)[0].top[0].index).toBe(logits.get(0).argmax().item());
  });

  it("bad flags are clear errors: unknown (did you mean), bad numbers, bad choices, missing files", async () => {
    const spec = (await import("../ts/cli/train.js")).spec;
    expect(() => parseArgs(spec, ["--epochz", "3"])).toThrow(/unknown flag --epochz \(did you mean --epochs\?\)/);
    expect(() => parseArgs(spec, ["--batch_size", "3"])).toThrow(/did you mean --batch-size\?/);
    expect(() => parseArgs(spec, ["--epochs", "three"])).toThrow(/--epochs expects an integer, got "three"/);
    expect(() => parseArgs(spec, ["--lr", "-1"])).toThrow(/--lr must be >= 0, got -1/);
    expect(() => parseArgs(spec, ["--model", "tinyvg"])).toThrow(/--model must be one of tinyvgg, mlp, linear, got "tinyvg" \(did you mean tinyvgg\?\)/);
    expect(() => parseArgs(spec, ["--epochs"])).toThrow(/--epochs needs a value/);
    expect(() => parseArgs(spec, ["extra"])).toThrow(/unexpected argument "extra"/);
    expect(parseArgs(spec, ["--lr=0.5", "--quiet", "--epochs", "2"]).flags).toMatchObject({ lr: 0.5, quiet: true, epochs: 2, "batch-size": 32 });
    await expect(predict([])).rejects.toThrow(/expected <image\.\.\.>/);
    await expect(predict([f("missing.png"), "--weights", f("full.safetensors")])).rejects.toThrow(/missing\.png: no such file/);
    await expect(evaluate(["--weights", f("full.loss.svg")])).rejects.toThrow(kd.KindlingError);
    await expect(train(["--device", "cuda"])).rejects.toThrow(/--device must be one of cpu, got "cuda"/);
  });

  it("npx kindling dispatches to the commands, exits 1 with the message on a bad flag", () => {
    const bin = path.resolve("bin/kindling.mjs");
    const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    for (const c of ["train", "evaluate", "predict"]) expect(help.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
    const bad = spawnSync(process.execPath, [bin, "train", "--epcohs", "1"], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("unknown flag --epcohs (did you mean --epochs?)");
    const ok = spawnSync(process.execPath, [bin, "predict", f("test0.png"), "--weights", f("full.safetensors"), "--top", "1"], { encoding: "utf8" });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/test0\.png: \S.* \d+\.\d% \(\d+\.\d ms\)/);
  });
});
