// safetensors: the tensor file format PyTorch (via safetensors) and every Hugging Face tool read.
// Layout: an 8-byte little-endian header length, a JSON header
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}},
// then the raw little-endian bytes. Parsing checks every offset before touching data, so a
// corrupt or hostile file raises a SafetensorsError and creates nothing.
import { fromArray, fromBytes } from "../creation.js";
import { ValueError } from "../errors.js";
import { dtypeSize, type DType } from "../dtype.js";
import { hostBytes } from "../runtime/engine.js";
import { flushChecksSync } from "../checks.js";
import { Tensor } from "../tensor.js";
import { warnNonFinite } from "./nonfinite.js";
import { isFileHandle, locate, readSource, writeHandle, writeStored, type Source } from "./stores.js";
import { writeFileAtomic } from "./atomic.js";

export class SafetensorsError extends ValueError { override name = "SafetensorsError"; }

/** safetensors dtype names <-> Kindling dtypes: each read and written as itself, bit-exact. */
const WRITE: Record<DType, string> = {
  float32: "F32", int32: "I32", bool: "BOOL", uint8: "U8", int8: "I8", int64: "I64", float64: "F64", float16: "F16",
};
const READ: Record<string, { dtype: DType; size: number }> = Object.fromEntries(
  (Object.entries(WRITE) as [DType, string][]).map(([d, n]) => [n, { dtype: d, size: dtypeSize(d) }]),
);
/** Headers larger than this are refused (safetensors' own reader uses 100 MB). */
const MAX_HEADER = 100_000_000;

export type StateDict = Record<string, Tensor>;
export type { Source };

/** Something with a state dict (an nn.Module): kd.save(model) saves model.stateDict(). */
export interface HasStateDict { stateDict(): StateDict }

/** Sets obj[key] as an own property, so a key like "__proto__" is kept, not taken as the prototype. */
function setOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The tensors to save: a state dict, or a Module's. Anything else is a SafetensorsError naming it. */
function tensorsOf(what: StateDict | HasStateDict): StateDict {
  if (what !== null && typeof what === "object" && typeof (what as HasStateDict).stateDict === "function") return (what as HasStateDict).stateDict();
  if (what === null || typeof what !== "object" || what instanceof Tensor) {
    throw new SafetensorsError(`save() expects a Module or a state dict {name: Tensor}, got ${what instanceof Tensor ? "a Tensor (wrap it: {name: t})" : what === null ? "null" : typeof what}`);
  }
  for (const [k, v] of Object.entries(what)) {
    if (!(v instanceof Tensor)) throw new SafetensorsError(`save(): the value for "${k}" is not a Tensor (got ${v === null ? "null" : typeof v})`);
  }
  return what as StateDict;
}

/**
 * What a non-safetensors file is, from its first bytes, for a message that says how to get
 * safetensors: PyTorch's torch.save writes a zip of pickles (or, before 1.6, a bare pickle).
 */
function foreignFormat(first: Uint8Array): string | null {
  const torchHint = "Kindling reads safetensors, not pickles. Export the weights in Python: " +
    "`from safetensors.torch import save_file; save_file(model.state_dict(), \"model.safetensors\")` " +
    "(pip install safetensors), then kd.load(\"model.safetensors\")";
  if (first[0] === 0x50 && first[1] === 0x4b && first[2] === 0x03 && first[3] === 0x04) return `this is a zip file, as PyTorch's torch.save writes (.pt / .pth: a zip of pickles), not safetensors. ${torchHint}`;
  if (first[0] === 0x80 && first[1] >= 2 && first[1] <= 5) return `this is a Python pickle (PyTorch's legacy .pt / .pth format), not safetensors. ${torchHint}`;
  return null;
}

/** Serialises tensors (keys sorted by name within the data, as the Python library does); CPU tensors (save() reads any device). */
export function serialize(what: StateDict | HasStateDict, metadata: Record<string, string> = {}): Uint8Array {
  const tensors = tensorsOf(what);
  return encode(tensors, Object.keys(tensors).sort().map((n) => bytesOf(tensors[n])), metadata);
}

/** serialize() through the awaited read, for tensors on any device. */
export async function serializeAsync(what: StateDict | HasStateDict, metadata: Record<string, string> = {}): Promise<Uint8Array> {
  const tensors = tensorsOf(what);
  const names = Object.keys(tensors).sort();
  // Storage-only dtypes live on the CPU (no device has them), so their bytes read synchronously.
  return encode(tensors, await Promise.all(names.map(async (n) => (tensors[n].device === "cpu" ? bytesOf(tensors[n]) : await tensors[n].data()))), metadata);
}

/** A CPU tensor's storage bytes, as safetensors lays them out (row-major, little-endian). */
function bytesOf(t: Tensor): Uint8Array {
  if (t.device !== "cpu") throw new SafetensorsError(`serialize() cannot read a ${t.device} tensor synchronously; use await kd.save()`);
  flushChecksSync();
  return hostBytes(t.handle, t.dtype, t.numel());
}

/** The file's bytes from the tensors and their elements (read already, in sorted key order). */
function encode(tensors: StateDict, datas: ArrayBufferView[], metadata: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== "string") throw new SafetensorsError(`metadata value for "${k}" must be a string`);
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const parts: Uint8Array[] = [];
  names.forEach((name, i) => {
    const t = tensors[name];
    const data = datas[i];
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    setOwn(header, name, { dtype: WRITE[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] });
    parts.push(bytes);
    offset += bytes.length;
  });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const head = new Uint8Array(json.length + ((8 - ((json.length + 8) % 8)) % 8)).fill(0x20); // the data starts 8-byte aligned
  head.set(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface Loaded { tensors: StateDict; metadata: Record<string, string> }

interface Entry { name: string; dtype: string; shape: number[]; begin: number; end: number }

/** The header's length from the first 8 bytes, checked against the file's size. */
function headerLength(first8: Uint8Array, fileLen: number): number {
  if (fileLen < 8 || first8.length < 8) throw new SafetensorsError(`file too short for a safetensors header (${fileLen} bytes)`);
  const n = Number(new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true));
  const foreign = foreignFormat(first8);
  if (foreign && (n > MAX_HEADER || 8 + n > fileLen)) throw new SafetensorsError(foreign);
  if (n > MAX_HEADER) throw new SafetensorsError(`header claims ${n} bytes (limit ${MAX_HEADER}): this is not a safetensors file, or it is corrupt`);
  if (8 + n > fileLen) throw new SafetensorsError(`header of ${n} bytes runs past the end of the file (${fileLen} bytes)`);
  return n;
}

/** Parses the JSON header and checks every entry against the data section's length. */
function parseHeader(head: Uint8Array, dataLen: number): { entries: Entry[]; metadata: Record<string, string> } {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(head));
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) throw new SafetensorsError("header must be a JSON object");
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const entries: Entry[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null) throw new SafetensorsError(`tensor "${name}": entry must be an object`);
    if (typeof e.dtype !== "string" || !(e.dtype in READ)) throw new SafetensorsError(`tensor "${name}": unsupported dtype ${JSON.stringify(e.dtype)} (supported: ${Object.keys(READ).join(", ")})`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError(`tensor "${name}": bad shape ${JSON.stringify(e.shape)}`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) throw new SafetensorsError(`tensor "${name}": bad data_offsets ${JSON.stringify(off)}`);
    if (off[1] > dataLen) throw new SafetensorsError(`tensor "${name}": data_offsets [${off[0]}, ${off[1]}] run past the end of the data (${dataLen} bytes)`);
    const numel = (e.shape as number[]).reduce((a, b) => a * b, 1);
    if (numel * READ[e.dtype].size !== off[1] - off[0]) throw new SafetensorsError(`tensor "${name}": shape [${(e.shape as number[]).join(", ")}] of ${e.dtype} needs ${numel * READ[e.dtype].size} bytes but data_offsets span ${off[1] - off[0]}`);
    entries.push({ name, dtype: e.dtype, shape: e.shape as number[], begin: off[0], end: off[1] });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) throw new SafetensorsError(`tensors "${sorted[i - 1].name}" and "${sorted[i].name}" overlap in the data`);
  }
  return { entries, metadata };
}

/** Element values of a dtype that needs converting (BOOL normalised to 0/1). */
function convert(e: Entry, raw: Uint8Array): Float64Array {
  return Float64Array.from(raw, (x) => (x ? 1 : 0));
}

/**
 * Creates the (already checked) tensors. F32 and I32 data are the engine's own layout
 * (little-endian, as wasm memory is): `fill` writes those bytes straight into the new tensor's
 * storage in wasm memory. Other dtypes are filled into a scratch buffer and converted.
 * `fill` must be synchronous, so nothing can grow wasm memory between allocating and filling.
 */
function materialize(entries: Entry[], fill: (e: Entry, dst: Uint8Array) => void): StateDict {
  const tensors: StateDict = {};
  try {
    for (const e of entries) {
      const { dtype } = READ[e.dtype];
      if (e.dtype !== "BOOL") {
        setOwn(tensors, e.name, fromBytes(e.shape, dtype, (dst) => fill(e, dst)));
      } else {
        const raw = new Uint8Array(e.end - e.begin);
        fill(e, raw);
        setOwn(tensors, e.name, fromArray(convert(e, raw), e.shape, dtype));
      }
    }
  } catch (err) {
    for (const t of Object.values(tensors)) t.dispose();
    throw err;
  }
  return tensors;
}

/** Parses a safetensors file, checking sizes, offsets, overlaps and dtypes first. */
export function deserialize(bytes: Uint8Array): Loaded {
  const n = headerLength(bytes.subarray(0, 8), bytes.length);
  const { entries, metadata } = parseHeader(bytes.subarray(8, 8 + n), bytes.length - 8 - n);
  const base = 8 + n;
  const tensors = materialize(entries, (e, dst) => dst.set(bytes.subarray(base + e.begin, base + e.end)));
  return { tensors, metadata };
}

/**
 * Loads a file (Node) with no copy in between: the header is read and checked, then each
 * tensor's bytes are read from the file straight into its storage in wasm memory.
 */
async function readPath(path: string): Promise<Loaded> {
  const fsp = await import("node:fs/promises");
  const { readSync } = await import("node:fs");
  const fh = await fsp.open(path, "r");
  try {
    const size = (await fh.stat()).size;
    const readAt = (dst: Uint8Array, pos: number) => {
      for (let done = 0; done < dst.length;) {
        const got = readSync(fh.fd, dst, done, dst.length - done, pos + done);
        if (got === 0) throw new SafetensorsError(`${path}: the file ended at byte ${pos + done} while reading (was it changed?)`);
        done += got;
      }
    };
    const first8 = new Uint8Array(Math.min(8, size));
    readAt(first8, 0);
    const n = headerLength(first8, size);
    const head = new Uint8Array(n);
    readAt(head, 8);
    const { entries, metadata } = parseHeader(head, size - 8 - n);
    return { tensors: materialize(entries, (e, dst) => readAt(dst, 8 + n + e.begin)), metadata };
  } finally {
    await fh.close();
  }
}

const isNode = () => typeof process !== "undefined" && !!process.versions?.node;

/**
 * Saves a state dict as safetensors. Node: to a path, through a temporary file and a rename,
 * so a crash never leaves half a checkpoint. Browsers: to "indexeddb://name" or "opfs://name"
 * (ts/io/stores.ts), or a FileSystemFileHandle (showSaveFilePicker, OPFS). With no path:
 * returns a Blob to download (kd.io.download) or upload.
 */
export async function save(tensors: StateDict | HasStateDict, path?: string | FileSystemFileHandle, metadata: Record<string, string> = {}): Promise<Blob | void> {
  const bytes = await serializeAsync(tensors, metadata);
  if (path === undefined) return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" });
  if (isFileHandle(path)) return writeHandle(path, bytes);
  if (locate(path, "save") === "store") return writeStored(path, bytes);
  if (!isNode()) throw new SafetensorsError(`saving to a path (${path}) needs Node: in a browser save to "indexeddb://name" or "opfs://name", or call save(tensors) for a Blob`);
  await writeFileAtomic(path, bytes);
}

/**
 * Loads safetensors from a path (Node), a URL (fetch; relative in browsers), "indexeddb://name",
 * "opfs://name", bytes, or a Blob/File. Tensors holding NaN or Inf load as they are, with a
 * one-line console.warn naming them.
 */
export async function load(source: Source): Promise<Loaded> {
  const loaded = await read(source);
  warnNonFinite(loaded.tensors, `kd.load(${typeof source === "string" ? JSON.stringify(source) : "bytes"})`);
  return loaded;
}

/** load() without the NaN/Inf warning (loadCheckpoint warns once it has validated the file). */
export async function read(source: Source): Promise<Loaded> {
  // A file is read straight into wasm memory; every other source gives its bytes first.
  if (typeof source === "string" && locate(source, "load") === "path") return readPath(source);
  return deserialize(await readSource(source, (msg) => new SafetensorsError(msg)));
}
