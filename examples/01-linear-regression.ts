// Chapter 1, the PyTorch workflow: data -> model -> loss and optimizer -> training loop ->
// evaluate -> save. A linear model learns y = 0.7 x + 0.3 from 50 points.
import * as kd from "kindling";
import { outPath, writeAtomic } from "./common.js";

export async function main(opts: Record<string, string> = {}) {
  kd.manualSeed(Number(opts.seed ?? 42));
  const weight = 0.7;
  const bias = 0.3;

  // Data: X in [0, 1) step 0.02, an 80/20 train/test split.
  const X = kd.arange(0, 1, 0.02).unsqueeze(1);
  const y = X.mul(weight).add(bias);
  const split = Math.floor(0.8 * X.size(0));
  const [XTrain, XTest] = [X.get(`:${split}`), X.get(`${split}:`)];
  const [yTrain, yTest] = [y.get(`:${split}`), y.get(`${split}:`)];

  // Model: one Linear layer (its weight and bias are the two parameters to learn).
  const model = new kd.nn.Linear(1, 1);
  const lossFn = new kd.nn.L1Loss();
  const optimizer = new kd.optim.SGD(model.parameters(), { lr: Number(opts.lr ?? 0.01) });

  const epochs = Number(opts.epochs ?? 1000);
  const trainLoss: number[] = [];
  const testLoss: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    model.train();
    const yPred = model.forward(XTrain);
    const loss = lossFn.forward(yPred, yTrain);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();

    model.eval();
    const tl = kd.noGrad(() => lossFn.forward(model.forward(XTest), yTest).item() as number);
    trainLoss.push(loss.item() as number);
    testLoss.push(tl);
    if (epoch % 100 === 0) console.log(`epoch ${epoch} | train loss ${trainLoss.at(-1)!.toFixed(5)} | test loss ${tl.toFixed(5)}`);
  }

  const sd = model.stateDict();
  const learned = { weight: sd["weight"].item() as number, bias: sd["bias"].item() as number };
  console.log(`learned weight ${learned.weight.toFixed(4)} (true ${weight}), bias ${learned.bias.toFixed(4)} (true ${bias})`);

  const curves = outPath(opts, "01-linear-regression-loss.svg");
  writeAtomic(curves, kd.plot.lineChart([{ name: "train loss", values: trainLoss }, { name: "test loss", values: testLoss }], { title: "Linear regression: L1 loss", xlabel: "epoch" }));
  const preds = kd.noGrad(() => model.forward(XTest).dataSync());
  const pts = [
    ...Array.from(XTrain.dataSync()).map((x, i) => ({ x, y: yTrain.dataSync()[i], label: 0 })),
    ...Array.from(XTest.dataSync()).map((x, i) => ({ x, y: yTest.dataSync()[i], label: 1 })),
    ...Array.from(XTest.dataSync()).map((x, i) => ({ x, y: preds[i], label: 3 })),
  ];
  const fit = outPath(opts, "01-linear-regression-predictions.svg");
  writeAtomic(fit, kd.plot.decisionBoundary(pts, null, { title: "train (blue), test (orange), predictions (red)" }));
  return { ...learned, finalTrainLoss: trainLoss.at(-1), finalTestLoss: testLoss.at(-1), files: [curves, fit] };
}
