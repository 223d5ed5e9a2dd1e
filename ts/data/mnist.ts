// datasets.MNIST and datasets.FashionMNIST, as torchvision has them, read from IDX files.
//
//   const train = await kd.datasets.FashionMNIST.load({ train: true, transform: new kd.transforms.ToTensor() });
//   train.length            // 60000
//   train.classes[train.getItem(0)[1]]   // "Ankle boot"
//   const loader = new kd.data.DataLoader(train, { batchSize: 32, shuffle: true });
//
// Where the files come from, in order:
//   1. `root` when given (the four canonical files, gzipped or not, in it or in root/<Name>/raw);
//   2. otherwise the folder a system package installs (Debian's dataset-fashion-mnist puts
//      FashionMNIST in /usr/share/datasets/fashion-mnist), then the user cache
//      ($KINDLING_DATA_HOME or $XDG_CACHE_HOME/kindling/datasets or ~/.cache/kindling/datasets);
//   3. with `download: true` (or {baseUrl}), missing files are fetched from the dataset's
//      canonical address into root (or the cache): each is checked (gunzip + IDX header + size)
//      before it is renamed into place from a temporary file, so nothing half-written remains.
// In browsers `root` is a URL prefix and files are fetched from it.
//
// The dataset holds the whole uint8 image array; getItem(i) gives [image, label] where the image
// is a RawImage (uint8 28x28x1) unless a transform turns it into a tensor. getBatch(indices) is
// the DataLoader's fast path: with no transform but ToTensor (+ Normalize, Resize...), a batch is
// made in one pass over the bytes instead of one tensor per image.
import { fromArray } from "../creation.js";
import { DatasetError, ValueError } from "../errors.js";
import { tidy } from "../memory.js";
import type { Tensor } from "../tensor.js";
import { checkIndex, Dataset } from "./dataset.js";
import { defaultCollate } from "./dataloader.js";
import { checkOptions } from "../options.js";
import { decodeIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readBytes, type IdxArray } from "./idx.js";
import { applyTransform, batchPlan, bytesToUnitTensor, Transform, type RawImage, type TransformLike } from "./transforms.js";

export interface MNISTOptions<I = RawImage, L = number> {
  /** Folder (Node) or URL prefix (browsers) holding the IDX files. */
  root?: string;
  /** The 60,000-image training split (default) or the 10,000-image test split. */
  train?: boolean;
  /** Applied to each image (a RawImage): e.g. new transforms.ToTensor(). */
  transform?: Transform<RawImage, I> | ((image: RawImage) => I);
  /** Applied to each label (a number). */
  targetTransform?: (label: number) => L;
  /** Fetch missing files: true for the canonical address, or {baseUrl} (one or several mirrors). */
  download?: boolean | { baseUrl?: string | string[] };
}

export interface MNISTData {
  images: Uint8Array;
  labels: Uint8Array;
  rows: number;
  cols: number;
  root?: string;
}

const isNode = () => typeof process !== "undefined" && !!process.versions?.node;

/**
 * Handwritten digits 0-9 (torchvision.datasets.MNIST). Items are [image, label]: I is RawImage
 * without a transform (Tensor after ToTensor), L the label type (number).
 */
export class MNIST<I = RawImage, L = number> extends Dataset<[I, L]> {
  static readonly classes: readonly string[] = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"];
  /** Base URLs tried in order by download: true. */
  static readonly mirrors: readonly string[] = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"];
  /** Folders where system packages install the files, checked when no root is given. */
  static readonly systemRoots: readonly string[] = [];
  /** The folder name in the user cache. */
  static readonly cacheName: string = "mnist";

  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly rows: number;
  readonly cols: number;
  readonly root: string | undefined;
  readonly train: boolean;
  readonly transform: TransformLike | undefined;
  readonly targetTransform: ((label: number) => L) | undefined;
  readonly classes: readonly string[];
  #plan: ReturnType<typeof batchPlan> | undefined;

  /** From arrays already in memory (load() reads the files and calls this). */
  constructor(data: MNISTData, opts: Omit<MNISTOptions<I, L>, "root" | "download"> = {}) {
    super();
    const cls = this.constructor as typeof MNIST;
    checkOptions(cls.name, opts, ["train", "transform", "targetTransform"]);
    const n = data.labels.length;
    if (data.images.length !== n * data.rows * data.cols) {
      throw new DatasetError(`${cls.name}: ${n} labels but ${data.images.length} image bytes (expected ${n} x ${data.rows} x ${data.cols})`);
    }
    this.images = data.images;
    this.labels = data.labels;
    this.rows = data.rows;
    this.cols = data.cols;
    this.root = data.root;
    this.train = opts.train ?? true;
    this.transform = opts.transform;
    this.targetTransform = opts.targetTransform;
    this.classes = cls.classes;
  }

  /** Reads the split's files (see the top of this file for where from). */
  static async load<I = RawImage, L = number>(opts: MNISTOptions<I, L> = {}): Promise<MNIST<I, L>> {
    checkOptions(`${this.name}.load`, opts, ["root", "train", "transform", "targetTransform", "download"]);
    const train = opts.train ?? true;
    const split = train ? "train" : "t10k";
    const names = { images: `${split}-images-idx3-ubyte`, labels: `${split}-labels-idx1-ubyte` };
    const files = await this.locate(names, opts);
    const [images, labels] = await Promise.all([
      files.images.bytes.then((b) => decodeIdx(b, files.images.path, IDX_IMAGES_MAGIC)),
      files.labels.bytes.then((b) => decodeIdx(b, files.labels.path, IDX_LABELS_MAGIC)),
    ]);
    const data = this.check(images, labels, files.images.path, files.labels.path);
    return new this<I, L>({ ...data, root: files.root }, { train, transform: opts.transform, targetTransform: opts.targetTransform });
  }

  /** Checks the parsed files against each other and against the classes. */
  static check(images: IdxArray, labels: IdxArray, imagesPath: string, labelsPath: string): MNISTData {
    if (images.dtype !== "uint8" || images.dims.length !== 3) throw new DatasetError(`${imagesPath}: expected uint8 images [N, rows, cols], got ${images.dtype} [${images.dims.join(", ")}]`);
    if (labels.dtype !== "uint8" || labels.dims.length !== 1) throw new DatasetError(`${labelsPath}: expected uint8 labels [N], got ${labels.dtype} [${labels.dims.join(", ")}]`);
    const [n, rows, cols] = images.dims;
    if (labels.dims[0] !== n) throw new DatasetError(`${this.name}: label/image count mismatch: ${labelsPath} has ${labels.dims[0]} labels but ${imagesPath} has ${n} images`);
    const lab = labels.data as Uint8Array;
    const k = this.classes.length;
    for (let i = 0; i < lab.length; i++) {
      if (lab[i] >= k) throw new DatasetError(`${labelsPath}: label ${lab[i]} at index ${i} is out of range for ${k} classes`);
    }
    return { images: images.data as Uint8Array, labels: lab, rows, cols };
  }

  /** Where the two files are (and a promise of their bytes), downloading them if asked to. */
  static async locate(names: { images: string; labels: string }, opts: MNISTOptions<unknown, unknown>): Promise<{ root: string; images: { path: string; bytes: Promise<Uint8Array> }; labels: { path: string; bytes: Promise<Uint8Array> } }> {
    const mirrors = typeof opts.download === "object" && opts.download.baseUrl !== undefined ? [opts.download.baseUrl].flat() : this.mirrors.slice();
    if (!isNode()) {
      // Browsers: a URL prefix; try the gzipped name, then the plain one.
      const root = opts.root ?? (opts.download ? mirrors[0] : undefined);
      if (!root) throw new DatasetError(`${this.name}: give root (a URL prefix holding the IDX files) or download: {baseUrl}`);
      const get = async (base: string) => {
        const url = joinUrl(root, base);
        try {
          return await readBytes(`${url}.gz`);
        } catch {
          return readBytes(url);
        }
      };
      return { root, images: { path: joinUrl(root, names.images), bytes: get(names.images) }, labels: { path: joinUrl(root, names.labels), bytes: get(names.labels) } };
    }
    const path = await import("node:path");
    const fs = await import("node:fs/promises");
    const exists = async (p: string) => fs.stat(p).then((s) => s.isFile(), () => false);
    const find = async (dir: string, base: string) => {
      for (const d of [dir, path.join(dir, this.name, "raw")]) {
        for (const f of [base, `${base}.gz`]) if (await exists(path.join(d, f))) return path.join(d, f);
      }
      return null;
    };
    const cache = cacheDir(this.cacheName, path);
    const roots = opts.root !== undefined ? [opts.root] : [...this.systemRoots, cache];
    for (const root of roots) {
      const im = await find(root, names.images);
      const lb = await find(root, names.labels);
      if (im && lb) return { root, images: { path: im, bytes: readBytes(im) }, labels: { path: lb, bytes: readBytes(lb) } };
    }
    if (!opts.download) {
      const hint = this === FashionMNIST ? "install Debian's dataset-fashion-mnist package, " : "";
      throw new DatasetError(`${this.name}: ${names.images}(.gz) and ${names.labels}(.gz) not found in ${roots.join(", ")}; ${hint}pass root (a folder holding them), or download: true`);
    }
    const dest = opts.root ?? cache;
    const out = {} as Record<"images" | "labels", { path: string; bytes: Promise<Uint8Array> }>;
    for (const [key, magic] of [["images", IDX_IMAGES_MAGIC], ["labels", IDX_LABELS_MAGIC]] as const) {
      const found = await find(dest, names[key]);
      if (found) out[key] = { path: found, bytes: readBytes(found) };
      else {
        const file = path.join(dest, `${names[key]}.gz`);
        const bytes = await downloadFile(mirrors.map((m) => joinUrl(m, `${names[key]}.gz`)), file, magic);
        out[key] = { path: file, bytes: Promise.resolve(bytes) };
      }
    }
    return { root: dest, ...out };
  }

  get length(): number {
    return this.labels.length;
  }

  /** The labels as numbers (torchvision's .targets). */
  get targets(): Int32Array {
    return Int32Array.from(this.labels);
  }

  /** Class name to index. */
  get classToIdx(): Record<string, number> {
    return Object.fromEntries(this.classes.map((c, i) => [c, i]));
  }

  /** Image i as uint8 rows x cols x 1 (a copy). */
  rawImage(index: number): RawImage {
    const i = checkIndex(index, this.length);
    const m = this.rows * this.cols;
    return { data: this.images.slice(i * m, (i + 1) * m), height: this.rows, width: this.cols, channels: 1 };
  }

  /** [image, label], each through its transform (torchvision's __getitem__). */
  getItem(index: number): [I, L] {
    const i = checkIndex(index, this.length);
    const img = this.rawImage(i);
    const label = this.labels[i];
    return [(this.transform ? applyTransform(this.transform, img) : img) as I, (this.targetTransform ? this.targetTransform(label) : label) as L];
  }

  /**
   * The collated batch [images, labels] for `indices`, what defaultCollate(indices.map(getItem))
   * gives: one pass over the bytes when the transform allows it (ToTensor, then deterministic
   * transforms), item by item otherwise (random augmentation).
   */
  getBatch(indices: readonly number[]): [Tensor, Tensor] {
    if (this.#plan === undefined) this.#plan = batchPlan(this.transform);
    const plan = this.#plan;
    return tidy(() => {
      if (!plan) return defaultCollate(indices.map((i) => this.getItem(i))) as [Tensor, Tensor];
      const n = this.length;
      const m = this.rows * this.cols;
      const pixels = new Uint8Array(indices.length * m);
      const labels = new Int32Array(indices.length);
      indices.forEach((idx, k) => {
        const i = checkIndex(idx, n);
        pixels.set(this.images.subarray(i * m, (i + 1) * m), k * m);
        labels[k] = this.labels[i];
      });
      const x = plan(pixels, indices.length, 1, this.rows, this.cols);
      const y = this.targetTransform ? (defaultCollate(Array.from(labels, (l) => this.targetTransform!(l))) as Tensor) : fromArray(labels, [labels.length], "int32");
      return [x, y];
    });
  }

  /** The whole split as tensors: images [N, 1, rows, cols] float32 in [0, 1], labels [N] int32 (no transforms). */
  asTensors(): { images: Tensor; labels: Tensor } {
    const n = this.length;
    const m = this.rows * this.cols;
    return { images: bytesToUnitTensor(this.images.subarray(0, n * m), [n, 1, this.rows, this.cols]), labels: fromArray(this.labels, [n], "int32") };
  }

  override toString(): string {
    const cls = this.constructor as typeof MNIST;
    const lines = [`Dataset ${cls.name}`, `    Number of datapoints: ${this.length}`, `    Root location: ${this.root ?? "(in memory)"}`, `    Split: ${this.train ? "Train" : "Test"}`];
    if (this.transform) lines.push(`    Transform: ${this.transform instanceof Transform ? this.transform.toString().replace(/\n/g, "\n    ") : "Lambda()"}`);
    return lines.join("\n");
  }
}

/** Zalando's article images, 10 classes of clothing (torchvision.datasets.FashionMNIST). */
export class FashionMNIST<I = RawImage, L = number> extends MNIST<I, L> {
  static override readonly classes: readonly string[] = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
  static override readonly mirrors: readonly string[] = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"];
  static override readonly systemRoots: readonly string[] = ["/usr/share/datasets/fashion-mnist"];
  static override readonly cacheName: string = "fashion-mnist";

  static override async load<I = RawImage, L = number>(opts: MNISTOptions<I, L> = {}): Promise<FashionMNIST<I, L>> {
    return (await super.load(opts)) as FashionMNIST<I, L>;
  }
}

function joinUrl(base: string, name: string): string {
  return base.endsWith("/") ? base + name : `${base}/${name}`;
}

function cacheDir(name: string, path: typeof import("node:path")): string {
  const env = process.env;
  if (env.KINDLING_DATA_HOME) return path.join(env.KINDLING_DATA_HOME, name);
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || env.USERPROFILE || ".", ".cache");
  return path.join(base, "kindling", "datasets", name);
}

/**
 * Fetches the first URL that answers with a valid IDX file (checked by decoding it) and writes
 * it to `dest` through a temporary file and a rename; nothing is left behind on failure.
 */
export async function downloadFile(urls: string[], dest: string, expectMagic?: number): Promise<Uint8Array> {
  if (urls.length === 0) throw new ValueError("download: no URL to fetch from");
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  const errors: string[] = [];
  for (const url of urls) {
    let bytes: Uint8Array;
    try {
      bytes = await readBytes(url);
      await decodeIdx(bytes, url, expectMagic);
    } catch (e) {
      errors.push((e as Error).message);
      continue;
    }
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await fs.writeFile(tmp, bytes);
      await fs.rename(tmp, dest);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw new DatasetError(`${dest}: could not write the downloaded file (${(e as Error).message})`);
    }
    return bytes;
  }
  throw new DatasetError(`download of ${path.basename(dest)} failed: ${errors.join("; ")}`);
}
