// Chapter 5, going modular: the training loop of chapter 3 as library functions
// (kd.training.trainStep / testStep / train, the course's engine.py) and as a command
// (`npx kindling train / evaluate / predict`, the course's train.py). The library half trains
// TinyVGG and plots the history train() returns; the command half trains the same way from a
// shell, evaluates the saved model and predicts PNG files, and the example checks the command's
// predictions against the saved model loaded back with kd.classifier.
// Flags: --epochs 3 --limit 2000 (training images) --test-limit 1000 --batch-size 32 --lr 0.001
// --seed 42 --data fashion-mnist (or a folder with train/ and test/ class subfolders).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PNG } from "pngjs";
import * as kd from "kindling";
import { outPath, writeAtomic } from "./common.js";

const BIN = fileURLToPath(new URL("../bin/kindling.mjs", import.meta.url));
const kindling = (args: string[]) => execFileSync(process.execPath, [BIN, ...args], { encoding: "utf8" });

export async function main(opts: Record<string, string> = {}) {
  const epochs = Number(opts.epochs ?? 3);
  const limit = Number(opts.limit ?? 2000);
  const testLimit = Number(opts["test-limit"] ?? 1000);
  const batchSize = Number(opts["batch-size"] ?? 32);
  const lr = Number(opts.lr ?? 0.001);
  const seed = Number(opts.seed ?? 42);

  // ---- the library: engine.py's train() ------------------------------------------------------
  kd.manualSeed(seed);
  const toTensor = new kd.transforms.ToTensor();
  const first = <T>(ds: kd.data.MapDataset<T>, n: number) => new kd.data.Subset(ds, Array.from({ length: Math.min(n, ds.length) }, (_, i) => i));
  const trainAll = await kd.datasets.FashionMNIST.load({ train: true, transform: toTensor });
  const testAll = await kd.datasets.FashionMNIST.load({ train: false, transform: toTensor });
  const trainLoader = new kd.data.DataLoader(first(trainAll, limit), { batchSize, shuffle: true, seed });
  const testLoader = new kd.data.DataLoader(first(testAll, testLimit), { batchSize: 256 });
  const model = new kd.models.TinyVGG(1, 10, trainAll.classes.length);
  const optimizer = new kd.optim.Adam(model.parameters(), { lr });
  const history = await kd.training.train(model, trainLoader, testLoader, optimizer, new kd.nn.CrossEntropyLoss(), epochs, {
    progress: true,
    onEpoch: (e, r) => console.log(`epoch ${e} | train loss ${r.trainLoss.toFixed(4)} acc ${(100 * r.trainAcc).toFixed(2)}% | test loss ${r.testLoss.toFixed(4)} acc ${(100 * r.testAcc).toFixed(2)}%`),
  });
  const curves = outPath(opts, "05-going-modular-curves.svg");
  writeAtomic(curves, kd.plot.lineChart([
    { name: "train loss", values: history.trainLoss, x: history.trainLoss.map((_, i) => i + 1) },
    { name: "test loss", values: history.testLoss, x: history.testLoss.map((_, i) => i + 1) },
  ], { title: "kd.training.train: TinyVGG on FashionMNIST", xlabel: "epoch", ylabel: "loss" }));

  // ---- the commands: train, evaluate, predict --------------------------------------------------
  const weights = outPath(opts, "05-tinyvgg.safetensors");
  const common = ["--limit", String(limit), "--batch-size", String(batchSize), "--lr", String(lr), "--seed", String(seed)];
  const trainLog = kindling(["train", "--data", opts.data ?? "fashion-mnist", "--model", "tinyvgg", "--epochs", String(epochs), ...common, "--test-limit", String(testLimit), "--out", weights, "--quiet"]);
  // Same seed, data, model and optimizer: the command's run is the library's, epoch for epoch.
  const cliTestAcc = Number(/^epoch \d+ \| .* test loss [\d.]+ acc ([\d.]+)%/m.exec(trainLog.split("\n").filter((l) => l.startsWith("epoch ")).at(-1) ?? "")?.[1]) / 100;
  console.log(`kindling train: last epoch's test accuracy ${(100 * cliTestAcc).toFixed(2)}% (the library's: ${(100 * history.testAcc.at(-1)!).toFixed(2)}%)`);
  const evaluation = JSON.parse(kindling(["evaluate", "--weights", weights, "--data", opts.data ?? "fashion-mnist", "--limit", String(testLimit), "--json"]));
  console.log(`kindling evaluate: accuracy ${(100 * evaluation.accuracy).toFixed(2)}% on ${evaluation.samples} test images`);
  // Three test images as PNG files, predicted by the command and by the saved model in-process.
  const raw = await kd.datasets.FashionMNIST.load({ train: false });
  const images = [0, 1, 2].map((i) => {
    const png = new PNG({ width: 28, height: 28 });
    for (let j = 0; j < 784; j++) png.data.set([raw.images[i * 784 + j], raw.images[i * 784 + j], raw.images[i * 784 + j], 255], 4 * j);
    const file = outPath(opts, `05-test-${i}.png`);
    writeFileSync(file, PNG.sync.write(png));
    return file;
  });
  const predictions = JSON.parse(kindling(["predict", ...images, "--weights", weights, "--top", "3", "--json"])) as { image: string; top: { label: string; index: number; prob: number }[]; ms: number }[];
  for (const p of predictions) console.log(`kindling predict ${p.image}: ${p.top.map((t) => `${t.label} ${(100 * t.prob).toFixed(1)}%`).join(", ")} (${p.ms.toFixed(1)} ms)`);
  const saved = await kd.classifier.load(weights);
  const inProcess = kd.noGrad(() => saved.model.forward(testAll.getBatch([0, 1, 2])[0]).argmax(1).dataSync());
  return {
    history,
    testAcc: history.testAcc.at(-1)!,
    cliTestAcc,
    cliAccuracy: evaluation.accuracy as number,
    predicted: predictions.map((p) => p.top[0].index),
    inProcess: Array.from(inProcess),
    labels: Array.from(raw.labels.subarray(0, 3)),
    files: [curves, weights, weights.replace(/\.safetensors$/, ".loss.svg")],
  };
}
