// Chapter 2, multi-class classification: four Gaussian blobs, a small MLP, cross entropy.
import * as kd from "kindling";
import { outPath, writeAtomic } from "./common.js";

export async function main(opts: Record<string, string> = {}) {
  kd.manualSeed(Number(opts.seed ?? 42));
  // The course's blobs: makeBlobs is sklearn's make_blobs, so random_state 42 gives its points.
  const { X, y } = kd.datasets.makeBlobs({ nSamples: 1000, nFeatures: 2, centers: 4, clusterStd: 1.5, seed: Number(opts.dataSeed ?? 42) });
  const [XTrain, XTest, yTrain, yTest] = [X.get(":800"), X.get("800:"), y.get(":800"), y.get("800:")];

  const model = new kd.nn.Sequential(new kd.nn.Linear(2, 8), new kd.nn.ReLU(), new kd.nn.Linear(8, 8), new kd.nn.ReLU(), new kd.nn.Linear(8, 4));
  const lossFn = new kd.nn.CrossEntropyLoss();
  const optimizer = new kd.optim.SGD(model.parameters(), { lr: 0.1 });
  const epochs = Number(opts.epochs ?? 1000);
  const curve: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    model.train();
    const loss = lossFn.forward(model.forward(XTrain), yTrain);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    curve.push(loss.item() as number);
    if (epoch % 50 === 0) console.log(`epoch ${epoch} | loss ${curve.at(-1)!.toFixed(5)}`);
  }
  model.eval();
  const testAcc = kd.noGrad(() => kd.metrics.accuracy(model.forward(XTest), yTest));
  const trainAcc = kd.noGrad(() => kd.metrics.accuracy(model.forward(XTrain), yTrain));
  console.log(`train accuracy ${(100 * trainAcc).toFixed(1)}%, test accuracy ${(100 * testAcc).toFixed(1)}%`);

  const xv = XTest.dataSync();
  const pts = Array.from(yTest.dataSync(), (l, i) => ({ x: xv[2 * i], y: xv[2 * i + 1], label: Number(l) }));
  const classify = (xs: number[], ys: number[]) => kd.noGrad(() => kd.tidy(() => model.forward(kd.stack([kd.tensor(xs), kd.tensor(ys)], 1)).argmax(1).dataSync()));
  const boundary = outPath(opts, "03-blobs-decision-boundary.svg");
  writeAtomic(boundary, kd.plot.decisionBoundary(pts, classify, { title: `Test accuracy ${(100 * testAcc).toFixed(1)}%` }));
  const curves = outPath(opts, "03-blobs-loss.svg");
  writeAtomic(curves, kd.plot.lineChart([{ name: "train loss", values: curve }], { title: "Cross-entropy loss", xlabel: "epoch" }));
  return { trainAcc, testAcc, files: [boundary, curves] };
}
