// Page side of tests/browser-io.test.ts: kd.save / kd.load through IndexedDB, OPFS, Files, URLs
// and downloads, in Chromium on the built library. Tensors cross to Node as raw bits (uint32 for
// float32) so the test compares them bit for bit.
import * as kd from "kindling";

type DT = "float32" | "int32" | "bool";
export interface Entry { dtype: DT; shape: number[]; bits: number[] }
export type Spec = Record<string, Entry>;

function toTensor(e: Entry): kd.Tensor {
  const data = e.dtype === "float32" ? new Float32Array(Uint32Array.from(e.bits).buffer) : e.dtype === "int32" ? Int32Array.from(e.bits) : Uint8Array.from(e.bits);
  return kd.tensor(data, { dtype: e.dtype }).reshape(e.shape);
}

function toEntry(t: kd.Tensor): Entry {
  const d = t.dataSync();
  const bits = t.dtype === "float32" ? new Uint32Array(d.buffer, d.byteOffset, d.length) : d;
  return { dtype: t.dtype as DT, shape: [...t.shape], bits: Array.from(bits as ArrayLike<number>) };
}

const build = (spec: Spec) => Object.fromEntries(Object.entries(spec).map(([k, e]) => [k, toTensor(e)]));

async function loadSpec(source: Parameters<typeof kd.load>[0]) {
  const { tensors, metadata } = await kd.load(source);
  return { spec: Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, toEntry(t)])), metadata };
}

/** The error a call raised, as the test reads it (class name, message, and whether it is a kd.StoreError). */
async function failure(fn: () => Promise<unknown>) {
  try {
    await fn();
    return null;
  } catch (e) {
    const err = e as Error;
    return { name: err.name, message: err.message, isStoreError: e instanceof kd.StoreError, isKindlingError: e instanceof kd.KindlingError };
  }
}

/** A small CNN whose weights decide its output: loading them must reproduce it exactly. */
function makeModel(seed: number) {
  kd.manualSeed(seed);
  const { nn } = kd;
  return new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(4 * 4 * 4, 3));
}

const api = {
  /** kd.save(spec, dest) then kd.load(dest). */
  async roundTrip(spec: Spec, dest: string, metadata: Record<string, string> = {}) {
    await kd.save(build(spec), dest, metadata);
    return loadSpec(dest);
  },
  /** kd.save(spec) gives a Blob; wrapped in a File as an <input type=file> would give it. */
  async viaFile(spec: Spec) {
    const blob = (await kd.save(build(spec))) as Blob;
    const file = new File([blob], "model.safetensors", { type: "application/octet-stream" });
    return { blobType: blob.type, blobSize: blob.size, ...(await loadSpec(file)) };
  },
  load: (source: string) => loadSpec(source),
  /** kd.save to a FileSystemFileHandle (what showSaveFilePicker returns; here one from OPFS), then kd.load from it. */
  async viaHandle(spec: Spec, metadata: Record<string, string>) {
    const dir = await navigator.storage.getDirectory();
    const handle = await dir.getFileHandle("picked.safetensors", { create: true });
    await kd.save(build(spec), handle, metadata);
    const size = (await handle.getFile()).size;
    const got = await loadSpec(handle);
    await dir.removeEntry("picked.safetensors");
    return { size, ...got };
  },
  /** A model saved to dest, loaded into a differently seeded one: same logits, bit for bit. */
  async modelRoundTrip(dest: string) {
    const a = makeModel(1);
    const b = makeModel(2);
    kd.manualSeed(3);
    const x = kd.randn([2, 1, 8, 8]);
    const bits = (m: kd.nn.Module) => toEntry(kd.noGrad(() => m.forward(x))).bits;
    const want = bits(a);
    const before = bits(b);
    await kd.save(a.stateDict(), dest);
    b.loadStateDict((await kd.load(dest)).tensors);
    return { want, before, after: bits(b), keys: Object.keys(a.stateDict()).sort() };
  },
  list: (store: "indexeddb://" | "opfs://") => kd.io.list(store),
  remove: (url: string) => kd.io.remove(url),
  loadError: (source: string) => failure(() => kd.load(source)),
  removeError: (url: string) => failure(() => kd.io.remove(url)),
  saveError: (spec: Spec, dest: string) => failure(() => kd.save(build(spec), dest)),
  async download(spec: Spec, filename: string) {
    kd.io.download((await kd.save(build(spec), undefined, { from: "download" })) as Blob, filename);
  },
  /** Lists what the origin's OPFS root holds (to check no temporary entry was left). */
  async opfsNames() {
    const out: string[] = [];
    const walk = async (dir: FileSystemDirectoryHandle, prefix: string) => {
      for await (const [name, h] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
        out.push(prefix + name);
        if (h.kind === "directory") await walk(h as FileSystemDirectoryHandle, `${prefix}${name}/`);
      }
    };
    await walk(await navigator.storage.getDirectory(), "");
    return out.sort();
  },
};

export type IoPageApi = typeof api;
Object.assign(globalThis, { kindlingTest: api });
