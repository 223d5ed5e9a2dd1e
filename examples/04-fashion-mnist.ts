// Chapter 3, computer vision: TinyVGG (the course's CNN) trained on the real FashionMNIST,
// with a progress bar, per-epoch train/test loss and accuracy, a confusion matrix and a grid
// of predictions. `npm run demo` runs it; flags: --epochs 3 --batch-size 32 --lr 0.1
// --model tinyvgg|mlp|linear --seed 42 --device cpu|webgpu --limit N (first N training images)
// --test-limit N (first N test images).
import * as kd from "kindling";
import { outPath, writeAtomic } from "./common.js";

/** The course's TinyVGG and the other demo models live in the library (kd.models), shared with kd.worker. */
export const TinyVGG = kd.models.TinyVGG;
export type TinyVGG = kd.models.TinyVGG;
export const makeModel = kd.models.makeModel;

/** Test loss and accuracy, and every prediction; reads are awaited, so any device works. */
async function evaluate<T>(model: kd.nn.Module, loader: kd.data.DataLoader<T, [kd.Tensor, kd.Tensor]>, lossFn: kd.nn.CrossEntropyLoss) {
  model.eval();
  let loss = 0, correct = 0, n = 0;
  const preds: number[] = [];
  const targets: number[] = [];
  for await (const [x, y] of loader) {
    const [l, p] = kd.noGrad(() => kd.tidy(() => {
      const logits = model.forward(x);
      return [lossFn.forward(logits, y), logits.argmax(1)];
    }));
    const [lv, pv, yv] = await Promise.all([l.itemAsync(), p.data(), y.data()]);
    loss += (lv as number) * y.size(0);
    for (let i = 0; i < pv.length; i++) correct += Number(pv[i] === yv[i]);
    preds.push(...Array.from(pv, Number));
    targets.push(...Array.from(yv, Number));
    for (const t of [l, p, x, y]) t.dispose();
    n += yv.length;
  }
  return { loss: loss / n, acc: correct / n, preds, targets };
}

export async function main(opts: Record<string, string> = {}) {
  const epochs = Number(opts.epochs ?? 3);
  const batchSize = Number(opts["batch-size"] ?? 32);
  const lr = Number(opts.lr ?? 0.1);
  const seed = Number(opts.seed ?? 42);
  const device = (opts.device ?? "cpu") as kd.Device;
  if (device === "webgpu") console.log(`webgpu: ${(await kd.webgpu.init()).adapter}`);
  kd.manualSeed(seed);

  const toTensor = new kd.transforms.ToTensor();
  const trainFull = await kd.datasets.FashionMNIST.load({ train: true, transform: toTensor, root: opts.root });
  const testData = await kd.datasets.FashionMNIST.load({ train: false, transform: toTensor, root: opts.root });
  const firstN = (n: number) => Array.from({ length: n }, (_, i) => i);
  const limit = opts.limit ? Number(opts.limit) : trainFull.length;
  const trainData = limit < trainFull.length ? new kd.data.Subset(trainFull, firstN(limit)) : trainFull;
  const testLimit = opts["test-limit"] ? Number(opts["test-limit"]) : testData.length;
  const testSet = testLimit < testData.length ? new kd.data.Subset(testData, firstN(testLimit)) : testData;
  // The loaders hand out batches on the training device (model.to(device) moves the weights).
  const trainLoader = new kd.data.DataLoader(trainData, { batchSize, shuffle: true, seed, device });
  const testLoader = new kd.data.DataLoader(testSet, { batchSize: 256, device });
  console.log(`FashionMNIST: ${trainData.length} train / ${testSet.length} test images from ${trainFull.root}`);

  const model = makeModel(opts.model ?? "tinyvgg").to(device);
  console.log(model.toString());
  console.log(`parameters: ${model.numParameters()}`);
  const lossFn = new kd.nn.CrossEntropyLoss();
  const optimizer = new kd.optim.SGD(model.parameters(), { lr });

  const history: { epoch: number; trainLoss: number; trainAcc: number; testLoss: number; testAcc: number; samplesPerSec: number }[] = [];
  let last!: Awaited<ReturnType<typeof evaluate>>;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const bar = new kd.ProgressBar({ total: trainLoader.length, label: `epoch ${epoch}/${epochs}` });
    let lossSum = 0, correct = 0, seen = 0;
    for await (const [x, y] of trainLoader) {
      const logits = model.forward(x);
      const loss = lossFn.forward(logits, y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      const hits = kd.noGrad(() => logits.argmax(1).eq(y).sum());
      // awaited reads: on the GPU a sync read would throw (on the CPU they cost the same)
      const [l, h] = await Promise.all([loss.itemAsync(), hits.itemAsync()]);
      hits.dispose();
      lossSum += (l as number) * y.size(0);
      correct += h as number;
      seen += y.size(0);
      bar.update(1, y.size(0), { loss: lossSum / seen });
    }
    const samplesPerSec = bar.samplesPerSecond;
    last = await evaluate(model, testLoader, lossFn);
    history.push({ epoch, trainLoss: lossSum / seen, trainAcc: correct / seen, testLoss: last.loss, testAcc: last.acc, samplesPerSec });
    console.log(`epoch ${epoch} | train loss ${(lossSum / seen).toFixed(4)} acc ${(100 * correct / seen).toFixed(2)}% | test loss ${last.loss.toFixed(4)} acc ${(100 * last.acc).toFixed(2)}% | ${samplesPerSec.toFixed(0)} samples/s`);
  }

  const classes = testData.classes;
  const cm = kd.metrics.confusionMatrix(last.preds, last.targets, classes.length);
  console.log("confusion matrix (rows: true class, columns: predicted):");
  const rows = cm;
  const w = 6;
  console.log(" ".repeat(14) + rows.map((_, j) => String(j).padStart(w)).join(""));
  rows.forEach((r, i) => console.log(classes[i].padEnd(14) + r.map((v) => String(v).padStart(w)).join("")));

  const files = [outPath(opts, "04-fashion-mnist-confusion.svg"), outPath(opts, "04-fashion-mnist-predictions.svg"), outPath(opts, "04-fashion-mnist-curves.svg")];
  writeAtomic(files[0], kd.plot.confusionMatrixSvg(cm, classes));
  const sample = testData.getBatch(Array.from({ length: 16 }, (_, i) => i * 613));
  model.eval();
  const predictedT = kd.noGrad(() => kd.tidy(() => model.forward(sample[0].to(device)).argmax(1)));
  const predicted = Array.from(await predictedT.data(), Number);
  predictedT.dispose();
  writeAtomic(files[1], kd.plot.imageGridSvg(sample[0], { labels: sample[1].dataSync(), predictions: predicted, classNames: classes }));
  writeAtomic(files[2], kd.plot.lineChart([
    { name: "train loss", values: history.map((h) => h.trainLoss) },
    { name: "test loss", values: history.map((h) => h.testLoss) },
    { name: "test accuracy", values: history.map((h) => h.testAcc) },
  ], { title: "TinyVGG on FashionMNIST", xlabel: "epoch" }));
  console.log(`wrote ${files.join(", ")}`);
  return { history, testAcc: last.acc, files };
}
