// What `kindling train`, `evaluate` and `predict` share: the model file (kd.classifier), the
// datasets --data names, reading image files.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import * as kd from "../index.js";
import type { ModelConfig } from "../classifier.js";

export type { ModelConfig } from "../classifier.js";
// Through the kd namespace (not ../classifier.js itself), so the bundle keeps one copy in core.js.
export const ARCHITECTURES = kd.classifier.ARCHITECTURES;
export const { build: buildModel, configOf, load: loadModel, metadataOf: configMetadata, save: saveModel } = kd.classifier;

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
export async function loadData(spec: string, split: "train" | "test", opts: { limit?: number; root?: string; imageSize?: number; mode?: "L" | "RGB" } = {}): Promise<LabelledData> {
  const toTensor = new kd.transforms.ToTensor();
  if (spec === "fashion-mnist") {
    const ds = await kd.datasets.FashionMNIST.load({ train: split === "train", transform: toTensor, root: opts.root });
    return { dataset: firstN(ds as kd.data.MapDataset<[kd.Tensor, number]>, opts.limit), classes: [...ds.classes], inChannels: 1, imageSize: 28, where: `FashionMNIST (${ds.root}) ${split}` };
  }
  return loadFolder(spec, split, opts.limit, opts.imageSize, opts.mode);
}

/** Grey when every pixel of the first image has R = G = B (a grey PNG decodes to equal channels). */
function folderMode(first: string): "L" | "RGB" {
  const img = kd.datasets.decodeImage(readBytes(first, "image"), first, { mode: "RGB" });
  for (let i = 0; i < img.data.length; i += 3) if (img.data[i] !== img.data[i + 1] || img.data[i] !== img.data[i + 2]) return "RGB";
  return "L";
}

async function loadFolder(dir: string, split: string, limit: number | undefined, imageSize: number | undefined, mode: "L" | "RGB" | undefined): Promise<LabelledData> {
  const root = path.join(dir, split);
  if (!existsSync(root)) throw new kd.ValueError(`--data ${dir}: no ${split}/ folder (expected ${dir}/train/<class>/*.png and ${dir}/test/<class>/*.png, as the course's pizza_steak_sushi)`);
  const probe = new kd.datasets.ImageFolder(root);
  if (probe.samples.length === 0) throw new kd.ValueError(`--data ${dir}: ${root} holds no images`);
  const first = probe.samples[0][0];
  const m = mode ?? folderMode(first);
  const size = imageSize ?? (() => {
    const info = kd.datasets.imageInfo(readBytes(first, "image"), first);
    if (info.width !== info.height && imageSize === undefined) throw new kd.ValueError(`--data ${dir}: images are ${info.width}x${info.height}; give --image-size N to resize them to N x N`);
    return info.width;
  })();
  const toTensor = new kd.transforms.ToTensor();
  const resize = new kd.transforms.Resize([size, size]);
  const transform = (img: kd.transforms.RawImage) => toTensor.apply(img.height === size && img.width === size ? img : (resize.apply(img) as kd.transforms.RawImage));
  const ds = new kd.datasets.ImageFolder<kd.Tensor>(root, { mode: m, transform });
  return { dataset: firstN(ds as kd.data.MapDataset<[kd.Tensor, number]>, limit), classes: [...ds.classes], inChannels: m === "L" ? 1 : 3, imageSize: size, where: root };
}

/** The bytes of a file, with a clear error when it is missing. */
export function readBytes(file: string, what: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new kd.ValueError(`${what} ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
}

/** An image file's pixels (PNG or JPEG) as the model's input [1, C, S, S] in [0, 1]. */
export function imageInput(file: string, cfg: ModelConfig): kd.Tensor {
  const img = kd.datasets.decodeImage(readBytes(file, "image"), file, { mode: cfg.inChannels === 1 ? "L" : "RGB" });
  return kd.tidy(() => kd.classifier.toInput(img, cfg));
}
