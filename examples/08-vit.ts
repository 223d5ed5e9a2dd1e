// Chapter 8, paper replicating: a small Vision Transformer (kd.models.vit: 7x7 patches embedded
// by a Conv2d, a class token, position embeddings, pre-norm encoder blocks with GELU and an MLP
// head, as the course builds it) trained on FashionMNIST beside TinyVGG, on the same batches
// with the same optimizer for the same number of steps, then both scored on the same test
// images. The course's point holds at this size too: with little data and few steps the CNN's
// built-in locality wins, and the transformer learns, but more slowly.
// Flags: --limit 6400 (training images: one epoch of 200 batches of 32) --test-limit 1000
// --lr 0.001 --seed 42 --embed-dim 32 --depth 2 --heads 4 --mlp-dim 64 --patch 7.
import * as kd from "kindling";
import { outPath, writeAtomic } from "./common.js";

export async function main(opts: Record<string, string> = {}) {
  const limit = Number(opts.limit ?? 6400);
  const testLimit = Number(opts["test-limit"] ?? 1000);
  const lr = Number(opts.lr ?? 1e-3);
  const seed = Number(opts.seed ?? 42);
  const vitOptions: kd.models.ViTOptions = {
    imageSize: 28, patchSize: Number(opts.patch ?? 7), inChannels: 1, numClasses: 10,
    embedDim: Number(opts["embed-dim"] ?? 32), depth: Number(opts.depth ?? 2), numHeads: Number(opts.heads ?? 4),
    mlpDim: Number(opts["mlp-dim"] ?? 64), dropout: 0,
  };

  const toTensor = new kd.transforms.ToTensor();
  const trainAll = await kd.datasets.FashionMNIST.load({ train: true, transform: toTensor, root: opts.root });
  const testAll = await kd.datasets.FashionMNIST.load({ train: false, transform: toTensor, root: opts.root });
  const first = (n: number, len: number) => Array.from({ length: Math.min(n, len) }, (_, i) => i);
  const trainSet = new kd.data.Subset(trainAll, first(limit, trainAll.length));
  const testSet = new kd.data.Subset(testAll, first(testLimit, testAll.length));
  console.log(`FashionMNIST: ${trainSet.length} train / ${testSet.length} test images`);

  const lossFn = new kd.nn.CrossEntropyLoss();
  const fit = async (name: string, make: () => kd.nn.Module) => {
    kd.manualSeed(seed);
    const model = make();
    // The same shuffled batches for both models: a fresh loader with the same seed.
    const trainLoader = new kd.data.DataLoader(trainSet, { batchSize: 32, shuffle: true, seed });
    const testLoader = new kd.data.DataLoader(testSet, { batchSize: 500 });
    const optimizer = new kd.optim.Adam(model.parameters(), { lr });
    const curve: number[] = [];
    const t0 = performance.now();
    const train = await kd.training.trainStep(model, trainLoader, lossFn, optimizer, { onBatch: (b) => curve.push(b.loss) });
    const seconds = (performance.now() - t0) / 1000;
    const test = await kd.training.testStep(model, testLoader, lossFn);
    const row = { model: name, params: model.numParameters(), steps: train.batches, trainLoss: train.loss, testLoss: test.loss, testAcc: test.acc, seconds, curve };
    console.log(`${name}: ${row.params} parameters, ${row.steps} steps in ${seconds.toFixed(1)} s | train loss ${train.loss.toFixed(4)} | test loss ${test.loss.toFixed(4)} acc ${(100 * test.acc).toFixed(2)}%`);
    return { row, model };
  };

  const vit = await fit("ViT", () => kd.models.vit(vitOptions));
  console.log(vit.model.toString());
  const tiny = await fit("TinyVGG", () => new kd.models.TinyVGG(1, 10, 10));

  console.log(`\nafter ${vit.row.steps} steps of Adam (lr ${lr}, batch 32), ${testSet.length} test images:`);
  console.log("| model | parameters | test accuracy | test loss | training time |");
  console.log("|---|---|---|---|---|");
  for (const r of [vit.row, tiny.row]) console.log(`| ${r.model} | ${r.params} | ${(100 * r.testAcc).toFixed(2)}% | ${r.testLoss.toFixed(4)} | ${r.seconds.toFixed(1)} s |`);

  const file = outPath(opts, "08-vit-vs-tinyvgg.svg");
  writeAtomic(file, kd.plot.lineChart([
    { name: "ViT train loss (running mean)", values: vit.row.curve },
    { name: "TinyVGG train loss (running mean)", values: tiny.row.curve },
  ], { title: "ViT vs TinyVGG on FashionMNIST", xlabel: "step" }));
  console.log(`wrote ${file}`);
  vit.model.dispose();
  tiny.model.dispose();
  return { vit: vit.row, tinyvgg: tiny.row, files: [file] };
}
