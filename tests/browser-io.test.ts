// kd.save / kd.load in Chromium on the built library: state dicts round-trip bit for bit through
// IndexedDB, OPFS (nested paths, overwrite, a second page), a File, URLs served by scripts/serve.mjs
// (absolute, relative, http://) and a download; missing names raise kd.StoreError naming the name
// and the store. In Node, the browser-only schemes and unknown schemes raise clear errors.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { launchBrowser, requireFreshDist, type BrowserHarness } from "./helpers/browser.js";
import type { Entry, IoPageApi, Spec } from "./browser/io.page.js";

const f32bits = (values: number[]) => Array.from(new Uint32Array(Float32Array.from(values).buffer));

/** Values that a lossy path would change: -0, subnormals, ±Inf, NaN, extremes, int32 limits. */
const SPEC: Spec = {
  "features.0.weight": { dtype: "float32", shape: [2, 3], bits: f32bits([-0, 1.4e-45, Infinity, -Infinity, 3.4028234663852886e38, 1 / 3]) },
  "features.0.bias": { dtype: "float32", shape: [2], bits: [0x7fc00000, f32bits([-1.1754942e-38])[0]] },
  "classifier.weight": { dtype: "float32", shape: [4, 5], bits: f32bits(Array.from({ length: 20 }, (_, i) => Math.sin(i + 1) * 10 ** (i % 7 - 3))) },
  "num_batches_tracked": { dtype: "int32", shape: [], bits: [7] },
  "steps": { dtype: "int32", shape: [3], bits: [-2147483648, 0, 2147483647] },
  "mask": { dtype: "bool", shape: [2, 2], bits: [1, 0, 0, 1] },
  "empty": { dtype: "float32", shape: [0, 3], bits: [] },
};
const OTHER: Spec = { w: { dtype: "float32", shape: [2], bits: f32bits([1.5, -2.5]) } };

const FIXTURE = "tests/fixtures/tinyvgg.safetensors";

/** The same file read in Node by the TypeScript sources, as the page reports tensors. */
async function nodeSpec(file: string): Promise<Spec> {
  const { tensors } = await kd.load(file);
  const out: Spec = {};
  for (const [k, t] of Object.entries(tensors)) {
    const d = t.dataSync();
    const bits = t.dtype === "float32" ? new Uint32Array(d.buffer, d.byteOffset, d.length) : d;
    out[k] = { dtype: t.dtype as Entry["dtype"], shape: [...t.shape], bits: Array.from(bits as ArrayLike<number>) };
  }
  return out;
}

describe("kd.save / kd.load in Chromium (dist/index.js)", () => {
  let browser: BrowserHarness;
  /** Calls a page function by name with JSON arguments. */
  let call: <K extends keyof IoPageApi>(name: K, ...args: Parameters<IoPageApi[K]>) => Promise<Awaited<ReturnType<IoPageApi[K]>>>;
  let page: Awaited<ReturnType<BrowserHarness["openBundle"]>>;

  beforeAll(async () => {
    requireFreshDist();
    browser = await launchBrowser();
    page = await browser.openBundle("tests/browser/io.page.ts");
    call = (name, ...args) => page.evaluate(([n, a]) => (globalThis as any).kindlingTest[n](...a), [name, args] as const) as any;
  });
  afterAll(() => browser?.close());

  it("round-trips a state dict through IndexedDB, bit for bit, with metadata", async () => {
    const got = await call("roundTrip", SPEC, "indexeddb://tinyvgg", { epoch: "3" });
    expect(got.spec).toEqual(SPEC);
    expect(got.metadata).toEqual({ epoch: "3" });
  });

  it("round-trips through OPFS, in nested folders, and overwrites in place", async () => {
    const got = await call("roundTrip", SPEC, "opfs://models/v1/tinyvgg.safetensors");
    expect(got.spec).toEqual(SPEC);
    expect((await call("roundTrip", OTHER, "opfs://models/v1/tinyvgg.safetensors")).spec).toEqual(OTHER);
    expect((await call("roundTrip", SPEC, "opfs://flat.safetensors")).spec).toEqual(SPEC);
    // createWritable's swap file is gone once close() committed: only the entries themselves.
    expect(await call("opfsNames")).toEqual(["flat.safetensors", "models", "models/v1", "models/v1/tinyvgg.safetensors"]);
  });

  it("loads a model's weights into a differently initialised one: same logits, bit for bit", async () => {
    for (const dest of ["indexeddb://cnn", "opfs://cnn.safetensors"]) {
      const r = await call("modelRoundTrip", dest);
      expect(r.keys).toEqual(["0.bias", "0.weight", "4.bias", "4.weight"]);
      expect(r.before).not.toEqual(r.want);
      expect(r.after).toEqual(r.want);
    }
  });

  it("loads a File built in the page from kd.save's Blob", async () => {
    const got = await call("viaFile", SPEC);
    expect(got.blobType).toBe("application/octet-stream");
    expect(got.blobSize).toBeGreaterThan(8);
    expect(got.spec).toEqual(SPEC);
  });

  it("saves to and loads from a FileSystemFileHandle (as showSaveFilePicker gives)", async () => {
    const got = await call("viaHandle", SPEC, { run: "7" });
    expect(got.size).toBeGreaterThan(8);
    expect(got.spec).toEqual(SPEC);
    expect(got.metadata).toEqual({ run: "7" });
  });

  it("loads a URL from the server: absolute path, relative URL and http:// give the file Node reads", async () => {
    const want = await nodeSpec(FIXTURE);
    expect(Object.keys(want).length).toBeGreaterThan(4);
    // The page is /__bundles__/<name>.html: the relative URL climbs one folder.
    for (const source of [`/${FIXTURE}`, `../${FIXTURE}`, `${browser.url}${FIXTURE}`]) {
      const got = await call("load", source);
      expect(got.spec, source).toEqual(want);
      expect(got.metadata.format, source).toBe("pt");
    }
  });

  it("offers kd.save's Blob as a download (kd.io.download) that loads back the same", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), call("download", SPEC, "weights.safetensors")]);
    expect(download.suggestedFilename()).toBe("weights.safetensors");
    const bytes = readFileSync(await download.path());
    const { tensors, metadata } = kd.safetensors.deserialize(new Uint8Array(bytes)); // (no NaN/Inf warning)
    expect(metadata).toEqual({ from: "download" });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(SPEC).sort());
    expect(Array.from(tensors["steps"].dataSync())).toEqual(SPEC["steps"].bits);
    const w = tensors["features.0.weight"].dataSync();
    expect(Array.from(new Uint32Array(w.buffer, w.byteOffset, w.length))).toEqual(SPEC["features.0.weight"].bits);
  });

  it("keeps saved models for a second page of the origin, lists them and removes them", async () => {
    const second = await browser.openBundle("tests/browser/io.page.ts");
    const load = (s: string) => second.evaluate((src) => (globalThis as any).kindlingTest.load(src), s);
    expect((await load("indexeddb://tinyvgg")).spec).toEqual(SPEC);
    expect((await load("opfs://flat.safetensors")).spec).toEqual(SPEC);
    await second.close();

    expect(await call("list", "indexeddb://")).toEqual(["indexeddb://cnn", "indexeddb://tinyvgg"]);
    expect(await call("list", "opfs://")).toEqual(["opfs://cnn.safetensors", "opfs://flat.safetensors", "opfs://models/v1/tinyvgg.safetensors"]);
    for (const url of ["indexeddb://cnn", "indexeddb://tinyvgg", "opfs://cnn.safetensors", "opfs://flat.safetensors", "opfs://models/v1/tinyvgg.safetensors"]) await call("remove", url);
    expect(await call("list", "indexeddb://")).toEqual([]);
    expect(await call("list", "opfs://")).toEqual([]);
    expect(await call("loadError", "indexeddb://tinyvgg")).toMatchObject({ name: "StoreError", isStoreError: true });
  });

  it("names the missing entry and its store", async () => {
    const idb = await call("loadError", "indexeddb://no-such-model");
    expect(idb).toMatchObject({ name: "StoreError", isStoreError: true, isKindlingError: true });
    expect(idb!.message).toContain('"no-such-model"');
    expect(idb!.message).toContain("IndexedDB");
    for (const url of ["opfs://no-such-model.safetensors", "opfs://no/such/folder.safetensors"]) {
      const e = await call("loadError", url);
      expect(e, url).toMatchObject({ name: "StoreError", isStoreError: true });
      expect(e!.message).toContain(url.slice("opfs://".length));
      expect(e!.message).toContain("Origin Private File System");
    }
    const rm = await call("removeError", "indexeddb://no-such-model");
    expect(rm).toMatchObject({ name: "StoreError" });
    expect(rm!.message).toContain('"no-such-model"');
    expect(await call("loadError", "indexeddb://")).toMatchObject({ name: "StoreError", message: expect.stringContaining("empty") });
    expect(await call("loadError", "opfs://a/../b")).toMatchObject({ name: "StoreError", message: expect.stringContaining('".."') });
  });

  it("refuses what a page cannot do, by name", async () => {
    expect(await call("saveError", OTHER, "model.safetensors")).toMatchObject({ name: "SafetensorsError", message: expect.stringContaining("indexeddb://") });
    expect(await call("saveError", OTHER, `${browser.url}x.safetensors`)).toMatchObject({ name: "StoreError", message: expect.stringContaining("cannot write to a URL") });
    expect(await call("saveError", OTHER, "s3://bucket/model")).toMatchObject({ name: "StoreError", message: expect.stringContaining('"s3://"') });
    const http = await call("loadError", "/tests/fixtures/no-such-file.safetensors");
    expect(http).toMatchObject({ name: "SafetensorsError", message: expect.stringContaining("HTTP 404") });
  });

  it("logs no page errors, and no console errors but the deliberate 404", () => {
    const unexpected = browser.errors.filter((e) => !/Failed to load resource: .*404/.test(e));
    expect(unexpected).toEqual([]);
  });
});

describe("browser stores in Node", () => {
  const sd = () => ({ w: kd.tensor([1, 2]) });

  it("raises StoreError for indexeddb:// and opfs://, saying Node lacks them", async () => {
    for (const url of ["indexeddb://m", "opfs://m.safetensors"]) {
      await expect(kd.save(sd(), url), url).rejects.toThrow(kd.StoreError);
      await expect(kd.save(sd(), url), url).rejects.toThrow(/not available in this runtime \(Node\)/);
      await expect(kd.load(url), url).rejects.toThrow(kd.StoreError);
      await expect(kd.io.list(url.startsWith("opfs") ? "opfs://" : "indexeddb://")).rejects.toThrow(/Node/);
    }
  });

  it("raises StoreError for an unknown scheme, listing the supported ones", async () => {
    await expect(kd.load("s3://bucket/model.safetensors")).rejects.toThrow(/unsupported scheme "s3:\/\/".*indexeddb:\/\/, opfs:\/\/, http\(s\):\/\//);
    await expect(kd.save(sd(), "gs://bucket/model.safetensors")).rejects.toThrow(kd.StoreError);
    await expect(kd.save(sd(), "https://example.com/model.safetensors")).rejects.toThrow(/cannot write to a URL/);
  });

  it("download() needs a page", () => {
    expect(() => kd.io.download(new Uint8Array(8), "m.safetensors")).toThrow(/needs a page with a document/);
  });
});
