// datasets.ImageFolder.load in Chromium (dist/index.js): the chapter's FashionMNIST PNG folder and
// a few JPEGs, read from URLs, an OPFS directory handle and an <input webkitdirectory> FileList,
// give the classes, samples and pixels Node's ImageFolder gives for the same files (PNG exactly;
// JPEG within 3 levels: the browser's libjpeg-turbo and jpeg-js round differently). Bad files
// reject with kd.DatasetError naming them.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { launchBrowser, REPO, requireFreshDist, type BrowserHarness } from "./helpers/browser.js";
import type { ImagesPageApi } from "./browser/images.page.js";
import { KINDS, mutate, prng, sources } from "./helpers/image-mutate.js";

let browser: BrowserHarness;
let page: Awaited<ReturnType<BrowserHarness["openBundle"]>>;
let call: <K extends keyof ImagesPageApi>(name: K, ...args: Parameters<ImagesPageApi[K]>) => Promise<Awaited<ReturnType<ImagesPageApi[K]>>>;
let dir: string; // build/data/... under the served repo
let files: string[];
const PICK = [0, 1, 40, 80, 120, 200, 224];

beforeAll(async () => {
  requireFreshDist();
  const f = await kd.datasets.makeFashionFolder(join(REPO, "build/data/fashion3/10pct"), { fraction: 0.1 });
  // a copy with two JPEG files added, under the served repo
  dir = mkdtempSync(join(REPO, "build/data/browser-images-"));
  cpSync(f.train, dir, { recursive: true });
  const rgb = { data: Uint8Array.from({ length: 20 * 30 * 3 }, (_, i) => (i * 5) % 256 & 0xf0), height: 20, width: 30, channels: 3 };
  writeFileSync(join(dir, "coat/zz-colour.jpg"), kd.datasets.encodeJpeg(rgb, 95));
  writeFileSync(join(dir, "shirt/zz-grey.JPEG"), kd.datasets.encodeJpeg({ data: new Uint8Array(16 * 16).map((_, i) => i), height: 16, width: 16, channels: 1 }, 95));
  files = new kd.datasets.ImageFolder(dir).samples.map(([p]) => relative(dir, p));
  browser = await launchBrowser();
  page = await browser.openBundle("tests/browser/images.page.ts");
  call = (name, ...args) => page.evaluate(([n, a]) => (globalThis as any).kindlingTest[n](...a), [name, args] as const) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
});
afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Node's view of the same folder, with the page's root in the sample paths. */
function expectSame(got: Awaited<ReturnType<ImagesPageApi["fromUrls"]>>, mode: "RGB" | "L", pick: number[]) {
  const ds = new kd.datasets.ImageFolder(dir, { mode });
  expect(got.classes).toEqual(["coat", "pullover", "shirt"]);
  expect(got.classToIdx).toEqual(ds.classToIdx);
  expect(got.samples.map(([p, c]) => [p.slice(got.root.length + 1), c])).toEqual(ds.samples.map(([p, c]) => [relative(dir, p), c]));
  pick.forEach((i, k) => {
    const [img, label] = ds.getItem(i);
    const g = got.items[k];
    expect([g.label, g.height, g.width, g.channels]).toEqual([label, img.height, img.width, img.channels]);
    const jpeg = ds.samples[i][0].toLowerCase().includes(".jp");
    const diff = Math.max(...g.data.map((v, j) => Math.abs(v - img.data[j])));
    expect(diff).toBeLessThanOrEqual(jpeg ? 3 : 0);
  });
}

it("loads from a URL prefix and a file list: the same classes, samples and pixels as Node", async () => {
  const base = `/${relative(REPO, dir)}/`;
  const jpgs = files.map((f, i) => (/\.jpe?g$/i.test(f) ? i : -1)).filter((i) => i >= 0);
  expect(jpgs.length).toBe(2);
  expectSame(await call("fromUrls", base, files, "RGB", [...PICK, ...jpgs]), "RGB", [...PICK, ...jpgs]);
  expectSame(await call("fromUrls", base, files, "L", PICK), "L", PICK);
});

it("loads from a directory handle (OPFS)", async () => {
  const entries = files.map((p) => ({ path: p, b64: readFileSync(join(dir, p)).toString("base64") }));
  const got = await call("fromOpfs", "train", entries, "RGB", PICK);
  expect(got.root).toBe("train");
  expectSame(got, "RGB", PICK);
});

it("loads the FileList of an <input webkitdirectory>", async () => {
  await call("addInput");
  await page.setInputFiles("#pick", dir);
  const got = await call("fromInput", "RGB", PICK);
  expectSame(got, "RGB", PICK);
});

it("rejects bad files with a DatasetError naming them, and misuse with a clear error", async () => {
  const png = readFileSync(join(dir, files[3]));
  writeFileSync(join(dir, "pullover/cut.png"), png.subarray(0, png.length - 20));
  writeFileSync(join(dir, "pullover/text.png"), "hello");
  const base = `/${relative(REPO, dir)}/`;
  const cut = await call("badUrl", base, [...files, "pullover/cut.png"]);
  expect(cut).toMatchObject({ name: "DatasetError", isDatasetError: true });
  expect(cut!.message).toMatch(/pullover\/cut\.png: truncated PNG/);
  const text = await call("badUrl", base, ["pullover/text.png"]);
  expect(text!.message).toMatch(/pullover\/text\.png: not a PNG or JPEG image/);
  const missing = await call("badUrl", base, ["coat/nope.png"]);
  expect(missing!.message).toMatch(/coat\/nope\.png: HTTP 404/);
  const m = await call("misuse");
  expect(m.loose!.message).toMatch(/files need their folder paths/);
  expect(m.path!.message).toMatch(/in a page use await ImageFolder.load/);
  expect(browser.errors.filter((e) => !/404/.test(e))).toEqual([]);
});

it("200 mutated PNG/JPEG files through the browser's decoders: each an image or a DatasetError naming it", async () => {
  const r = prng(99);
  const srcs = sources();
  const files = Array.from({ length: 200 }, (_, j) => {
    const s = srcs[j % srcs.length];
    const kind = KINDS[j % KINDS.length];
    return { name: `${j}-${kind}-${s.name}`, kind, b64: Buffer.from(mutate(s.bytes, s.name.endsWith(".jpg"), kind, r)).toString("base64") };
  });
  const got = await call("decodeEach", files.map(({ name, b64 }) => ({ name, b64 })));
  let images = 0;
  got.forEach((g, j) => {
    if ("message" in g) {
      expect(g.isDatasetError, `${files[j].name}: ${g.name}: ${g.message}`).toBe(true);
      expect(g.message.startsWith(`${files[j].name}: `)).toBe(true);
    } else {
      images++;
      const info = kd.datasets.imageInfo(Buffer.from(files[j].b64, "base64"), files[j].name);
      expect([g.width, g.height, g.channels, g.bytes]).toEqual([info.width, info.height, 3, info.width * info.height * 3]);
      expect(files[j].kind).not.toBe("truncate");
    }
  });
  expect(images).toBeGreaterThan(0);
  expect(images).toBeLessThan(200);
});
