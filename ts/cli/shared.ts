// What `kindling train`, `evaluate` and `predict` share: the model file (kd.classifier), the
// datasets --data names, reading image files.
import { readFileSync } from "node:fs";
import * as kd from "../index.js";
import type { ModelConfig } from "../classifier.js";

export { ARCHITECTURES, build as buildModel, configOf, load as loadModel, metadataOf as configMetadata, save as saveModel, type ModelConfig } from "../classifier.js";

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
  return kd.tidy(() => kd.classifier.toInput(img, cfg));
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

