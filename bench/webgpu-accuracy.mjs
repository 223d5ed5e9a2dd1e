// `npm run bench -- webgpu-accuracy [steps] [--test N]`: TinyVGG trained on the real FashionMNIST
// for `steps` SGD steps (default 300, batch 32, lr 0.1) from the same seed and the same shuffled
// batches, once on the CPU and once on WebGPU, then evaluated on the first N test images
// (default 10,000): both test accuracies, their difference (goal: within 1 point) and each
// run's samples/s, with the adapter's name. Exits 1 when the difference is over a point.
// Without a GPU, Dawn runs on SwiftShader (VK_ICD_FILENAMES, set below when chromium's is there):
// about 1.5 s a step on a 2-core machine, so 300 steps take 8 minutes; a real GPU takes seconds.
import { existsSync } from "node:fs";
import * as kd from "../dist/index.js";
import { printTable, takeOption, writeResults } from "./_harness.mjs";

const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";
const t = takeOption(process.argv.slice(2), "--test");
const steps = Number(t.args[0] ?? 300);
const testImages = Number(t.value ?? 10_000);
const [batch, lr, seed] = [32, 0.1, 42];

async function run(device) {
  kd.manualSeed(seed);
  const toTensor = new kd.transforms.ToTensor();
  const train = await kd.datasets.FashionMNIST.load({ train: true, transform: toTensor });
  const test = await kd.datasets.FashionMNIST.load({ train: false, transform: toTensor });
  const testSet = testImages < test.length ? new kd.data.Subset(test, Array.from({ length: testImages }, (_, i) => i)) : test;
  const model = kd.models.makeModel("tinyvgg").to(device);
  const opt = new kd.optim.SGD(model.parameters(), { lr });
  const lossFn = new kd.nn.CrossEntropyLoss();
  const loader = new kd.data.DataLoader(train, { batchSize: batch, shuffle: true, seed, device });
  let done = 0;
  let last;
  const t0 = performance.now();
  model.train();
  for await (const [x, y] of loader) {
    const loss = lossFn.forward(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    last = loss;
    if (++done === steps) break;
  }
  const finalLoss = await last.itemAsync();
  const seconds = (performance.now() - t0) / 1000;
  model.eval();
  let correct = 0;
  for await (const [x, y] of new kd.data.DataLoader(testSet, { batchSize: 500, device })) {
    const hits = kd.noGrad(() => model.forward(x).argmax(1).eq(y).sum());
    correct += await hits.itemAsync();
  }
  return { device, steps: done, finalLoss, accuracy: correct / testSet.length, samplesPerSec: (done * batch) / seconds };
}

// As the tests: chromium's SwiftShader when no driver is named (a GPU machine has no chromium).
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES = SWIFTSHADER;
const info = await kd.webgpu.init();
const adapter = info.adapter + (info.software ? " (software)" : "");
const cpu = await run("cpu");
const gpu = await run("webgpu");
const diff = 100 * (gpu.accuracy - cpu.accuracy);
printTable(`TinyVGG on FashionMNIST, ${steps} SGD steps (batch ${batch}, lr ${lr}, seed ${seed}), test accuracy on ${testImages} images: cpu vs webgpu (goal: within 1 point)`,
  ["device", "final train loss", "test accuracy", "samples/s"],
  [cpu, gpu].map((r) => [r.device === "cpu" ? `cpu (${kd.getEngine().variant}, ${kd.getNumThreads()} threads)` : `webgpu (${adapter})`, r.finalLoss.toFixed(4), `${(100 * r.accuracy).toFixed(2)}%`, r.samplesPerSec.toFixed(0)]));
console.log(`webgpu - cpu: ${diff >= 0 ? "+" : ""}${diff.toFixed(2)} points`);
writeResults("webgpu-accuracy", { steps, batch, lr, seed, testImages, adapter, results: { cpu, webgpu: gpu }, differencePoints: diff });
process.exitCode = Math.abs(diff) <= 1 ? 0 : 1;
