// Chapter 4, custom datasets: TinyVGG on a 3-class image-folder dataset (FashionMNIST's Pullover,
// Coat and Shirt written as PNG class folders at the course's 10% size: 225 train / 75 test),
// trained once on the plain images and once with TrivialAugmentWide, loss curves side by side.
// scripts/ch04_torch.py runs the same recipe in PyTorch + torchvision on the same folders; when
// /usr/bin/python3 has torchvision its accuracies are reported beside Kindling's.
// Flags: --epochs 20 --batch-size 32 --lr 0.003 --seed 42 --data build/data/fashion3/10pct --torch 0
import { spawnSync } from "node:child_process";
import * as kd from "kindling";
import { outPath, writeAtomic } from "./common.js";

type Loader = kd.data.DataLoader<[kd.Tensor, number], [kd.Tensor, kd.Tensor]>;

async function evaluate(model: kd.nn.Module, loader: Loader, lossFn: kd.nn.CrossEntropyLoss) {
  model.eval();
  let loss = 0, correct = 0, n = 0;
  for await (const [x, y] of loader) {
    kd.noGrad(() => kd.tidy(() => {
      const logits = model.forward(x);
      loss += (lossFn.forward(logits, y).item() as number) * y.size(0);
      correct += logits.argmax(1).eq(y).sum().item() as number;
    }));
    n += y.size(0);
    x.dispose(); y.dispose();
  }
  return { loss: loss / n, acc: correct / n };
}

/** The course's recipe: TinyVGG (hidden 10), Adam, batch 32, cross entropy (lr 0.003 and 20 epochs: at the course's 0.001 and 5 the augmented run stays at chance). */
async function train(name: string, folders: kd.datasets.FashionFolder, transform: kd.transforms.Transform, o: { epochs: number; batchSize: number; lr: number; seed: number }) {
  kd.manualSeed(o.seed);
  const trainData = new kd.datasets.ImageFolder(folders.train, { mode: "L", transform }) as unknown as kd.data.MapDataset<[kd.Tensor, number]>;
  const testData = new kd.datasets.ImageFolder(folders.test, { mode: "L", transform: new kd.transforms.ToTensor() }) as unknown as kd.data.MapDataset<[kd.Tensor, number]>;
  const trainLoader = new kd.data.DataLoader(trainData, { batchSize: o.batchSize, shuffle: true, seed: o.seed }) as Loader;
  const testLoader = new kd.data.DataLoader(testData, { batchSize: 75 }) as Loader;
  const model = new kd.models.TinyVGG(1, 10, folders.classes.length);
  const lossFn = new kd.nn.CrossEntropyLoss();
  const optimizer = new kd.optim.Adam(model.parameters(), { lr: o.lr });
  const trainLoss: number[] = [];
  const testLoss: number[] = [];
  let last = { loss: NaN, acc: NaN };
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    model.train();
    let sum = 0, seen = 0;
    for await (const [x, y] of trainLoader) {
      const loss = lossFn.forward(model.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      sum += (loss.item() as number) * y.size(0);
      seen += y.size(0);
    }
    last = await evaluate(model, testLoader, lossFn);
    trainLoss.push(sum / seen);
    testLoss.push(last.loss);
    console.log(`${name} | epoch ${epoch} | train loss ${(sum / seen).toFixed(4)} | test loss ${last.loss.toFixed(4)} | test acc ${(100 * last.acc).toFixed(1)}%`);
  }
  return { trainLoss, testLoss, testAcc: last.acc };
}

/** scripts/ch04_torch.py on the same folders, when /usr/bin/python3 has torchvision; else null. */
function torchRun(folders: kd.datasets.FashionFolder, o: { epochs: number; batchSize: number; lr: number; seed: number }): { plain: number; trivial: number } | null {
  const py = process.env.KINDLING_PYTHON ?? "/usr/bin/python3";
  const r = spawnSync(py, ["scripts/ch04_torch.py", folders.root, String(o.epochs), String(o.batchSize), String(o.lr), String(o.seed)], { encoding: "utf8" });
  if (r.status !== 0) {
    console.log(`PyTorch run skipped (${py} scripts/ch04_torch.py: ${(r.stderr || String(r.error)).trim().split("\n").at(-1)})`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
}

export async function main(opts: Record<string, string> = {}) {
  const o = { epochs: Number(opts.epochs ?? 20), batchSize: Number(opts["batch-size"] ?? 32), lr: Number(opts.lr ?? 0.003), seed: Number(opts.seed ?? 42) };
  const t0 = performance.now();
  const folders = await kd.datasets.makeFashionFolder(opts.data ?? "build/data/fashion3/10pct", { fraction: 0.1, root: opts.root });
  console.log(`${folders.root}: ${folders.counts.train} train / ${folders.counts.test} test images, classes ${folders.classes.join(", ")}`);

  const plain = await train("plain", folders, new kd.transforms.ToTensor(), o);
  const trivial = await train("TrivialAugmentWide", folders, new kd.transforms.Compose([new kd.transforms.TrivialAugmentWide(), new kd.transforms.ToTensor()]), o);
  const seconds = (performance.now() - t0) / 1000;
  const torch = opts.torch === "0" ? null : torchRun(folders, o);

  const chart = (title: string, r: typeof plain) =>
    kd.plot.lineChart([{ name: "train loss", values: r.trainLoss, x: r.trainLoss.map((_, i) => i + 1) }, { name: "test loss", values: r.testLoss, x: r.testLoss.map((_, i) => i + 1) }], { title, xlabel: "epoch", ylabel: "cross entropy", width: 480 });
  // Two charts side by side in one SVG.
  const left = chart(`No augmentation: test acc ${(100 * plain.testAcc).toFixed(1)}%`, plain);
  const right = chart(`TrivialAugmentWide: test acc ${(100 * trivial.testAcc).toFixed(1)}%`, trivial);
  const inner = (svg: string) => svg.replace(/^<svg[^>]*>/, "").replace(/<\/svg>\s*$/, "");
  const h = Number(/height="(\d+)"/.exec(left)![1]);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="${h}" viewBox="0 0 960 ${h}"><g>${inner(left)}</g><g transform="translate(480 0)">${inner(right)}</g></svg>\n`;
  const file = outPath(opts, "04-custom-datasets-loss.svg");
  writeAtomic(file, svg);

  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  console.log(`test accuracy, plain: Kindling ${pct(plain.testAcc)}${torch ? `, PyTorch ${pct(torch.plain)}` : ""}`);
  console.log(`test accuracy, TrivialAugmentWide: Kindling ${pct(trivial.testAcc)}${torch ? `, PyTorch ${pct(torch.trivial)}` : ""}`);
  console.log(`Kindling training time: ${seconds.toFixed(1)} s`);
  return { plainAcc: plain.testAcc, trivialAcc: trivial.testAcc, plain, trivial, torch, seconds, classes: folders.classes.length, files: [file] };
}
