// datasets.FashionMNIST / MNIST: the real FashionMNIST from Debian's dataset-fashion-mnist (when
// installed), IDX parsing errors on files written here, and the download path against a local
// HTTP server on 127.0.0.1 (never the internet).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";

const { datasets, data, transforms: T } = kd;
type Tensor = kd.Tensor;
const SYS = "/usr/share/datasets/fashion-mnist";
const hasSys = existsSync(join(SYS, "train-images-idx3-ubyte.gz"));
const vals = (t: Tensor) => Array.from(t.dataSync());
const tmp = () => mkdtempSync(join(tmpdir(), "kd-mnist-"));

/** A small split: n images rows x cols with pixel (i, k) = (i * 7 + k) % 256, labels i % 10. */
function makeSplit(n: number, rows = 6, cols = 5) {
  const px = new Uint8Array(n * rows * cols).map((_, k) => (Math.floor(k / (rows * cols)) * 7 + (k % (rows * cols))) % 256);
  const lb = new Uint8Array(n).map((_, i) => i % 10);
  return { images: data.encodeIdx(px, [n, rows, cols]), labels: data.encodeIdx(lb, [n]), px, lb };
}

function writeSplit(dir: string, split: "train" | "t10k", files: { images: Uint8Array; labels: Uint8Array }, gz = false) {
  const z = (b: Uint8Array) => (gz ? gzipSync(b) : b);
  writeFileSync(join(dir, `${split}-images-idx3-ubyte${gz ? ".gz" : ""}`), z(files.images));
  writeFileSync(join(dir, `${split}-labels-idx1-ubyte${gz ? ".gz" : ""}`), z(files.labels));
}

describe.skipIf(!hasSys)("FashionMNIST from /usr/share/datasets/fashion-mnist", () => {
  let train: kd.datasets.FashionMNIST;
  let test: kd.datasets.FashionMNIST<Tensor>;
  beforeAll(async () => {
    [train, test] = await Promise.all([datasets.FashionMNIST.load(), datasets.FashionMNIST.load({ train: false, transform: new T.ToTensor() })]);
  });

  it("has 60,000 / 10,000 images of 28x28, 6,000 / 1,000 per class, the class names", () => {
    expect(train.length).toBe(60000);
    expect(test.length).toBe(10000);
    expect(train.root).toBe(SYS);
    expect([train.rows, train.cols]).toEqual([28, 28]);
    expect(train.classes).toEqual(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]);
    const hist = (ds: kd.datasets.FashionMNIST<unknown>) => Array.from(ds.targets).reduce((h, y) => (h[y]++, h), new Array(10).fill(0));
    expect(hist(train)).toEqual(new Array(10).fill(6000));
    expect(hist(test)).toEqual(new Array(10).fill(1000));
    expect(train.classToIdx["Ankle boot"]).toBe(9);
  });

  it("has the known first labels and pixels (checked with Python's gzip)", () => {
    expect(Array.from(train.labels.slice(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    expect(Array.from(test.labels.slice(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    const [img, label] = train.getItem(0) as [kd.transforms.RawImage, number];
    expect(label).toBe(9);
    expect(train.classes[label]).toBe("Ankle boot");
    expect([img.height, img.width, img.channels]).toEqual([28, 28, 1]);
    expect(Array.from(img.data).reduce((a, b) => a + b, 0)).toBe(76247);
    expect([img.data[96], img.data[99], img.data[100], img.data[14 * 28 + 14]]).toEqual([1, 13, 73, 217]);
    let sum = 0;
    for (const v of train.images) sum += v;
    expect(sum / train.images.length / 255).toBeCloseTo(0.286, 3); // the usual FashionMNIST mean
    const [x, y] = test.getItem(0);
    expect(x.shape).toEqual([1, 28, 28]);
    expect(y).toBe(9);
    expect(x.get(0, 14, 14).item()).toBeCloseTo(110 / 255, 6);
    expect(x.sum().item()).toBeCloseTo(33456 / 255, 2);
  });

  it("batches through the DataLoader fast path, equal to item by item, without leaks", async () => {
    const loader = new data.DataLoader(test, { batchSize: 32, shuffle: true, seed: 0 });
    expect(loader.length).toBe(313);
    const idx = [3, 1, 4, 1, 5];
    const [fx, fy] = test.getBatch(idx);
    const [sx, sy] = data.defaultCollate(idx.map((i) => test.getItem(i))) as [Tensor, Tensor];
    expect(fx.shape).toEqual([5, 1, 28, 28]);
    expect(vals(fx)).toEqual(vals(sx));
    expect(vals(fy)).toEqual(vals(sy));
    expect(fy.dtype).toBe("int32");
    const before = kd.memory().liveTensors;
    const t0 = performance.now();
    let n = 0;
    const counts = new Array(10).fill(0);
    for await (const [x, y] of loader) {
      n += x.shape[0];
      for (const c of y.dataSync()) counts[c]++;
      x.dispose();
      y.dispose();
    }
    const ms = performance.now() - t0;
    expect(n).toBe(10000);
    expect(counts).toEqual(new Array(10).fill(1000));
    expect(kd.memory().liveTensors).toBeLessThanOrEqual(before); // the GC may free older garbage meanwhile
    console.log(`FashionMNIST test split, batch 32, shuffled: ${ms.toFixed(0)} ms an epoch (${((10000 / ms) * 1000).toFixed(0)} images/s)`);
    const norm = await datasets.FashionMNIST.load({ train: false, transform: new T.Compose([new T.ToTensor(), new T.Normalize([0.286], [0.353])]) });
    const [nb] = norm.getBatch([7]);
    const [ni] = norm.getItem(7) as [Tensor, number];
    const a = vals(nb);
    const b = vals(ni);
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-6);
    const all = train.asTensors();
    expect(all.images.shape).toEqual([60000, 1, 28, 28]);
    expect(all.labels.shape).toEqual([60000]);
    expect(all.images.mean().item()).toBeCloseTo(0.286, 3);
    all.images.dispose();
    all.labels.dispose();
  });
});

describe("IDX files: clear errors", () => {
  const dir = tmp();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a small split, plain or gzipped, in root or root/<Name>/raw", async () => {
    const s = makeSplit(12);
    writeSplit(dir, "train", s);
    const ds = await datasets.MNIST.load({ root: dir });
    expect(ds.length).toBe(12);
    expect([ds.rows, ds.cols]).toEqual([6, 5]);
    expect(ds.classes[3]).toBe("3 - three");
    const [img, y] = ds.getItem(11) as [kd.transforms.RawImage, number];
    expect(y).toBe(1);
    expect(Array.from(img.data)).toEqual(Array.from(s.px.slice(11 * 30, 12 * 30)));
    const gzDir = tmp();
    const raw = join(gzDir, "FashionMNIST", "raw");
    (await import("node:fs")).mkdirSync(raw, { recursive: true });
    writeSplit(raw, "t10k", makeSplit(4), true);
    const f = await datasets.FashionMNIST.load({ root: gzDir, train: false, transform: new T.ToTensor() });
    expect(f.length).toBe(4);
    expect((f.getItem(0)[0] as Tensor).shape).toEqual([1, 6, 5]);
    rmSync(gzDir, { recursive: true, force: true });
  });

  const broken = async (name: string, mutate: (s: ReturnType<typeof makeSplit>) => { images?: Uint8Array; labels?: Uint8Array }, gz = false) => {
    const d = join(dir, name);
    (await import("node:fs")).mkdirSync(d);
    const s = makeSplit(10);
    writeSplit(d, "train", { images: s.images, labels: s.labels, ...mutate(s) }, gz);
    return datasets.FashionMNIST.load({ root: d });
  };

  it("truncated file", async () => {
    const p = broken("trunc", (s) => ({ images: s.images.slice(0, s.images.length - 7) }));
    await expect(p).rejects.toThrow(kd.DatasetError);
    await expect(p).rejects.toThrow(/train-images-idx3-ubyte: truncated IDX file: the header says 10 x 6 x 5 uint8 \(300 bytes of data\) but only 293 bytes follow it/);
    await expect(broken("trunc-head", () => ({ labels: new Uint8Array([0, 0, 8, 1, 0]) }))).rejects.toThrow(/train-labels-idx1-ubyte: truncated IDX file/);
    await expect(broken("extra", (s) => ({ labels: new Uint8Array([...s.labels, 1, 2]) }))).rejects.toThrow(/2 unexpected bytes after/);
  });

  it("wrong magic numbers", async () => {
    const p = broken("magic", (s) => ({ images: s.labels }));
    await expect(p).rejects.toThrow(kd.DatasetError);
    await expect(p).rejects.toThrow(/train-images-idx3-ubyte: wrong magic number 0x00000801 \(IDX labels\), expected 0x00000803 \(IDX images\)/);
    await expect(broken("junk", () => ({ labels: new TextEncoder().encode("<html>not found</html>") }))).rejects.toThrow(/wrong magic number 0x3c68746d/);
  });

  it("label/image count mismatch and out-of-range labels", async () => {
    await expect(broken("count", () => ({ labels: data.encodeIdx(new Uint8Array(9), [9]) }))).rejects.toThrow(/label\/image count mismatch: .*train-labels-idx1-ubyte has 9 labels but .*train-images-idx3-ubyte has 10 images/);
    await expect(broken("range", () => ({ labels: data.encodeIdx(new Uint8Array(10).fill(10).map((v, i) => (i === 4 ? 12 : 3)), [10]) }))).rejects.toThrow(/label 12 at index 4 is out of range for 10 classes/);
  });

  it("corrupt or truncated gzip", async () => {
    const d = join(dir, "gz");
    (await import("node:fs")).mkdirSync(d);
    const s = makeSplit(10);
    const z = gzipSync(s.images);
    const bad = Uint8Array.from(z); // (Buffer.slice would share memory)
    bad.fill(0x55, 12, 40);
    writeFileSync(join(d, "train-images-idx3-ubyte.gz"), bad);
    writeFileSync(join(d, "train-labels-idx1-ubyte.gz"), gzipSync(s.labels));
    const p = datasets.FashionMNIST.load({ root: d });
    await expect(p).rejects.toThrow(kd.DatasetError);
    await expect(p).rejects.toThrow(/train-images-idx3-ubyte.gz: corrupt gzip data/);
    writeFileSync(join(d, "train-images-idx3-ubyte.gz"), z.slice(0, z.length - 4)); // no trailer
    await expect(datasets.FashionMNIST.load({ root: d })).rejects.toThrow(/corrupt gzip data \(unexpected end of file\)/);
    writeFileSync(join(d, "train-images-idx3-ubyte.gz"), z.slice(0, z.length / 2));
    await expect(datasets.FashionMNIST.load({ root: d })).rejects.toThrow(/train-images-idx3-ubyte.gz: corrupt gzip data \(/);
  });

  it("survives 1,000 randomly mutated IDX files, plain and gzipped: a consistent dataset or a DatasetError", async () => {
    const s = makeSplit(10);
    let seed = 20261126;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    const mutate = (b: Uint8Array): Uint8Array => {
      const m = Uint8Array.from(b);
      switch (rnd(4)) {
        case 0: return m.slice(0, rnd(m.length + 1)); // truncated
        case 1: for (let k = 0, n = 1 + rnd(4); k < n; k++) m[rnd(m.length)] = rnd(256); return m; // bytes flipped
        case 2: m[rnd(16)] = rnd(256); return m; // the header: magic, dtype, rank, sizes
        default: return new Uint8Array([...m, ...new Uint8Array(rnd(5) + 1)]); // trailing junk
      }
    };
    const outcomes = { loaded: 0, rejected: 0 };
    for (let i = 0; i < 1000; i++) {
      const images = rnd(2) ? mutate(s.images) : s.images;
      const labels = images === s.images || rnd(2) ? mutate(s.labels) : s.labels;
      const gz = rnd(4) === 0;
      const files = [images, labels].map((b) => (gz ? (rnd(3) ? gzipSync(b) : mutate(gzipSync(b))) : b));
      try {
        // The parser straight from bytes (as a browser fetch gives them) for most, full loads from disk for some.
        let n: number;
        if (i % 10 === 0) {
          const d = join(dir, `fuzz-${i}`);
          (await import("node:fs")).mkdirSync(d);
          writeSplit(d, "train", { images: files[0], labels: files[1] }, false);
          if (gz) for (const f of readdirSync(d)) (await import("node:fs")).renameSync(join(d, f), join(d, `${f}.gz`));
          const ds = await datasets.FashionMNIST.load({ root: d });
          n = ds.length;
          for (let k = 0; k < n; k++) expect(ds.getItem(k)[1]).toBeLessThan(10);
        } else {
          const im = await data.decodeIdx(files[0], "images", 0x803);
          const lb = await data.decodeIdx(files[1], "labels", 0x801);
          n = im.dims[0];
          expect(im.data.length).toBe(im.dims.reduce((a, b) => a * b, 1));
          expect(lb.data.length).toBe(lb.dims[0]);
        }
        expect(n).toBeGreaterThanOrEqual(0);
        outcomes.loaded++;
      } catch (e) {
        if (!(e instanceof kd.DatasetError)) throw new Error(`mutation ${i}: ${(e as Error).name}: ${(e as Error).message}`);
        outcomes.rejected++;
      }
    }
    expect(outcomes.rejected).toBeGreaterThan(300);
    expect(outcomes.loaded).toBeGreaterThan(20); // byte flips in the pixels leave valid files
  });

  it("missing files say where they were looked for and what to do", async () => {
    const d = tmp();
    const p = datasets.FashionMNIST.load({ root: d });
    await expect(p).rejects.toThrow(kd.DatasetError);
    await expect(p).rejects.toThrow(/train-images-idx3-ubyte\(\.gz\) and train-labels-idx1-ubyte\(\.gz\) not found in .*kd-mnist-.*download: true/);
    rmSync(d, { recursive: true, force: true });
  });

  it("gunzips with DecompressionStream too (the browser path)", async () => {
    const s = makeSplit(3);
    const out = await data.gunzip(gzipSync(s.images), "a.gz", { webStreams: true });
    expect(Buffer.compare(Buffer.from(out), Buffer.from(s.images))).toBe(0);
    const z = gzipSync(s.images);
    await expect(data.gunzip(z.subarray(0, z.length / 2), "b.gz", { webStreams: true })).rejects.toThrow(/b.gz: corrupt gzip data/);
  });

  it("parseIdx reads other element types", () => {
    const i32 = data.parseIdx(data.encodeIdx(new Int32Array([-1, 70000, 3, 4]), [2, 2]));
    expect(i32.dtype).toBe("int32");
    expect(i32.dims).toEqual([2, 2]);
    expect(Array.from(i32.data)).toEqual([-1, 70000, 3, 4]);
    expect(() => data.parseIdx(new Uint8Array([1, 2, 3]), "x.idx")).toThrow(/x.idx: truncated IDX file: 3 bytes/);
    expect(() => data.parseIdx(new Uint8Array([0, 0, 7, 1, 0, 0, 0, 0]), "y.idx")).toThrow(/y.idx: not an IDX file/);
  });
});

describe("download from a local HTTP server", () => {
  let server: Server;
  let base = "";
  const hits: string[] = [];
  const split = makeSplit(20, 28, 28);
  const gz = { images: gzipSync(split.images), labels: gzipSync(split.labels) };
  const body = (name: string) => (name.startsWith("train-images") || name.startsWith("t10k-images") ? gz.images : gz.labels);

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = req.url ?? "";
      hits.push(url);
      const name = url.split("/").pop()!;
      if (url.startsWith("/ok/")) {
        const b = body(name);
        res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": b.length });
        res.end(b);
      } else if (url.startsWith("/cut/")) {
        // Promises the whole file, sends a third of it, then drops the connection.
        const b = body(name);
        res.writeHead(200, { "Content-Length": b.length });
        res.write(b.subarray(0, Math.floor(b.length / 3)), () => res.socket?.destroy());
      } else if (url.startsWith("/swapped/")) {
        const b = name.includes("images") ? gz.labels : gz.images;
        res.writeHead(200, { "Content-Length": b.length });
        res.end(b);
      } else {
        res.writeHead(404);
        res.end("not found");
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const addr = server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("downloads into root through a temp file, then reads from the cache", async () => {
    const root = tmp();
    const ds = await datasets.FashionMNIST.load({ root, download: { baseUrl: `${base}/ok/` } });
    expect(ds.length).toBe(20);
    expect(Array.from(ds.labels)).toEqual(Array.from(split.lb));
    expect(readdirSync(root).sort()).toEqual(["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]);
    expect(Buffer.compare(readFileSync(join(root, "train-images-idx3-ubyte.gz")), gz.images)).toBe(0);
    expect(Buffer.compare(readFileSync(join(root, "train-labels-idx1-ubyte.gz")), gz.labels)).toBe(0);
    const n = hits.length;
    const again = await datasets.FashionMNIST.load({ root, download: { baseUrl: `${base}/ok/` } });
    expect(again.length).toBe(20);
    expect(hits.length).toBe(n); // served from the cache
    rmSync(root, { recursive: true, force: true });
  });

  it("uses $KINDLING_DATA_HOME as the cache when no root is given, and tries mirrors in order", async () => {
    const home = tmp();
    const prev = process.env.KINDLING_DATA_HOME;
    process.env.KINDLING_DATA_HOME = home;
    try {
      const ds = await datasets.MNIST.load({ train: false, download: { baseUrl: [`${base}/missing/`, `${base}/ok`] } });
      expect(ds.length).toBe(20);
      expect(ds.root).toBe(join(home, "mnist"));
      expect(readdirSync(join(home, "mnist")).sort()).toEqual(["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]);
      expect(hits).toContain("/missing/t10k-images-idx3-ubyte.gz");
      expect(hits).toContain("/ok/t10k-images-idx3-ubyte.gz");
    } finally {
      if (prev === undefined) delete process.env.KINDLING_DATA_HOME;
      else process.env.KINDLING_DATA_HOME = prev;
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("a download that breaks off mid-way, a wrong file or a 404 leaves nothing behind", async () => {
    for (const [path, msg] of [["cut", /download of train-images-idx3-ubyte.gz failed: .*\/cut\/train-images-idx3-ubyte.gz: (the download broke off|corrupt gzip)/], ["swapped", /wrong magic number 0x00000801 \(IDX labels\), expected 0x00000803/], ["missing", /HTTP 404/]] as const) {
      const root = tmp();
      const p = datasets.FashionMNIST.load({ root, download: { baseUrl: `${base}/${path}/` } });
      await expect(p).rejects.toThrow(kd.DatasetError);
      await expect(p).rejects.toThrow(msg);
      expect(readdirSync(root)).toEqual([]);
      rmSync(root, { recursive: true, force: true });
    }
  });
});
