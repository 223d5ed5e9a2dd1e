// Chapter 6, transfer learning: a CNN pretrained in PyTorch on FashionMNIST classes 0-4
// (T-shirt/top, Trouser, Pullover, Dress, Coat; scripts/gen_onnx_transfer.py wrote it as ONNX)
// is imported with kd.onnx, its feature layers frozen, and a new linear head trained in
// Kindling on the other five classes (Sandal, Shirt, Sneaker, Bag, Ankle boot). Beside it, the
// same architecture trained from scratch on the same batches for the same number of steps.
// Flags: --steps 300 --batch-size 32 --lr 0.001 --seed 0 --test-limit N (first N test images).
import { readFileSync } from "node:fs";
import * as kd from "kindling";

export const PRETRAINED = new URL("./assets/fmnist-cnn-classes0to4.onnx", import.meta.url);
const NEW_CLASSES = [5, 6, 7, 8, 9];

/** The pretrained network's architecture (scripts/gen_onnx_transfer.py's SmallCNN), for the from-scratch run. */
class SmallCNN extends kd.nn.Module {
  features = new kd.nn.Sequential(
    new kd.nn.Conv2d(1, 8, 3, { padding: 1 }), new kd.nn.ReLU(), new kd.nn.MaxPool2d(2),
    new kd.nn.Conv2d(8, 16, 3, { padding: 1 }), new kd.nn.ReLU(), new kd.nn.MaxPool2d(2),
    new kd.nn.Flatten(),
  );
  classifier = new kd.nn.Linear(16 * 7 * 7, NEW_CLASSES.length);
  override forward(x: kd.Tensor): kd.Tensor {
    return kd.tidy(() => this.classifier.forward(this.features.forward(x)));
  }
}

type Loader = kd.data.DataLoader<unknown, [kd.Tensor, kd.Tensor]>;

/** Trains the parameters that require grad for `steps` batches; returns the last losses' mean. */
async function train(model: kd.nn.Module, loader: Loader, steps: number, lr: number, label: string): Promise<number> {
  const params = model.parameters().filter((p) => p.requiresGrad);
  const optimizer = new kd.optim.Adam(params, { lr });
  const lossFn = new kd.nn.CrossEntropyLoss();
  const bar = new kd.ProgressBar({ total: steps, label });
  const recent: number[] = [];
  model.train();
  let step = 0;
  while (step < steps) {
    for await (const [x, labels] of loader) {
      if (step === steps) break;
      const y = labels.sub(NEW_CLASSES[0]); // classes 5-9 as 0-4
      const loss = lossFn.forward(model.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      recent.push(loss.item() as number);
      if (recent.length > 20) recent.shift();
      bar.update(1, x.size(0), { loss: recent.reduce((a, b) => a + b, 0) / recent.length });
      step++;
    }
  }
  return recent.reduce((a, b) => a + b, 0) / recent.length;
}

async function accuracy(model: kd.nn.Module, loader: Loader): Promise<number> {
  model.eval();
  let correct = 0, n = 0;
  for await (const [x, labels] of loader) {
    correct += kd.noGrad(() => kd.tidy(() => model.forward(x).argmax(1).eq(labels.sub(NEW_CLASSES[0])).sum().item() as number));
    n += x.size(0);
  }
  return correct / n;
}

export async function main(opts: Record<string, string> = {}) {
  const steps = Number(opts.steps ?? 300);
  const batchSize = Number(opts["batch-size"] ?? 32);
  const lr = Number(opts.lr ?? 1e-3);
  const seed = Number(opts.seed ?? 0);

  // FashionMNIST restricted to the new classes.
  const toTensor = new kd.transforms.ToTensor();
  const trainAll = await kd.datasets.FashionMNIST.load({ train: true, transform: toTensor, root: opts.root });
  const testAll = await kd.datasets.FashionMNIST.load({ train: false, transform: toTensor, root: opts.root });
  const pick = (labels: Uint8Array, limit = Infinity) => Array.from(labels.keys()).filter((i) => labels[i] >= NEW_CLASSES[0]).slice(0, limit);
  const trainSet = new kd.data.Subset(trainAll, pick(trainAll.labels));
  const testSet = new kd.data.Subset(testAll, pick(testAll.labels, opts["test-limit"] ? Number(opts["test-limit"]) : Infinity));
  const trainLoader = () => new kd.data.DataLoader(trainSet, { batchSize, shuffle: true, seed }) as Loader;
  const testLoader = new kd.data.DataLoader(testSet, { batchSize: 500 }) as Loader;
  console.log(`classes ${NEW_CLASSES.map((c) => testAll.classes[c]).join(", ")}: ${trainSet.length} train / ${testSet.length} test images`);

  // The pretrained model, as PyTorch exported it.
  const bytes = readFileSync(PRETRAINED);
  const pretrained = kd.onnx.importModel(bytes);
  console.log(`pretrained (${pretrained.producer}): ${pretrained.toString()}`);
  // Its features are the input of the last Gemm (the old 5-class head): cut the graph there.
  const oldHead = pretrained.nodes.filter((n) => n.opType === "Gemm").at(-1)!;
  const features = kd.onnx.importModel(bytes, { outputNames: [oldHead.inputs[0]] });
  features.requiresGrad_(false);
  kd.manualSeed(seed);
  const transfer = new kd.nn.Sequential({ features, head: new kd.nn.Linear(16 * 7 * 7, NEW_CLASSES.length) });
  console.log(`transfer: ${transfer.numParameters({ trainableOnly: true })} of ${transfer.numParameters()} parameters trained`);
  const transferLoss = await train(transfer, trainLoader(), steps, lr, "transfer");
  const transferAcc = await accuracy(transfer, testLoader);

  kd.manualSeed(seed);
  const scratch = new SmallCNN();
  const scratchLoss = await train(scratch, trainLoader(), steps, lr, "scratch ");
  const scratchAcc = await accuracy(scratch, testLoader);

  console.log(`after ${steps} steps of batch ${batchSize} (Adam, lr ${lr}), test accuracy on classes 5-9:`);
  console.log(`  pretrained features + new head: ${(100 * transferAcc).toFixed(2)}% (train loss ${transferLoss.toFixed(3)})`);
  console.log(`  same CNN from scratch:          ${(100 * scratchAcc).toFixed(2)}% (train loss ${scratchLoss.toFixed(3)})`);
  return { steps, batchSize, transferAcc, scratchAcc, transferLoss, scratchLoss };
}
