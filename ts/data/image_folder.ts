// datasets.ImageFolder and datasets.DatasetFolder, as torchvision has them: one sub-folder per
// class, every image file under it (at any depth) a sample of that class.
//
//   const train = new kd.datasets.ImageFolder("data/pizza_steak_sushi/train", {
//     transform: new kd.transforms.Compose([new kd.transforms.Resize([64, 64]), new kd.transforms.ToTensor()]),
//   });
//   train.classes          // ["pizza", "steak", "sushi"]  (sorted folder names)
//   train.classToIdx       // { pizza: 0, steak: 1, sushi: 2 }
//   train.samples[0]       // ["data/.../pizza/1008104.jpg", 0]
//   const [img, label] = train.getItem(0);   // a Tensor [3, 64, 64] and 0
//
// In Node the folder is listed when the dataset is made and each image is read and decoded when
// getItem asks for it (pngjs / jpeg-js, see image_decode.ts). In a page, `await
// ImageFolder.load(source)` takes what a page can reach: the FileList of an
// <input type="file" webkitdirectory>, a FileSystemDirectoryHandle (showDirectoryPicker), or a
// URL prefix with the list of files under it. It decodes every image up front (the browser's
// decoders are asynchronous), so getItem is synchronous everywhere and the DataLoader's plain
// `for` works too.
//
// The default loader converts each image to RGB, as torchvision's pil_loader does (a grey PNG
// gives 3 equal channels); pass `mode: "L"` for one grey channel or "RGBA" to keep alpha.
import { DatasetError, ValueError } from "../errors.js";
import { checkOptions } from "../options.js";
import { checkIndex, Dataset } from "./dataset.js";
import { checkMode, decodeImage, decodeImageAsync, MAX_IMAGE_PIXELS, type ImageMode } from "./image_decode.js";
import { applyTransform, Transform, type RawImage, type TransformLike } from "./transforms.js";

/** The file extensions ImageFolder reads by default (torchvision's IMG_EXTENSIONS that kindling decodes). */
export const IMG_EXTENSIONS: readonly string[] = [".jpg", ".jpeg", ".png"];

export interface DatasetFolderOptions<S, I, L> {
  /** Applied to each loaded sample (e.g. a transforms.Compose ending in ToTensor: then name I, ImageFolder<kd.Tensor>). */
  transform?: Transform<S, I> | Transform<any, unknown> | ((sample: S) => I); // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Applied to each label (a class index). */
  targetTransform?: (label: number) => L;
  /** Extensions of the files to take, case-insensitive (excludes isValidFile). */
  extensions?: readonly string[];
  /** Which files to take, by path (excludes extensions). */
  isValidFile?: (path: string) => boolean;
  /** Allow classes without any file (torchvision's allow_empty). */
  allowEmpty?: boolean;
}

export interface ImageFolderOptions<I, L> extends DatasetFolderOptions<RawImage, I, L> {
  /** Reads one file into an image (default: decode the PNG/JPEG in `mode`). Synchronous. */
  loader?: (path: string) => RawImage;
  /** Colour mode of the default loader: "RGB" (default, as torchvision), "L" or "RGBA". */
  mode?: ImageMode;
  /** Largest width x height the default loader accepts (default PIL's 89,478,485). */
  maxPixels?: number;
}

/** A folder index: what a scan of the class folders finds (made by the constructor or load()). */
export interface FolderIndex {
  root: string;
  classes: string[];
  samples: [string, number][];
}

/** What a page can hand to ImageFolder.load: a picked folder, its handle, or URLs. */
export type FolderSource = string | FileList | readonly File[] | FileSystemDirectoryHandle | { baseUrl: string; files: readonly string[] };

const isNode = () => typeof process !== "undefined" && !!process.versions?.node;
const FOLDER_OPTIONS = ["transform", "targetTransform", "extensions", "isValidFile", "allowEmpty"];

/**
 * A generic folder dataset (torchvision DatasetFolder): root/<class>/**\/<file>, each file read
 * by `loader`. Items are [transform(loader(path)), targetTransform(classIndex)].
 */
export class DatasetFolder<S = unknown, I = S, L = number> extends Dataset<[I, L]> {
  readonly root: string;
  readonly classes: readonly string[];
  readonly classToIdx: Readonly<Record<string, number>>;
  /** [path, class index] pairs, sorted by class then path (torchvision's samples / imgs). */
  readonly samples: readonly (readonly [string, number])[];
  readonly targets: readonly number[];
  readonly loader: (path: string) => S;
  readonly transform: TransformLike | undefined;
  readonly targetTransform: ((label: number) => L) | undefined;

  constructor(root: string | FolderIndex, loader: (path: string) => S, opts: DatasetFolderOptions<S, I, L> = {}) {
    super();
    const who = (this.constructor as { name: string }).name;
    checkOptions(who, opts, FOLDER_OPTIONS);
    if (typeof loader !== "function") throw new TypeError(`${who}: loader must be a function (path) => sample`);
    const index = typeof root === "string" ? scanFolder(root, validFile(who, opts), !!opts.allowEmpty) : root;
    this.root = index.root;
    this.classes = index.classes.slice();
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    this.samples = index.samples.map(([p, i]) => [p, i] as const);
    this.targets = this.samples.map((s) => s[1]);
    this.loader = loader;
    this.transform = opts.transform;
    this.targetTransform = opts.targetTransform;
  }

  get length(): number {
    return this.samples.length;
  }

  /** [sample, label] of item `index`, each through its transform. */
  getItem(index: number): [I, L] {
    const [path, label] = this.samples[checkIndex(index, this.samples.length)];
    const sample = this.loader(path);
    return [(this.transform ? applyTransform(this.transform, sample) : sample) as I, (this.targetTransform ? this.targetTransform(label) : label) as L];
  }

  override toString(): string {
    const lines = [`Dataset ${(this.constructor as { name: string }).name}`, `    Number of datapoints: ${this.length}`, `    Root location: ${this.root}`];
    if (this.transform) lines.push(`    StandardTransform\nTransform: ${this.transform instanceof Transform ? this.transform.toString().replace(/\n/g, "\n    ") : "Lambda()"}`);
    return lines.join("\n");
  }
}

/**
 * Images in class folders (torchvision ImageFolder): PNG and JPEG files, decoded to RawImage
 * (uint8 HWC, RGB by default) and passed through `transform`. Bad or truncated files raise
 * kd.DatasetError naming the file when getItem reaches them.
 */
export class ImageFolder<I = RawImage, L = number> extends DatasetFolder<RawImage, I, L> {
  readonly mode: ImageMode;

  /** Node: lists `root`'s class folders now; images are decoded by getItem. In a page use load(). */
  constructor(root: string | FolderIndex, opts: ImageFolderOptions<I, L> = {}) {
    checkOptions("ImageFolder", opts, [...FOLDER_OPTIONS, "loader", "mode", "maxPixels"]);
    const mode = checkMode(opts.mode ?? "RGB", "ImageFolder");
    const maxPixels = opts.maxPixels ?? MAX_IMAGE_PIXELS;
    const loader = opts.loader ?? ((path: string) => decodeImage(readFileNode(path), path, { mode, maxPixels }));
    const { loader: _l, mode: _m, maxPixels: _p, ...rest } = opts;
    super(root, loader, { ...rest, extensions: opts.extensions ?? (opts.isValidFile ? undefined : IMG_EXTENSIONS) });
    this.mode = mode;
  }

  /**
   * An ImageFolder from anything Node or a page can reach: a folder path (Node), a FileList or
   * File[] from <input type="file" webkitdirectory> (classes are the folders under the picked
   * one), a FileSystemDirectoryHandle, or {baseUrl, files: ["pizza/1.jpg", ...]} (fetched).
   * Except for a Node path, every image is read and decoded now (a bad file rejects with
   * DatasetError naming it) and kept in memory.
   */
  static async load<I = RawImage, L = number>(source: FolderSource, opts: ImageFolderOptions<I, L> = {}): Promise<ImageFolder<I, L>> {
    checkOptions("ImageFolder.load", opts, [...FOLDER_OPTIONS, "loader", "mode", "maxPixels"]);
    if (typeof source === "string" && isNode()) return new ImageFolder<I, L>(source, opts);
    if (opts.loader) throw new ValueError("ImageFolder.load: a custom loader is synchronous and takes paths; with files or URLs the images are decoded by the browser");
    const mode = checkMode(opts.mode ?? "RGB", "ImageFolder.load");
    const maxPixels = opts.maxPixels ?? MAX_IMAGE_PIXELS;
    const who = "ImageFolder.load";
    const files = await listSource(source, who);
    const index = indexFiles(files.root, files.entries.map((e) => e.path), validFile(who, opts), !!opts.allowEmpty);
    const byPath = new Map(files.entries.map((e) => [joinRoot(files.root, e.path), e.read]));
    const images = new Map<string, RawImage>();
    // A few reads at a time: decoding is the browser's work off the main thread.
    const queue = index.samples.map(([p]) => p);
    const worker = async () => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
        const src = await byPath.get(p)!();
        images.set(p, await decodeImageAsync(src, p, { mode, maxPixels }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
    const loader = (path: string): RawImage => {
      const img = images.get(path);
      if (!img) throw new DatasetError(`${path}: not in this ImageFolder`);
      return { ...img, data: img.data.slice() }; // a copy: transforms may write into it
    };
    const { mode: _m, maxPixels: _p, ...rest } = opts;
    const ds = new ImageFolder<I, L>(index, { ...rest, loader });
    (ds as { mode: ImageMode }).mode = mode;
    return ds;
  }
}

/**
 * Reads and decodes one PNG or JPEG file (Node), torchvision's default_loader: RGB unless `mode`
 * says otherwise. Throws DatasetError naming the file.
 */
export function loadImage(path: string, opts: { mode?: ImageMode; maxPixels?: number } = {}): RawImage {
  checkOptions("loadImage", opts, ["mode", "maxPixels"]);
  return decodeImage(readFileNode(path), path, opts);
}

/** The sorted class folders of `root` and their indices (Node; torchvision's find_classes). */
export function findClasses(root: string): [string[], Record<string, number>] {
  const fs = nodeFs("findClasses");
  let entries: import("node:fs").Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch (e) {
    throw new DatasetError(`${root}: no such folder (${(e as Error).message})`);
  }
  const classes = entries.filter((e) => e.isDirectory() || (e.isSymbolicLink() && fs.statSync(`${root}/${e.name}`, { throwIfNoEntry: false })?.isDirectory())).map((e) => e.name).sort(byCodePoint);
  if (!classes.length) throw new DatasetError(`Couldn't find any class folder in ${root}`);
  return [classes, Object.fromEntries(classes.map((c, i) => [c, i]))];
}

// ---- listing -------------------------------------------------------------------------------

function validFile(who: string, opts: { extensions?: readonly string[]; isValidFile?: (p: string) => boolean }): (path: string) => boolean {
  if (opts.extensions && opts.isValidFile) throw new ValueError(`${who}: give extensions or isValidFile, not both`);
  if (opts.isValidFile) return opts.isValidFile;
  const exts = (opts.extensions ?? IMG_EXTENSIONS).map((e) => e.toLowerCase());
  if (!exts.length) throw new ValueError(`${who}: extensions is empty`);
  return (p) => exts.some((e) => p.toLowerCase().endsWith(e));
}

/** Sorted class folders and their valid files, as torchvision's find_classes and make_dataset. */
function indexFiles(root: string, paths: readonly string[], valid: (p: string) => boolean, allowEmpty: boolean): FolderIndex {
  // paths are "class/sub/.../file" relative to root.
  const classes = [...new Set(paths.filter((p) => p.includes("/")).map((p) => p.slice(0, p.indexOf("/"))))].sort(byCodePoint);
  if (!classes.length) throw new DatasetError(`Couldn't find any class folder in ${root}`);
  const samples: [string, number][] = [];
  const empty: string[] = [];
  classes.forEach((c, idx) => {
    const mine = paths.filter((p) => p.startsWith(`${c}/`) && valid(p)).sort(byPathParts);
    if (!mine.length) empty.push(c);
    for (const p of mine) samples.push([joinRoot(root, p), idx]);
  });
  if (empty.length && !allowEmpty) throw new DatasetError(`Found no valid file for the classes ${empty.join(", ")} in ${root}. Supported extensions are: ${IMG_EXTENSIONS.join(", ")} (or pass extensions / isValidFile / allowEmpty)`);
  return { root, classes, samples };
}

function joinRoot(root: string, rel: string): string {
  return root === "" || root.endsWith("/") ? root + rel : `${root}/${rel}`;
}

/** Python's sorted() on str: code points, not locale. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** os.walk order sorted as torchvision does: by folder, then by file name. */
function byPathParts(a: string, b: string): number {
  const da = a.slice(0, a.lastIndexOf("/"));
  const db = b.slice(0, b.lastIndexOf("/"));
  return da !== db ? byCodePoint(da, db) : byCodePoint(a, b);
}

type NodeFs = typeof import("node:fs");

function nodeFs(who: string): NodeFs {
  const fs = isNode() ? (process.getBuiltinModule?.("node:fs") as NodeFs | undefined) : undefined;
  if (!fs) throw new DatasetError(`${who}: a folder path is read in Node (>= 20.16); in a page use await ImageFolder.load(fileList | directoryHandle | {baseUrl, files})`);
  return fs;
}

function readFileNode(path: string): Uint8Array {
  try {
    const b = nodeFs("ImageFolder").readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(`${path}: cannot read the file (${(e as Error).message})`);
  }
}

/** Node: every file under root's sub-folders (following links, as torchvision's os.walk(followlinks=True)). */
function scanFolder(root: string, valid: (p: string) => boolean, allowEmpty: boolean): FolderIndex {
  const fs = nodeFs("ImageFolder");
  const rel: string[] = [];
  const isDir = (p: string) => {
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  if (!isDir(root)) throw new DatasetError(`${root}: no such folder`);
  const seen = new Set<string>();
  const walk = (dir: string, prefix: string) => {
    const real = fs.realpathSync(dir);
    if (seen.has(real)) return; // a link cycle
    seen.add(real);
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = `${dir}/${e.name}`;
      const dirLike = e.isDirectory() || (e.isSymbolicLink() && isDir(full));
      if (dirLike) walk(full, `${prefix}${e.name}/`);
      else if (prefix) rel.push(`${prefix}${e.name}`);
    }
    seen.delete(real);
  };
  walk(root.replace(/\/+$/, "") || "/", "");
  // Class folders without any file still count as classes (torchvision lists folders first).
  const classes = fs.readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory() || (e.isSymbolicLink() && isDir(`${root}/${e.name}`))).map((e) => e.name);
  for (const c of classes) if (!rel.some((p) => p.startsWith(`${c}/`))) rel.push(`${c}/`);
  const index = indexFiles(root.replace(/\/+$/, ""), rel, (p) => !p.endsWith("/") && valid(p), allowEmpty);
  return index;
}

interface SourceEntry {
  path: string;
  read: () => Promise<Uint8Array | Blob>;
}

/** The files of a page source, as paths relative to its root ("class/.../file"). */
async function listSource(source: FolderSource, who: string): Promise<{ root: string; entries: SourceEntry[] }> {
  if (typeof source === "string") throw new DatasetError(`${who}: a folder path is read in Node; in a page pass a FileList, a directory handle or {baseUrl, files}`);
  if (typeof FileList !== "undefined" && source instanceof FileList) return listFiles(Array.from(source), who);
  if (Array.isArray(source)) return listFiles(source as File[], who);
  if (typeof (source as FileSystemDirectoryHandle).getDirectoryHandle === "function") {
    const dir = source as FileSystemDirectoryHandle;
    const entries: SourceEntry[] = [];
    const walk = async (d: FileSystemDirectoryHandle, prefix: string) => {
      for await (const h of (d as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) {
        if (h.kind === "directory") await walk(h as FileSystemDirectoryHandle, `${prefix}${h.name}/`);
        else if (prefix) entries.push({ path: `${prefix}${h.name}`, read: () => (h as FileSystemFileHandle).getFile() });
      }
    };
    await walk(dir, "");
    return { root: dir.name, entries };
  }
  const { baseUrl, files } = source as { baseUrl?: unknown; files?: unknown };
  if (typeof baseUrl === "string" && Array.isArray(files)) {
    const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
    return {
      root: baseUrl.replace(/\/+$/, ""),
      entries: files.map((f: string) => ({
        path: f.replace(/^\/+/, ""),
        read: async () => {
          let res: Response;
          try {
            res = await fetch(base + f.replace(/^\/+/, ""));
          } catch (e) {
            throw new DatasetError(`${base}${f}: fetch failed (${(e as Error).message})`);
          }
          if (!res.ok) throw new DatasetError(`${base}${f}: HTTP ${res.status} ${res.statusText}`);
          return new Uint8Array(await res.arrayBuffer());
        },
      })),
    };
  }
  throw new TypeError(`${who}: expected a folder path (Node), a FileList or File[], a FileSystemDirectoryHandle, or {baseUrl, files}`);
}

/** Files from <input webkitdirectory>: webkitRelativePath is "picked/class/.../file". */
function listFiles(files: readonly File[], who: string): { root: string; entries: SourceEntry[] } {
  if (!files.length) throw new DatasetError(`${who}: no files given`);
  const rels = files.map((f) => (f as File & { webkitRelativePath?: string }).webkitRelativePath || "");
  if (rels.some((r) => !r.includes("/"))) throw new DatasetError(`${who}: files need their folder paths (pick a folder with <input type="file" webkitdirectory>); ${files[rels.findIndex((r) => !r.includes("/"))].name} has none`);
  const roots = new Set(rels.map((r) => r.slice(0, r.indexOf("/"))));
  if (roots.size > 1) throw new DatasetError(`${who}: files come from several folders (${[...roots].join(", ")}); pick one folder`);
  return { root: [...roots][0], entries: files.map((f, i) => ({ path: rels[i].slice(rels[i].indexOf("/") + 1), read: async () => f })) };
}
