// Chapter 7, experiment tracking: two small models trained on a FashionMNIST subset, each logging
// to runs/<name> with kd.tensorboard.SummaryWriter (train loss per step, test loss/accuracy per
// epoch, a weight histogram, sample images, hyperparameters), then compared in one HTML page as
// `npx kindling report runs` writes it. kd.summary prints each model first.
// Flags: --out DIR (default out/; runs go to DIR/runs) --epochs 3 --limit 5000 --lr 0.1 --seed 42.
import * as kd from "kindling";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { outPath } from "./common.js";
import { buildReport, readRuns } from "../ts/cli/report.js";

const variants = {
  "linear": () => new kd.nn.Sequential(new kd.nn.Flatten(), new kd.nn.Linear(784, 10)),
  "mlp-64": () => new kd.nn.Sequential(new kd.nn.Flatten(), new kd.nn.Linear(784, 64), new kd.nn.ReLU(), new kd.nn.Linear(64, 10)),
};

export async function main(opts: Record<string, string> = {}) {
  const epochs = Number(opts.epochs ?? 3);
  const limit = Number(opts.limit ?? 5000);
  const lr = Number(opts.lr ?? 0.1);
  const seed = Number(opts.seed ?? 42);
  const toTensor = new kd.transforms.ToTensor();
  const trainFull = await kd.datasets.FashionMNIST.load({ train: true, transform: toTensor, root: opts.root });
  const testFull = await kd.datasets.FashionMNIST.load({ train: false, transform: toTensor, root: opts.root });
  const train = new kd.data.Subset(trainFull, Array.from({ length: limit }, (_, i) => i));
  const test = new kd.data.Subset(testFull, Array.from({ length: Math.min(1000, testFull.length) }, (_, i) => i));
  const runsDir = path.join(path.dirname(outPath(opts, "x")), "runs");
  const results: Record<string, { testAcc: number; testLoss: number; params: number; steps: number }> = {};

  for (const [name, make] of Object.entries(variants)) {
    kd.manualSeed(seed);
    const model = make();
    const info = kd.summary(model, [1, 1, 28, 28]);
    console.log(info.toString());
    const writer = new kd.tensorboard.SummaryWriter(path.join(runsDir, name));
    writer.addText("model", `${name}: ${info.totalParams} parameters`, 0);
    const loader = new kd.data.DataLoader(train, { batchSize: 32, shuffle: true, seed });
    const testLoader = new kd.data.DataLoader(test, { batchSize: 500 });
    const lossFn = new kd.nn.CrossEntropyLoss();
    const optimizer = new kd.optim.SGD(model.parameters(), { lr });
    let step = 0, testAcc = 0, testLoss = 0;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      model.train();
      for await (const [x, y] of loader) {
        const loss = lossFn.forward(model.forward(x), y);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        writer.addScalar("loss/train", loss.item() as number, step++);
        x.dispose(); y.dispose();
      }
      model.eval();
      let correct = 0, lossSum = 0, n = 0;
      for await (const [x, y] of testLoader) {
        kd.noGrad(() => kd.tidy(() => {
          const logits = model.forward(x);
          lossSum += (lossFn.forward(logits, y).item() as number) * y.size(0);
          correct += logits.argmax(1).eq(y).sum().item() as number;
        }));
        n += y.size(0);
        x.dispose(); y.dispose();
      }
      [testAcc, testLoss] = [correct / n, lossSum / n];
      writer.addScalar("loss/test", testLoss, step);
      writer.addScalar("accuracy/test", testAcc, step);
      writer.addHistogram("weights/first", model.parameters()[0], step);
      console.log(`${name} epoch ${epoch}: test loss ${testLoss.toFixed(4)} acc ${(100 * testAcc).toFixed(1)}%`);
    }
    const [img] = test.getItem(0) as [kd.Tensor, unknown];
    writer.addImage("test/first", img, step);
    img.dispose();
    writer.addHparams({ model: name, lr, epochs, batchSize: 32 }, { "hparam/accuracy": testAcc, "hparam/loss": testLoss }, { runName: "hparams" });
    writer.close();
    results[name] = { testAcc, testLoss, params: info.totalParams, steps: step };
  }

  const report = outPath(opts, "report.html");
  writeFileSync(report, buildReport(readRuns(runsDir), { title: "FashionMNIST: linear vs MLP" }));
  console.log(`wrote ${report} (the same page as: npx kindling report ${runsDir} --out ${report})`);
  return { runsDir, report, results };
}
