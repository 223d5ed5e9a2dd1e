// `kindling predict`: the top classes of each image (PNG or JPEG) under a model saved by
// kindling train, with each image's latency (decode + forward).
//
//   npx kindling predict shoe.png shirt.png --weights model.safetensors --top 3
import * as kd from "../index.js";
import { parseArgs, usage, type CommandSpec } from "./args.js";
import { imageInput, loadModel } from "./shared.js";

export const spec: CommandSpec = {
  name: "predict",
  summary: "Predicts the class of each image with a model saved by kindling train.",
  positionals: { name: "<image...>", min: 1 },
  flags: {
    weights: { type: "string", default: "model.safetensors", help: "the model file" },
    top: { type: "int", min: 1, default: 3, help: "how many classes to show" },
    device: { type: "string", choices: ["cpu"], default: "cpu", help: "device" },
    json: { type: "boolean", help: "print the predictions as JSON" },
  },
};

export interface Prediction { image: string; top: { label: string; index: number; prob: number }[]; ms: number }

export async function main(argv: string[], io: { stdout?: { write(s: string): unknown } } = {}): Promise<number> {
  const { flags: f, positionals, help } = parseArgs(spec, argv);
  const stdout = io.stdout ?? process.stdout;
  if (help) {
    stdout.write(usage(spec));
    return 0;
  }
  const { model, config } = await loadModel(f.weights as string);
  const k = Math.min(f.top as number, config.classes.length);
  const results: Prediction[] = [];
  for (const file of positionals) {
    const t0 = performance.now();
    const x = imageInput(file, config);
    const probs = kd.noGrad(() => kd.tidy(() => kd.softmax(model.forward(x), 1).dataSync() as Float32Array));
    x.dispose();
    const ms = performance.now() - t0;
    const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]).slice(0, k);
    results.push({ image: file, top: order.map((i) => ({ label: config.classes[i], index: i, prob: probs[i] })), ms });
  }
  if (f.json) stdout.write(JSON.stringify(results) + "\n");
  else for (const r of results) stdout.write(`${r.image}: ${r.top.map((t) => `${t.label} ${(100 * t.prob).toFixed(1)}%`).join(", ")} (${r.ms.toFixed(1)} ms)\n`);
  return 0;
}
