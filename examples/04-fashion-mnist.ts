// Chapter 3, computer vision: TinyVGG (the course's CNN) trained on the real FashionMNIST,
// with a progress bar, per-epoch train/test loss and accuracy, a confusion matrix and a grid
// of predictions. `npm run demo` runs it; flags: --epochs 3 --batch-size 32 --lr 0.1
// --model tinyvgg|mlp|linear --seed 42 --device cpu --limit N (first N training images).
import * as kd from "kindling";
import { outPath, writeAtomic } from "./common.js";

/** The course's TinyVGG and the other demo models live in the library (kd.models), shared with kd.worker. */
export const TinyVGG = kd.models.TinyVGG;
export type TinyVGG = kd.models.TinyVGG;
export const makeModel = kd.models.makeModel;

async function evaluate<T>(model: kd.nn.Module, loader: kd.data.DataLoader<T, [kd.Tensor, kd.Tensor]>, lossFn: kd.nn.CrossEntropyLoss) {
  model.eval();
  let loss = 0, correct = 0, n = 0;
  const preds: number[] = [];
  const targets: number[] = [];
  for await (const [x, y] of loader) {
    kd.noGrad(() => kd.tidy(() => {
      const logits = model.forward(x);
      loss += (lossFn.forward(logits, y).item() as number) * y.size(0);
      const p = logits.argmax(1);
      correct += p.eq(y).sum().item() as number;
      preds.push(...p.dataSync());
      targets.push(...y.dataSync());
    }));
    n += y.size(0);
    x.dispose(); y.dispose();
  }
  return { loss: loss / n, acc: correct / n, preds, targets };
}

export async function main(opts: Record<string, string> = {}) {
  const epochs = Number(opts.epochs ?? 3);
  const batchSize = Number(opts["batch-size"] ?? 32);
  const lr = Number(opts.lr ?? 0.1);
  const seed = Number(opts.seed ?? 42);
  const device = opts.device ?? "cpu";
  if (device !== "cpu") throw new kd.DeviceError(`device "${device}" is not available in this build; use --device cpu`);
  kd.manualSeed(seed);

  const toTensor = new kd.transforms.ToTensor();
  const trainFull = await kd.datasets.FashionMNIST.load({ train: true, transform: toTensor, root: opts.root });
  const testData = await kd.datasets.FashionMNIST.load({ train: false, transform: toTensor, root: opts.root });
  const limit = opts.limit ? Number(opts.limit) : trainFull.length;
  const trainData = limit < trainFull.length ? new kd.data.Subset(trainFull, Array.from({ length: limit }, (_, i) => i)) : trainFull;
  const trainLoader = new kd.data.DataLoader(trainData, { batchSize, shuffle: true, seed });
  const testLoader = new kd.data.DataLoader(testData, { batchSize: 256 });
  console.log(`FashionMNIST: ${trainData.length} train / ${testData.length} test images from ${trainFull.root}`);

  const model = makeModel(opts.model ?? "tinyvgg");
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
      const l = loss.item() as number;
      lossSum += l * y.size(0);
      correct += kd.noGrad(() => kd.tidy(() => logits.argmax(1).eq(y).sum().item() as number));
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
  const predicted = kd.noGrad(() => kd.tidy(() => { model.eval(); return model.forward(sample[0]).argmax(1); }));
  writeAtomic(files[1], kd.plot.imageGridSvg(sample[0], { labels: sample[1].dataSync(), predictions: predicted.dataSync(), classNames: classes }));
  writeAtomic(files[2], kd.plot.lineChart([
    { name: "train loss", values: history.map((h) => h.trainLoss) },
    { name: "test loss", values: history.map((h) => h.testLoss) },
    { name: "test accuracy", values: history.map((h) => h.testAcc) },
  ], { title: "TinyVGG on FashionMNIST", xlabel: "epoch" }));
  console.log(`wrote ${files.join(", ")}`);
  return { history, testAcc: last.acc, files };
}
