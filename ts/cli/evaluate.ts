// `kindling evaluate`: a trained model (from kindling train) on --data's test split: loss,
// accuracy, per-class accuracy and the confusion matrix; --json prints them as JSON.
//
//   npx kindling evaluate --weights model.safetensors --data fashion-mnist
import * as kd from "../index.js";
import { parseArgs, usage, type CommandSpec } from "./args.js";
import { loadData, loadModel } from "./shared.js";

export const spec: CommandSpec = {
  name: "evaluate",
  summary: "Evaluates a model saved by kindling train on the test split of --data.",
  flags: {
    weights: { type: "string", default: "model.safetensors", help: "the model file" },
    data: { type: "string", default: "fashion-mnist", help: "fashion-mnist, or a folder with a test/ class subfolder of images" },
    split: { type: "string", choices: ["test", "train"], default: "test", help: "which split" },
    limit: { type: "int", min: 1, help: "use the first N images" },
    "batch-size": { type: "int", min: 1, default: 256, help: "batch size" },
    root: { type: "string", help: "FashionMNIST folder (default: the system's dataset folder)" },
    device: { type: "string", choices: ["cpu"], default: "cpu", help: "device" },
    json: { type: "boolean", help: "print the result as JSON" },
  },
};

export interface Evaluation { loss: number; accuracy: number; samples: number; perClass: Record<string, number>; confusion: number[][]; classes: string[] }

export async function main(argv: string[], io: { stdout?: { write(s: string): unknown } } = {}): Promise<number> {
  const { flags: f, help } = parseArgs(spec, argv);
  const stdout = io.stdout ?? process.stdout;
  if (help) {
    stdout.write(usage(spec));
    return 0;
  }
  const { model, config } = await loadModel(f.weights as string);
  const data = await loadData(f.data as string, f.split as "test" | "train", { limit: f.limit as number | undefined, root: f.root as string | undefined, imageSize: config.imageSize, mode: config.inChannels === 1 ? "L" : "RGB" });
  if (data.classes.join("\n") !== config.classes.join("\n")) throw new kd.ValueError(`--data ${f.data}: its classes (${data.classes.join(", ")}) are not the model's (${config.classes.join(", ")})`);
  const loader = new kd.data.DataLoader(data.dataset, { batchSize: f["batch-size"] as number });
  const lossFn = new kd.nn.CrossEntropyLoss();
  let lossSum = 0;
  const preds: number[] = [];
  const targets: number[] = [];
  for await (const [x, y] of loader) {
    kd.noGrad(() => kd.tidy(() => {
      const logits = model.forward(x);
      lossSum += (lossFn.forward(logits, y).item() as number) * y.size(0);
      preds.push(...logits.argmax(1).dataSync());
      targets.push(...y.dataSync());
    }));
  }
  const k = config.classes.length;
  const confusion = kd.metrics.confusionMatrix(preds, targets, k);
  const correct = confusion.reduce((s, row, i) => s + row[i], 0);
  const perClass = Object.fromEntries(config.classes.map((c, i) => [c, confusion[i][i] / Math.max(1, confusion[i].reduce((a, b) => a + b, 0))]));
  const r: Evaluation = { loss: lossSum / targets.length, accuracy: correct / targets.length, samples: targets.length, perClass, confusion, classes: config.classes };
  if (f.json) {
    stdout.write(JSON.stringify(r) + "\n");
    return 0;
  }
  stdout.write(`${f.weights} (${config.model}) on ${data.where}: ${r.samples} images\n`);
  stdout.write(`loss ${r.loss.toFixed(4)}  accuracy ${(100 * r.accuracy).toFixed(2)}%\n`);
  const w = Math.max(...config.classes.map((c) => c.length)) + 2;
  stdout.write("per class:\n");
  for (const c of config.classes) stdout.write(`  ${c.padEnd(w)}${(100 * perClass[c]).toFixed(2)}%\n`);
  stdout.write("confusion matrix (rows: true, columns: predicted):\n");
  stdout.write(" ".repeat(w + 2) + config.classes.map((_, j) => String(j).padStart(6)).join("") + "\n");
  confusion.forEach((row, i) => stdout.write(`  ${config.classes[i].padEnd(w)}${row.map((v) => String(v).padStart(6)).join("")}\n`));
  return 0;
}
