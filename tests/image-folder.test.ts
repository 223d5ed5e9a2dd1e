// datasets.ImageFolder on a real folder dataset: 3 FashionMNIST classes written as PNG class
// folders by kd.datasets.makeFashionFolder (the course's 10% and 20% sizes), checked against the
// FashionMNIST bytes they came from; transforms, the DataLoader, the folder rules torchvision
// has (sorted classes, extensions, nested folders), JPEG files, and bad files.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

const { datasets, data, transforms: T } = kd;
const SYS = "/usr/share/datasets/fashion-mnist";
const hasSys = existsSync(join(SYS, "train-images-idx3-ubyte.gz"));
const tmp = () => mkdtempSync(join(tmpdir(), "kd-imgfolder-"));

describe.runIf(hasSys)("the FashionMNIST image folder", () => {
  let f10: kd.datasets.FashionFolder;
  let f20: kd.datasets.FashionFolder;
  let train: kd.datasets.FashionMNIST;
  let test: kd.datasets.FashionMNIST;
  beforeAll(async () => {
    f10 = await datasets.makeFashionFolder("build/data/fashion3/10pct", { fraction: 0.1 });
    f20 = await datasets.makeFashionFolder("build/data/fashion3/20pct", { fraction: 0.2 });
    train = await datasets.FashionMNIST.load({ train: true });
    test = await datasets.FashionMNIST.load({ train: false });
  });

  it("has the course's sizes: 225 / 75 images at 10%, 450 / 150 at 20%, 3 sorted classes", () => {
    const tr10 = new datasets.ImageFolder(f10.train);
    const te10 = new datasets.ImageFolder(f10.test);
    const tr20 = new datasets.ImageFolder(f20.train);
    const te20 = new datasets.ImageFolder(f20.test);
    expect([tr10.length, te10.length, tr20.length, te20.length]).toEqual([225, 75, 450, 150]);
    expect(f10.counts).toEqual({ train: 225, test: 75 });
    expect(tr10.classes).toEqual(["coat", "pullover", "shirt"]);
    expect(tr10.classToIdx).toEqual({ coat: 0, pullover: 1, shirt: 2 });
    expect(tr10.targets.filter((t) => t === 0).length).toBe(75);
    expect(te20.targets.filter((t) => t === 2).length).toBe(50);
    // samples: by class, then by path; each under its class folder
    for (const [p, c] of tr10.samples) expect(p.startsWith(`${f10.train}/${tr10.classes[c]}/`)).toBe(true);
    const paths = tr10.samples.map((s) => s[0]);
    expect(paths).toEqual([...paths].sort());
    // the 10% pick is a prefix of the 20% one (one seeded permutation a class)
    const names = (d: string) => new Set(readdirSync(join(d, "coat")));
    const n20 = names(f20.train);
    for (const n of names(f10.train)) expect(n20.has(n)).toBe(true);
  });

  it("is deterministic: a fresh run writes the same files", async () => {
    const d = join(tmp(), "again");
    const g = await datasets.makeFashionFolder(d, { fraction: 0.1 });
    for (const split of ["train", "test"] as const) {
      for (const c of ["coat", "pullover", "shirt"]) expect(readdirSync(join(g[split], c))).toEqual(readdirSync(join(f10[split], c)));
    }
    await expect(datasets.makeFashionFolder(d, { fraction: 0.2 })).rejects.toThrow(kd.DatasetError);
    await expect(datasets.makeFashionFolder(d, { fraction: 0 })).rejects.toThrow(/fraction must be in \(0, 1\]/);
    await expect(datasets.makeFashionFolder(d, { classes: ["Coat", "Hat"] })).rejects.toThrow(/unknown class "Hat"/);
    const busy = join(tmp(), "busy");
    mkdirSync(busy);
    writeFileSync(join(busy, "mine.txt"), "x");
    await expect(datasets.makeFashionFolder(busy)).rejects.toThrow(/busy: cannot put the dataset there/);
    expect(readdirSync(join(busy, ".."))).toEqual(["busy"]); // no temporary folder left behind
    rmSync(d, { recursive: true });
  });

  it("gives each image's FashionMNIST bytes and class (RGB: three equal channels; mode L: the bytes)", () => {
    for (const [split, src] of [["train", train], ["test", test]] as const) {
      const rgb = new datasets.ImageFolder(f10[split]);
      const grey = new datasets.ImageFolder(f10[split], { mode: "L" });
      for (let i = 0; i < rgb.length; i++) {
        const [path, label] = rgb.samples[i];
        const k = Number(path.slice(-9, -4)); // NNNNN.png: the index in the split
        const cls = datasets.FashionMNIST.classes[src.labels[k]];
        expect(rgb.classes[label]).toBe(cls.toLowerCase());
        const want = src.rawImage(k).data;
        const [img, l] = rgb.getItem(i);
        expect(l).toBe(label);
        expect([img.height, img.width, img.channels]).toEqual([28, 28, 3]);
        for (let p = 0; p < 784; p++) {
          if (img.data[3 * p] !== want[p] || img.data[3 * p + 1] !== want[p] || img.data[3 * p + 2] !== want[p]) throw new Error(`${path}: pixel ${p} differs`);
        }
        const [g] = grey.getItem(i);
        expect(g.channels).toBe(1);
        expect(Buffer.from(g.data).equals(Buffer.from(want))).toBe(true);
      }
    }
  });

  it("runs torchvision-style transforms: Compose([Resize([64, 64]), ToTensor()]) and targetTransform", () => {
    const tf = new T.Compose([new T.Resize([64, 64]), new T.ToTensor()]);
    const ds = new datasets.ImageFolder<kd.Tensor, number>(f10.train, { transform: tf, targetTransform: (l) => l * 10 });
    const [x, y] = ds.getItem(80);
    expect(x.shape).toEqual([3, 64, 64]);
    expect(y).toBe(10);
    // the same transform on the source image replicated to RGB
    const k = Number(ds.samples[80][0].slice(-9, -4));
    const src = train.rawImage(k).data;
    const rgb = new Uint8Array(784 * 3).map((_, j) => src[Math.floor(j / 3)]);
    const want = tf.apply({ data: rgb, height: 28, width: 28, channels: 3 }) as kd.Tensor;
    expect(Array.from(x.dataSync())).toEqual(Array.from(want.dataSync()));
    const plain = new datasets.ImageFolder(f10.train, { transform: new T.ToTensor(), mode: "L" }).getItem(80)[0] as kd.Tensor;
    expect(plain.shape).toEqual([1, 28, 28]);
    expect(Array.from(plain.dataSync())).toEqual(Array.from(src, (v) => Math.fround(v / 255)));
    x.dispose(); want.dispose(); plain.dispose();
  });

  it("feeds a shuffled DataLoader: every image once an epoch, batches [32, 3, 28, 28]", async () => {
    const ds = new datasets.ImageFolder(f10.train, { transform: new T.ToTensor() });
    const loader = new data.DataLoader(ds, { batchSize: 32, shuffle: true, seed: 0 });
    const sizes: number[] = [];
    const seen: number[] = [];
    for await (const [x, y] of loader) {
      expect(x.shape.slice(1)).toEqual([3, 28, 28]);
      sizes.push(x.shape[0]);
      seen.push(...Array.from(y.dataSync()));
      x.dispose(); y.dispose();
    }
    expect(sizes).toEqual([32, 32, 32, 32, 32, 32, 32, 1]);
    expect(seen.slice(0, 32)).not.toEqual(ds.targets.slice(0, 32)); // shuffled (classes are in blocks of 75)
    expect([...seen].sort()).toEqual([...ds.targets].sort());
    // the synchronous loop works too (getItem is synchronous)
    let n = 0;
    for (const [x, y] of new data.DataLoader(ds, { batchSize: 100 })) {
      n += y.shape[0];
      x.dispose(); y.dispose();
    }
    expect(n).toBe(225);
  });
});

describe("ImageFolder rules (torchvision's)", () => {
  const grey = (v: number, h = 3, w = 2) => ({ data: new Uint8Array(h * w).fill(v), height: h, width: w, channels: 1 });
  function makeTree(): string {
    const d = tmp();
    const put = (p: string, b: Uint8Array | string) => {
      mkdirSync(join(d, p, ".."), { recursive: true });
      writeFileSync(join(d, p), b);
    };
    put("b_dog/x.PNG", datasets.encodePng(grey(10)));
    put("b_dog/deep/er/y.JpEg", datasets.encodeJpeg(grey(200, 8, 8), 100));
    put("b_dog/a.png", datasets.encodePng(grey(30)));
    put("b_dog/notes.txt", "not an image");
    put("A_cat/z.jpg", datasets.encodeJpeg({ data: new Uint8Array(16 * 16 * 3).fill(128), height: 16, width: 16, channels: 3 }, 95));
    put("loose.png", datasets.encodePng(grey(1)));
    return d;
  }

  it("sorts classes by code point, walks nested folders, matches extensions case-insensitively", () => {
    const d = makeTree();
    const ds = new datasets.ImageFolder(d);
    expect(ds.classes).toEqual(["A_cat", "b_dog"]);
    expect(ds.samples.map(([p, c]) => [p.slice(d.length + 1), c])).toEqual([["A_cat/z.jpg", 0], ["b_dog/a.png", 1], ["b_dog/x.PNG", 1], ["b_dog/deep/er/y.JpEg", 1]]);
    expect(ds.getItem(1)[0].data[0]).toBe(30);
    const [jpg] = ds.getItem(3);
    expect([jpg.height, jpg.width, jpg.channels]).toEqual([8, 8, 3]);
    expect(Math.max(...Array.from(jpg.data, (v) => Math.abs(v - 200)))).toBeLessThanOrEqual(2); // lossy, quality 100
    expect(new datasets.ImageFolder(d, { extensions: [".jpg"], allowEmpty: true }).length).toBe(1);
    expect(new datasets.ImageFolder(d, { isValidFile: (p) => p.endsWith(".txt"), loader: () => grey(0), allowEmpty: true }).samples.map((s) => s[1])).toEqual([1]);
    expect(() => new datasets.ImageFolder(d, { extensions: [".png"], isValidFile: () => true })).toThrow(kd.ValueError);
    expect(() => new datasets.ImageFolder(d, { extensions: [".gif"] })).toThrow(/Found no valid file for the classes A_cat, b_dog/);
    expect(() => new datasets.ImageFolder(join(d, "nope"))).toThrow(/nope: no such folder/);
    expect(() => new datasets.ImageFolder(join(d, "A_cat"))).toThrow(/Couldn't find any class folder/);
    expect(() => new datasets.ImageFolder(d, { mode: "CMYK" as "RGB" })).toThrow(/mode must be "RGB", "L" or "RGBA"/);
    expect(() => new datasets.ImageFolder(d, { tranform: null } as object)).toThrow(/tranform/);
    expect(datasets.findClasses(d)).toEqual([["A_cat", "b_dog"], { A_cat: 0, b_dog: 1 }]);
    expect(() => datasets.findClasses(join(d, "A_cat"))).toThrow(/Couldn't find any class folder/);
    expect(datasets.loadImage(join(d, "b_dog/a.png"), { mode: "L" }).data).toEqual(new Uint8Array(6).fill(30));
    expect(() => datasets.loadImage(join(d, "b_dog/gone.png"))).toThrow(/b_dog\/gone\.png: cannot read the file/);
    rmSync(d, { recursive: true });
  });

  it("a custom loader and DatasetFolder take any file", async () => {
    const d = makeTree();
    const texts = new datasets.DatasetFolder<string>(d, (p) => p.split("/").pop()!, { extensions: [".txt"], allowEmpty: true });
    expect(texts.classes).toEqual(["A_cat", "b_dog"]);
    expect(texts.getItem(0)).toEqual(["notes.txt", 1]);
    const viaLoad = await datasets.ImageFolder.load(d, { mode: "L" });
    expect(viaLoad.getItem(2)[0].data[0]).toBe(10);
    rmSync(d, { recursive: true });
  });

  it("a bad file is a DatasetError naming it when getItem reaches it", () => {
    const d = makeTree();
    const png = datasets.encodePng(grey(7, 20, 20));
    writeFileSync(join(d, "b_dog/cut.png"), png.subarray(0, png.length - 30));
    writeFileSync(join(d, "b_dog/fake.jpg"), "GIF89a...");
    const ds = new datasets.ImageFolder(d);
    const at = (name: string) => ds.samples.findIndex(([p]) => p.endsWith(name));
    expect(() => ds.getItem(at("cut.png"))).toThrow(/b_dog\/cut\.png: truncated PNG/);
    expect(() => ds.getItem(at("fake.jpg"))).toThrow(/b_dog\/fake\.jpg: not a PNG or JPEG image \(starts with 47 49 46 38/);
    try {
      ds.getItem(at("cut.png"));
    } catch (e) {
      expect(e).toBeInstanceOf(kd.DatasetError);
    }
    // through the DataLoader too
    expect(() => [...new data.DataLoader(ds, { batchSize: 8 })]).toThrow(kd.DatasetError);
    rmSync(d, { recursive: true });
  });
});

describe("decodeImage", () => {
  it("converts as PIL: RGBA to RGB drops alpha, to L with ITU-R 601-2 luma", () => {
    const px = new Uint8Array([255, 0, 0, 10, 0, 255, 0, 255, 0, 0, 255, 128, 12, 34, 56, 0]);
    const png = datasets.encodePng({ data: px, height: 2, width: 2, channels: 4 });
    expect(Array.from(datasets.decodeImage(png, "x.png", { mode: "RGBA" }).data)).toEqual(Array.from(px));
    expect(Array.from(datasets.decodeImage(png, "x.png").data)).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 12, 34, 56]);
    // PIL: L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16 -> 76, 150, 29, 30
    expect(Array.from(datasets.decodeImage(png, "x.png", { mode: "L" }).data)).toEqual([76, 150, 29, 30]);
    expect(datasets.imageInfo(png, "x.png")).toEqual({ format: "png", width: 2, height: 2 });
  });

  it("refuses images over maxPixels before decoding them", () => {
    const png = datasets.encodePng({ data: new Uint8Array(100 * 100), height: 100, width: 100, channels: 1 });
    expect(() => datasets.decodeImage(png, "big.png", { maxPixels: 9999 })).toThrow(/big\.png: image too large: 100 x 100 = 10000 pixels is over the limit of 9999/);
    const jpg = datasets.encodeJpeg({ data: new Uint8Array(100 * 100), height: 100, width: 100, channels: 1 });
    expect(() => datasets.decodeImage(jpg, "big.jpg", { maxPixels: 9999 })).toThrow(/big\.jpg: image too large/);
    // a header claiming 60000 x 60000 (3.6 gigapixels) is refused at once
    const huge = png.slice();
    new DataView(huge.buffer).setUint32(16, 60000);
    new DataView(huge.buffer).setUint32(20, 60000);
    expect(() => datasets.decodeImage(huge, "huge.png")).toThrow(/over the limit of 89478485/);
  });
});

// The custom Dataset pattern of the README's "Your own images" section.
it("a custom Dataset: a class with length and getItem works with the DataLoader", () => {
  class Squares extends data.Dataset<[kd.Tensor, number]> {
    constructor(readonly n: number) {
      super();
    }
    get length() {
      return this.n;
    }
    getItem(i: number): [kd.Tensor, number] {
      return [kd.tensor([i, i * i]), i % 2];
    }
  }
  const ds = new Squares(5);
  const batches = [...new data.DataLoader(ds, { batchSize: 2 })];
  expect(batches.length).toBe(3);
  expect(Array.from(batches[1][0].dataSync())).toEqual([2, 4, 3, 9]);
  expect(Array.from(batches[2][1].dataSync())).toEqual([0]);
});

// The README's "Your own images" code block runs as written (its claims checked here).
it.runIf(hasSys)("README: the Your own images block runs", async () => {
  const { readFileSync } = await import("node:fs");
  const { transform } = await import("esbuild");
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## Your own images"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)![1];
  const js = (await transform(block.replace(/^import .*$/m, "") + "\n__out({ trainData, testData, custom });", { loader: "ts" })).code;
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  let got: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
  const { readdirSync } = await import("node:fs");
  await new AsyncFunction("kd", "readdirSync", "__out", js)(kd, readdirSync, (o: typeof got) => (got = o));
  const { trainData, testData, custom } = got;
  expect(trainData.classes).toEqual(["coat", "pullover", "shirt"]);
  expect(trainData.classToIdx).toEqual({ coat: 0, pullover: 1, shirt: 2 });
  expect([trainData.length, testData.length, custom.length]).toEqual([225, 75, 75]);
  const [img, label] = trainData.getItem(0);
  expect([img.shape, label]).toEqual([[3, 64, 64], 0]);
  // the custom dataset finds the same files, labels and pixels as ImageFolder
  const ref = new datasets.ImageFolder<kd.Tensor>(testData.root, { mode: "L", transform: new T.ToTensor() });
  expect(custom.classes).toEqual(ref.classes);
  expect(custom.paths).toEqual(ref.samples.map((s) => s[0]));
  const [x, cx] = custom.getItem(30);
  const [rx, rl] = ref.getItem(30);
  expect(cx).toBe(rl);
  expect(Array.from(x.dataSync())).toEqual(Array.from(rx.dataSync()));
  rx.dispose();
  img.dispose(); x.dispose();
});
