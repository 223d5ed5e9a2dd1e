// Chapter 9, deployment: two models for the same job - FashionMNIST classes 5-9 (Sandal, Shirt,
// Sneaker, Bag, Ankle boot) - compared on what deployment cares about: test accuracy, file size
// and per-image latency. TinyVGG is trained from scratch; the transfer model is the CNN that
// PyTorch pretrained on classes 0-4 (examples/assets, chapter 6) with its features frozen and a
// new head, trained on the same batches (kd.training.train, one epoch each). Each is saved as
// the file a deployment ships (a kd.classifier safetensors file for TinyVGG, which
// examples/web-deploy serves; an ONNX export of each, for like-for-like sizes) and timed one
// image at a time in Node (median of --runs forward passes after a warm-up).
// Flags: --limit 6400 (training images, 200 batches of 32) --test-limit 1000 --lr 0.001
// --runs 50 --seed 0.
import { readFileSync, statSync } from "node:fs";
import * as kd from "kindling";
import { outPath } from "./common.js";

export const PRETRAINED = new URL("./assets/fmnist-cnn-classes0to4.onnx", import.meta.url);
const NEW_CLASSES = [5, 6, 7, 8, 9];

/** Median milliseconds of one forward pass on one image. */
function latency(model: kd.nn.Module, x: kd.Tensor, runs: number): number {
  model.eval();
  const once = () => kd.noGrad(() => kd.tidy(() => model.forward(x).dataSync()));
  for (let i = 0; i < 5; i++) once();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    once();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)];
}

export async function main(opts: Record<string, string> = {}) {
  const limit = Number(opts.limit ?? 6400);
  const testLimit = Number(opts["test-limit"] ?? 1000);
  const lr = Number(opts.lr ?? 1e-3);
  const runs = Number(opts.runs ?? 50);
  const seed = Number(opts.seed ?? 0);

  // Classes 5-9 as labels 0-4.
  const relabel = (y: number) => y - NEW_CLASSES[0];
  const toTensor = new kd.transforms.ToTensor();
  const trainAll = await kd.datasets.FashionMNIST.load({ train: true, transform: toTensor, targetTransform: relabel });
  const testAll = await kd.datasets.FashionMNIST.load({ train: false, transform: toTensor, targetTransform: relabel });
  const pick = (labels: Uint8Array, n: number) => Array.from(labels.keys()).filter((i) => labels[i] >= NEW_CLASSES[0]).slice(0, n);
  const trainSet = new kd.data.Subset(trainAll, pick(trainAll.labels, limit));
  const testSet = new kd.data.Subset(testAll, pick(testAll.labels, testLimit));
  const classes = NEW_CLASSES.map((c) => trainAll.classes[c]);
  console.log(`classes ${classes.join(", ")}: ${trainSet.length} train / ${testSet.length} test images`);
  const lossFn = new kd.nn.CrossEntropyLoss();
  const fit = async (model: kd.nn.Module) => {
    const trainLoader = new kd.data.DataLoader(trainSet, { batchSize: 32, shuffle: true, seed });
    const testLoader = new kd.data.DataLoader(testSet, { batchSize: 500 });
    const optimizer = new kd.optim.Adam(model.parameters().filter((p) => p.requiresGrad), { lr });
    const h = await kd.training.train(model, trainLoader, testLoader, optimizer, lossFn, 1, { progress: true });
    return h.testAcc[0];
  };

  // TinyVGG from scratch, saved as the classifier file the web page loads.
  kd.manualSeed(seed);
  const config = { model: "tinyvgg", hidden: 10, inChannels: 1, imageSize: 28, classes };
  const tiny = kd.classifier.build(config);
  const tinyAcc = await fit(tiny);
  const tinyFile = outPath(opts, "09-tinyvgg.safetensors");
  await kd.classifier.save(tinyFile, tiny, config);

  // The transfer model: PyTorch's pretrained features, frozen, and a new head.
  const bytes = readFileSync(PRETRAINED);
  const oldHead = kd.onnx.importModel(bytes).nodes.filter((n) => n.opType === "Gemm").at(-1)!;
  const features = kd.onnx.importModel(bytes, { outputNames: [oldHead.inputs[0]] });
  features.requiresGrad_(false);
  kd.manualSeed(seed);
  const transfer = new kd.nn.Sequential({ features, head: new kd.nn.Linear(16 * 7 * 7, classes.length) });
  const transferAcc = await fit(transfer);
  const transferWeights = outPath(opts, "09-transfer.safetensors");
  await kd.save(transfer.stateDict(), transferWeights);

  const example = testSet.getItem(0)[0].unsqueeze(0);
  const onnxFiles = [outPath(opts, "09-tinyvgg.onnx"), outPath(opts, "09-transfer.onnx")];
  await kd.onnx.save(tiny, example, onnxFiles[0], { dynamicBatch: true });
  await kd.onnx.save(transfer, example, onnxFiles[1], { dynamicBatch: true });
  const rows = [
    { model: "TinyVGG (from scratch)", params: tiny.numParameters(), trained: tiny.numParameters({ trainableOnly: true }), accuracy: tinyAcc, safetensorsBytes: statSync(tinyFile).size, onnxBytes: statSync(onnxFiles[0]).size, nodeMs: latency(tiny, example, runs) },
    { model: "SmallCNN (transfer)", params: transfer.numParameters(), trained: transfer.numParameters({ trainableOnly: true }), accuracy: transferAcc, safetensorsBytes: statSync(transferWeights).size, onnxBytes: statSync(onnxFiles[1]).size, nodeMs: latency(transfer, example, runs) },
  ];
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`\nafter one epoch of ${trainSet.length} images (Adam, lr ${lr}), ${testSet.length} test images:`);
  console.log("| model | parameters (trained) | test accuracy | safetensors | ONNX | Node ms / image |");
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.model} | ${r.params} (${r.trained}) | ${(100 * r.accuracy).toFixed(2)}% | ${kb(r.safetensorsBytes)} | ${kb(r.onnxBytes)} | ${r.nodeMs.toFixed(2)} |`);
  return { rows, files: { tinyvgg: tinyFile, transfer: transferWeights, onnx: onnxFiles } };
}
