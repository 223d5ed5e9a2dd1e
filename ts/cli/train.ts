// `kindling train`: the course's going_modular train.py as a command. Trains a classifier on
// --data with kd.training.train, a progress bar per epoch; writes the model (--out), a
// checkpoint after every epoch (--checkpoint; --resume continues one) and the loss curves (SVG).
//
//   npx kindling train --data fashion-mnist --model tinyvgg --epochs 5 --lr 0.001 --batch-size 32 --out model.safetensors
import { writeFileSync } from "node:fs";
import * as kd from "../index.js";
import { parseArgs, usage, type CommandSpec } from "./args.js";
import { ARCHITECTURES, buildModel, configMetadata, configOf, loadData, saveModel, type ModelConfig } from "./shared.js";

export const spec: CommandSpec = {
  name: "train",
  summary: "Trains an image classifier (kd.training.train) and saves it with its loss curves and a resumable checkpoint.",
  flags: {
    data: { type: "string", default: "fashion-mnist", help: "fashion-mnist, or a folder with train/ and test/ class subfolders of images" },
    model: { type: "string", choices: ARCHITECTURES, default: "tinyvgg", help: "architecture" },
    hidden: { type: "int", min: 1, help: "hidden units (TinyVGG channels; default 10, mlp 256)" },
    epochs: { type: "int", min: 0, default: 5, help: "epochs (in all, counting a resumed run's)" },
    lr: { type: "number", min: 0, default: 0.001, help: "learning rate" },
    "batch-size": { type: "int", min: 1, default: 32, help: "batch size" },
    optimizer: { type: "string", choices: ["adam", "sgd"], default: "adam", help: "optimizer" },
    device: { type: "string", choices: ["cpu"], default: "cpu", help: "device" },
    seed: { type: "int", default: 42, help: "seed (initial weights and shuffling)" },
    limit: { type: "int", min: 1, help: "use the first N training images" },
    "test-limit": { type: "int", min: 1, help: "use the first N test images" },
    mode: { type: "string", choices: ["L", "RGB"], help: "colour of folder images: L (grey, 1 channel) or RGB (default: L when the first image is grey)" },
    "image-size": { type: "int", min: 4, help: "resize folder images to N x N (default: the first image's size)" },
    root: { type: "string", help: "FashionMNIST folder (default: the system's dataset folder)" },
    out: { type: "string", default: "model.safetensors", help: "where the trained model goes" },
    checkpoint: { type: "string", help: "checkpoint written after every epoch (default <out>.ckpt.safetensors)" },
    resume: { type: "string", help: "continue the run a checkpoint holds" },
    curve: { type: "string", help: "loss-curve SVG (default <out>.loss.svg)" },
    quiet: { type: "boolean", help: "no progress bars" },
  },
};

const stem = (out: string) => out.replace(/\.safetensors$/, "");

export async function main(argv: string[], io: { stdout?: { write(s: string): unknown; isTTY?: boolean } } = {}): Promise<number> {
  const { flags: f, help } = parseArgs(spec, argv);
  const stdout = io.stdout ?? process.stdout;
  const log = (s: string) => stdout.write(s + "\n");
  if (help) {
    stdout.write(usage(spec));
    return 0;
  }
  const out = f.out as string;
  const ckptPath = (f.checkpoint as string | undefined) ?? `${stem(out)}.ckpt.safetensors`;
  const curvePath = (f.curve as string | undefined) ?? `${stem(out)}.loss.svg`;
  const epochs = f.epochs as number;
  kd.manualSeed(f.seed as number);

  const trainData = await loadData(f.data as string, "train", { limit: f.limit as number | undefined, root: f.root as string | undefined, imageSize: f["image-size"] as number | undefined, mode: f.mode as "L" | "RGB" | undefined });
  const testData = await loadData(f.data as string, "test", { limit: f["test-limit"] as number | undefined, root: f.root as string | undefined, imageSize: trainData.imageSize, mode: trainData.inChannels === 1 ? "L" : "RGB" });
  if (testData.classes.join("\n") !== trainData.classes.join("\n")) throw new kd.ValueError(`--data ${f.data}: train classes (${trainData.classes.join(", ")}) differ from test classes (${testData.classes.join(", ")})`);
  log(`data: ${trainData.dataset.length} train images (${trainData.where}), ${testData.dataset.length} test images, classes ${trainData.classes.join(", ")}`);

  let config: ModelConfig = {
    model: f.model as string,
    hidden: (f.hidden as number | undefined) ?? (f.model === "mlp" ? 256 : 10),
    inChannels: trainData.inChannels,
    imageSize: trainData.imageSize,
    classes: trainData.classes,
  };
  let resumed: { epoch: number; history: kd.training.History } | undefined;
  if (f.resume !== undefined) {
    // The checkpoint's own config rebuilds the model it holds; flags that disagree are refused.
    const { metadata } = await kd.load(f.resume as string);
    const extra = JSON.parse(metadata.extra ?? "null") as { config?: Record<string, string> } | null;
    if (!extra?.config) throw new kd.ValueError(`--resume ${f.resume}: not a checkpoint written by kindling train`);
    const saved = configOf(extra.config, f.resume as string);
    for (const k of ["inChannels", "imageSize", "classes"] as const) {
      if (JSON.stringify(saved[k]) !== JSON.stringify(config[k])) throw new kd.ValueError(`--resume ${f.resume}: the checkpoint's ${k} ${JSON.stringify(saved[k])} does not match --data's ${JSON.stringify(config[k])}`);
    }
    config = saved;
  }
  const model = buildModel(config);
  const params = model.parameters();
  const optimizer = f.optimizer === "sgd" ? new kd.optim.SGD(params, { lr: f.lr as number }) : new kd.optim.Adam(params, { lr: f.lr as number });
  const trainLoader = new kd.data.DataLoader(trainData.dataset, { batchSize: f["batch-size"] as number, shuffle: true, seed: f.seed as number });
  const testLoader = new kd.data.DataLoader(testData.dataset, { batchSize: Math.max(f["batch-size"] as number, 256) });
  if (f.resume !== undefined) {
    const info = await kd.loadCheckpoint(f.resume as string, { model, optimizer, loader: trainLoader });
    const history = (info.extra as { history: kd.training.History }).history;
    resumed = { epoch: info.epoch ?? 0, history };
    log(`resumed ${f.resume} after epoch ${resumed.epoch}`);
    if (resumed.epoch >= epochs) log(`the checkpoint already has ${resumed.epoch} epochs (--epochs ${epochs}): nothing to train`);
  }
  log(`model: ${config.model} (${model.numParameters()} parameters), ${f.optimizer} lr ${f.lr}, batch ${f["batch-size"]}, ${epochs} epochs on ${f.device}`);

  const meta = configMetadata(config);
  const history = await kd.training.train(model, trainLoader, testLoader, optimizer, new kd.nn.CrossEntropyLoss(), epochs, {
    progress: f.quiet ? false : stdout,
    startEpoch: resumed?.epoch ?? 0,
    history: resumed?.history,
    onEpoch: async (epoch, r, h) => {
      log(`epoch ${epoch} | train loss ${r.trainLoss.toFixed(4)} acc ${(100 * r.trainAcc).toFixed(2)}% | test loss ${r.testLoss.toFixed(4)} acc ${(100 * r.testAcc).toFixed(2)}%`);
      await kd.saveCheckpoint(ckptPath, { model, optimizer, loader: trainLoader, epoch, extra: { config: meta, history: h } });
    },
  });
  await saveModel(out, model, config);
  const xs = history.trainLoss.map((_, i) => i + 1);
  writeFileSync(curvePath, kd.plot.lineChart([
    { name: "train loss", values: history.trainLoss, x: xs },
    { name: "test loss", values: history.testLoss, x: xs },
  ], { title: `${config.model} on ${f.data}`, xlabel: "epoch", ylabel: "loss" }));
  log(`wrote ${out}, ${ckptPath}, ${curvePath}`);
  return 0;
}
