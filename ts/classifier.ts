// A trained image classifier in one safetensors file: its weights, and in the metadata what
// rebuilds it (architecture, width, input channels and size, class names). `kindling train`
// writes it; `kindling evaluate` / `predict`, kindling/inference and the deployment page read it.
//   await kd.classifier.save("model.safetensors", model, config);
//   const { model, config } = await kd.classifier.load("model.safetensors");
//   model.forward(kd.classifier.toInput(imageData, config))   // ImageData or a decoded PNG
import { ShapeError, ValueError } from "./errors.js";
import { load as loadSafetensors, save as saveSafetensors, type Source } from "./io/safetensors.js";
import { TinyVGG } from "./models.js";
import { Sequential } from "./nn/layers/containers.js";
import { Flatten } from "./nn/layers/shape.js";
import { Linear } from "./nn/layers/linear.js";
import { ReLU } from "./nn/layers/activation.js";
import type { Module } from "./nn/module.js";
import type { Tensor } from "./tensor.js";
import { Resize, ToTensor, type RawImage } from "./data/transforms.js";

const FORMAT = "kindling.classifier";

/** Everything that rebuilds a classifier besides its weights. */
export interface ModelConfig {
  model: string;
  hidden: number;
  inChannels: number;
  imageSize: number;
  classes: string[];
}

export const ARCHITECTURES = ["tinyvgg", "mlp", "linear"] as const;

/** A fresh classifier for `cfg`: kd.models' TinyVGG / MLP / linear sized for the input. */
export function build(cfg: ModelConfig): Module {
  const k = cfg.classes.length;
  const s = cfg.imageSize;
  const flat = cfg.inChannels * s * s;
  switch (cfg.model) {
    case "tinyvgg": {
      const m = new TinyVGG(cfg.inChannels, cfg.hidden, k);
      // TinyVGG's classifier is sized for 28x28; two 2x2 max-pools take s to floor(floor(s/2)/2).
      const side = Math.floor(Math.floor(s / 2) / 2);
      if (s !== 28) m.classifier = new Sequential(new Flatten(), new Linear(cfg.hidden * side * side, k));
      return m;
    }
    case "mlp": return new Sequential(new Flatten(), new Linear(flat, cfg.hidden), new ReLU(), new Linear(cfg.hidden, k));
    case "linear": return new Sequential(new Flatten(), new Linear(flat, k));
    default: throw new ValueError(`unknown model "${cfg.model}": expected ${ARCHITECTURES.join(", ")}`);
  }
}

export const metadataOf = (cfg: ModelConfig): Record<string, string> => ({
  format: FORMAT, model: cfg.model, hidden: String(cfg.hidden), in_channels: String(cfg.inChannels), image_size: String(cfg.imageSize), classes: JSON.stringify(cfg.classes),
});

/** Saves a trained classifier's weights with its config (kd.save's targets; no file: a Blob). Plain safetensors: PyTorch reads the weights. */
export async function save(file: string | undefined, model: Module, cfg: ModelConfig): Promise<Blob | void> {
  return saveSafetensors(model.stateDict(), file, metadataOf(cfg));
}

/** The config in a classifier file's metadata; a ValueError naming the file when it is not one. */
export function configOf(metadata: Record<string, string>, file: string): ModelConfig {
  if (metadata.format !== FORMAT) throw new ValueError(`${file} is not a model saved by kindling train (its metadata has no format "${FORMAT}")`);
  const num = (k: string) => {
    const v = Number(metadata[k]);
    if (!Number.isInteger(v) || v <= 0) throw new ValueError(`${file}: metadata ${k} = ${JSON.stringify(metadata[k])} is not a positive integer`);
    return v;
  };
  let classes: unknown;
  try {
    classes = JSON.parse(metadata.classes);
  } catch {
    classes = undefined;
  }
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === "string")) throw new ValueError(`${file}: metadata classes is not a list of names`);
  return { model: metadata.model, hidden: num("hidden"), inChannels: num("in_channels"), imageSize: num("image_size"), classes };
}

/** Rebuilds a classifier from a file saveModel wrote. */
export async function load(source: Source, name = typeof source === "string" ? source : "model"): Promise<{ model: Module; config: ModelConfig }> {
  const { tensors, metadata } = await loadSafetensors(source);
  const config = configOf(metadata, name);
  const model = build(config);
  model.loadStateDict(tensors);
  for (const t of Object.values(tensors)) t.dispose();
  model.eval();
  return { model, config };
}

/**
 * A decoded image (kd.datasets.decodeImage / decodeImageAsync in the model's mode: "L" for one
 * channel, "RGB" for three) as the model's input [1, C, S, S] in [0, 1], resized to S x S.
 */
export function toInput(img: RawImage, cfg: ModelConfig): Tensor {
  const c = img.channels ?? 4;
  if (c !== cfg.inChannels) throw new ShapeError(`classifier.toInput: the image has ${c} channels but the model takes ${cfg.inChannels} (decode it with mode "${cfg.inChannels === 1 ? "L" : "RGB"}")`);
  let x = new ToTensor().apply(img);
  if (img.height !== cfg.imageSize || img.width !== cfg.imageSize) x = new Resize([cfg.imageSize, cfg.imageSize]).apply(x) as Tensor;
  return x.unsqueeze(0);
}
