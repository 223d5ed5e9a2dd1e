// What `kindling train`, `evaluate` and `predict` share: a trained model's file (its weights plus,
// in the safetensors metadata, what rebuilds it: architecture, width, input size, class names)
// and the datasets --data names.
import { readFileSync } from "node:fs";
import * as kd from "../index.js";

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
export function buildModel(cfg: ModelConfig): kd.nn.Module {
  const k = cfg.classes.length;
  const s = cfg.imageSize;
  const flat = cfg.inChannels * s * s;
  switch (cfg.model) {
    case "tinyvgg": {
      const m = new kd.models.TinyVGG(cfg.inChannels, cfg.hidden, k);
      // TinyVGG's classifier is sized for 28x28; two 2x2 max-pools take s to floor(floor(s/2)/2).
      const side = Math.floor(Math.floor(s / 2) / 2);
      if (s !== 28) m.classifier = new kd.nn.Sequential(new kd.nn.Flatten(), new kd.nn.Linear(cfg.hidden * side * side, k));
      return m;
    }
    case "mlp": return new kd.nn.Sequential(new kd.nn.Flatten(), new kd.nn.Linear(flat, cfg.hidden), new kd.nn.ReLU(), new kd.nn.Linear(cfg.hidden, k));
    case "linear": return new kd.nn.Sequential(new kd.nn.Flatten(), new kd.nn.Linear(flat, k));
    default: throw new kd.ValueError(`unknown model "${cfg.model}": expected ${ARCHITECTURES.join(", ")}`);
  }
}

export const configMetadata = (cfg: ModelConfig): Record<string, string> => ({
  format: FORMAT, model: cfg.model, hidden: String(cfg.hidden), in_channels: String(cfg.inChannels), image_size: String(cfg.imageSize), classes: JSON.stringify(cfg.classes),
});

/** Saves a trained classifier's weights with its config (loadable by kd.load and by PyTorch's safetensors). */
export async function saveModel(file: string, model: kd.nn.Module, cfg: ModelConfig): Promise<void> {
  await kd.save(model.stateDict(), file, configMetadata(cfg));
}

/** The config in a classifier file's metadata; a ValueError naming the file when it is not one. */
export function configOf(metadata: Record<string, string>, file: string): ModelConfig {
  if (metadata.format !== FORMAT) throw new kd.ValueError(`${file} is not a model saved by kindling train (its metadata has no format "${FORMAT}")`);
  const num = (k: string) => {
    const v = Number(metadata[k]);
    if (!Number.isInteger(v) || v <= 0) throw new kd.ValueError(`${file}: metadata ${k} = ${JSON.stringify(metadata[k])} is not a positive integer`);
    return v;
  };
  let classes: unknown;
  try {
    classes = JSON.parse(metadata.classes);
  } catch {
    classes = undefined;
  }
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === "string")) throw new kd.ValueError(`${file}: metadata classes is not a list of names`);
  return { model: metadata.model, hidden: num("hidden"), inChannels: num("in_channels"), imageSize: num("image_size"), classes };
}

/** Rebuilds a classifier from a file saveModel wrote. */
export async function loadModel(source: string | Uint8Array, name = typeof source === "string" ? source : "model"): Promise<{ model: kd.nn.Module; config: ModelConfig }> {
  const { tensors, metadata } = await kd.load(source);
  const config = configOf(metadata, name);
  const model = buildModel(config);
  model.loadStateDict(tensors);
  for (const t of Object.values(tensors)) t.dispose();
  model.eval();
  return { model, config };
}

/** A labelled image dataset with class names, as --data gives. */
export interface LabelledData {
  dataset: kd.data.MapDataset<[kd.Tensor, number]>;
  classes: string[];
  inChannels: number;
  imageSize: number;
  where: string;
}

const firstN = <T>(ds: kd.data.MapDataset<T>, limit: number | undefined) =>
  limit !== undefined && limit < ds.length ? new kd.data.Subset(ds, Array.from({ length: limit }, (_, i) => i)) : ds;

/**
 * The train or test split --data names: "fashion-mnist" (the IDX files, --root to point
 * elsewhere) or a folder with train/ and test/ class subfolders of images (the course's layout).
 */
export async function loadData(spec: string, split: "train" | "test", opts: { limit?: number; root?: string; imageSize?: number } = {}): Promise<LabelledData> {
  const toTensor = new kd.transforms.ToTensor();
  if (spec === "fashion-mnist") {
    const ds = await kd.datasets.FashionMNIST.load({ train: split === "train", transform: toTensor, root: opts.root });
    return { dataset: firstN(ds as kd.data.MapDataset<[kd.Tensor, number]>, opts.limit), classes: [...ds.classes], inChannels: 1, imageSize: 28, where: `FashionMNIST (${ds.root}) ${split}` };
  }
  return loadFolder(spec, split, opts.limit, opts.imageSize);
}

async function loadFolder(dir: string, split: string, limit: number | undefined, imageSize: number | undefined): Promise<LabelledData> {
  void dir; void split; void limit; void imageSize;
  throw new kd.ValueError(`--data ${dir}: image folders need kd.datasets.ImageFolder`);
}

/** The bytes of a file, with a clear error when it is missing. */
export function readBytes(file: string, what: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new kd.ValueError(`${what} ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
}

/** An image file's pixels as the model's input [1, C, S, S] in [0, 1] (PNG or JPEG). */
export async function imageInput(file: string, cfg: ModelConfig): Promise<kd.Tensor> {
  const bytes = readBytes(file, "image");
  const img = await decodeImage(bytes, file);
  return kd.tidy(() => toInput(img, cfg));
}

async function decodeImage(bytes: Uint8Array, file: string): Promise<kd.transforms.RawImage> {
  const png = bytes[0] === 0x89 && bytes[1] === 0x50;
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  if (png) {
    const { PNG } = await import("pngjs");
    const p = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { data: p.data, height: p.height, width: p.width, channels: 4 };
  }
  if (jpeg) {
    const jpegJs = (await import("jpeg-js")).default;
    const j = jpegJs.decode(bytes, { useTArray: true, formatAsRGBA: true });
    return { data: j.data, height: j.height, width: j.width, channels: 4 };
  }
  throw new kd.ValueError(`image ${file}: not a PNG or JPEG file`);
}

/** RGBA pixels to the model's channels (grayscale: ITU-R 601 luma, as torchvision's Grayscale) and size. */
export function toInput(img: kd.transforms.RawImage, cfg: ModelConfig): kd.Tensor {
  const c = img.channels ?? 4;
  const n = img.height * img.width;
  let pixels: kd.transforms.RawImage;
  if (cfg.inChannels === 1 && c >= 3) {
    const g = new Uint8Array(n);
    for (let i = 0; i < n; i++) g[i] = Math.round(0.299 * img.data[i * c] + 0.587 * img.data[i * c + 1] + 0.114 * img.data[i * c + 2]);
    pixels = { data: g, height: img.height, width: img.width, channels: 1 };
  } else if (cfg.inChannels === 3 && c === 4) {
    const rgb = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) rgb[i * 3 + k] = img.data[i * 4 + k];
    pixels = { data: rgb, height: img.height, width: img.width, channels: 3 };
  } else if (c === cfg.inChannels) pixels = img;
  else throw new kd.ShapeError(`an image with ${c} channels cannot feed a model of ${cfg.inChannels}`);
  let x = new kd.transforms.ToTensor().apply(pixels);
  if (img.height !== cfg.imageSize || img.width !== cfg.imageSize) x = new kd.transforms.Resize([cfg.imageSize, cfg.imageSize]).apply(x) as kd.Tensor;
  return x.unsqueeze(0);
}
