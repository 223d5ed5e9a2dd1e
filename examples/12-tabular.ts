// Structured data: the Palmer penguins table (344 penguins of three species; the CSV that npm
// @observablehq/sample-datasets ships) read with datasets.CSV: rows with a missing value
// dropped, the island and sex one-hot encoded, the four measurements standardized with the
// training rows' statistics, a seeded 80/20 split; then a small MLP predicts the species.
// Flags: --epochs 60 --batch-size 32 --lr 0.01 --seed 42
import { createRequire } from "node:module";
import * as kd from "kindling";
import { outPath, writeAtomic } from "./common.js";

export async function main(opts: Record<string, string> = {}) {
  const epochs = Number(opts.epochs ?? 60), batchSize = Number(opts["batch-size"] ?? 32), lr = Number(opts.lr ?? 0.01), seed = Number(opts.seed ?? 42);
  const file = createRequire(import.meta.url).resolve("@observablehq/sample-datasets/penguins.csv");
  const csv = { target: "species", missing: "drop", testSize: 0.2, seed } as const;
  const train = await kd.datasets.CSV.load(file, csv);
  const test = await kd.datasets.CSV.load(file, { ...csv, train: false });
  console.log(`${train.length} training / ${test.length} test penguins; features: ${train.featureNames.join(", ")}`);

  kd.manualSeed(seed);
  const features = train.featureNames.length;
  const classes = train.classes!.length;
  const model = new kd.nn.Sequential(new kd.nn.Linear(features, 16), new kd.nn.ReLU(), new kd.nn.Linear(16, classes));
  const lossFn = new kd.nn.CrossEntropyLoss();
  const optimizer = new kd.optim.Adam(model.parameters(), { lr });
  const loader = new kd.data.DataLoader(train, { batchSize, shuffle: true, seed });
  const trainLoss: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    let sum = 0, seen = 0;
    for (const [x, y] of loader) {
      const loss = lossFn.forward(model.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      sum += (loss.item() as number) * y.size(0);
      seen += y.size(0);
    }
    trainLoss.push(sum / seen);
    if (epoch % 10 === 0) console.log(`epoch ${epoch} | train loss ${(sum / seen).toFixed(4)}`);
  }
  model.eval();
  const accuracy = kd.noGrad(() => kd.metrics.accuracy(model.forward(test.features), test.targets));
  const trainAcc = kd.noGrad(() => kd.metrics.accuracy(model.forward(train.features), train.targets));
  console.log(`train accuracy ${(100 * trainAcc).toFixed(1)}%, test accuracy ${(100 * accuracy).toFixed(1)}%`);
  const curve = outPath(opts, "12-tabular-loss.svg");
  writeAtomic(curve, kd.plot.lineChart([{ name: "train loss", values: trainLoss }], { title: "Penguin species: MLP on the CSV", xlabel: "epoch" }));
  return { accuracy, trainAcc, trainLoss, trainSize: train.length, testSize: test.length, featureNames: train.featureNames, classes: train.classes, files: [curve] };
}
