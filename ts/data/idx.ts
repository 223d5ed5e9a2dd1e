// The IDX file format of MNIST and FashionMNIST (http://yann.lecun.com/exdb/mnist/):
//   bytes 0-1 zero, byte 2 the element type (0x08 uint8 ... 0x0E float64), byte 3 the number of
//   dims; then each dim as a big-endian uint32; then the elements, big-endian, row-major.
// So a label file starts 00 00 08 01 (magic 0x801) and an image file 00 00 08 03 (0x803).
// Files may be gzipped (detected by their first bytes, 1f 8b). Every failure is a DatasetError
// that names the file and what is wrong with it.
import { DatasetError } from "../errors.js";

export type IdxDType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: IdxDType;
  dims: number[];
  data: IdxData;
}

const TYPES: Record<number, [IdxDType, number]> = {
  0x08: ["uint8", 1],
  0x09: ["int8", 1],
  0x0b: ["int16", 2],
  0x0c: ["int32", 4],
  0x0d: ["float32", 4],
  0x0e: ["float64", 8],
};

export const IDX_LABELS_MAGIC = 0x801;
export const IDX_IMAGES_MAGIC = 0x803;

const hex = (v: number) => `0x${v.toString(16).padStart(8, "0")}`;
const num = (v: number) => v.toLocaleString("en-US");

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses IDX bytes (not gzipped). `name` names the file in errors; `expectMagic` checks the
 * whole magic number (0x801 labels, 0x803 images).
 */
export function parseIdx(bytes: Uint8Array, name = "<IDX data>", expectMagic?: number): IdxArray {
  if (bytes.length < 4) throw new DatasetError(`${name}: truncated IDX file: ${bytes.length} bytes, too short for the 4-byte magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const what = (m: number) => (m === IDX_LABELS_MAGIC ? " (IDX labels)" : m === IDX_IMAGES_MAGIC ? " (IDX images)" : "");
  if (expectMagic !== undefined && magic !== expectMagic) {
    throw new DatasetError(`${name}: wrong magic number ${hex(magic)}${what(magic)}, expected ${hex(expectMagic)}${what(expectMagic)}${isGzip(bytes) ? " (the data is gzip-compressed)" : ""}`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2] in TYPES)) {
    throw new DatasetError(`${name}: not an IDX file: magic number ${hex(magic)} (expected 00 00, a type code 08/09/0b/0c/0d/0e and a dim count)`);
  }
  const [dtype, size] = TYPES[bytes[2]];
  const ndim = bytes[3];
  if (ndim === 0) throw new DatasetError(`${name}: IDX header has 0 dims`);
  const head = 4 + 4 * ndim;
  if (bytes.length < head) throw new DatasetError(`${name}: truncated IDX file: ${bytes.length} bytes, the header of ${ndim} dims needs ${head}`);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const need = head + count * size;
  if (bytes.length < need) {
    throw new DatasetError(`${name}: truncated IDX file: the header says ${dims.join(" x ")} ${dtype} (${num(count * size)} bytes of data) but only ${num(bytes.length - head)} bytes follow it`);
  }
  if (bytes.length > need) {
    throw new DatasetError(`${name}: corrupt IDX file: ${num(bytes.length - need)} unexpected bytes after the ${dims.join(" x ")} ${dtype} data`);
  }
  let data: IdxData;
  if (dtype === "uint8") data = bytes.subarray(head, need); // a view: no second copy of 47 MB of images
  else if (dtype === "int8") data = new Int8Array(bytes.slice(head, need).buffer);
  else {
    const get = {
      int16: (o: number) => view.getInt16(o, false),
      int32: (o: number) => view.getInt32(o, false),
      float32: (o: number) => view.getFloat32(o, false),
      float64: (o: number) => view.getFloat64(o, false),
    }[dtype];
    const Ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[dtype];
    data = new Ctor(count);
    for (let i = 0; i < count; i++) data[i] = get(head + i * size);
  }
  return { dtype, dims, data };
}

/** Writes an IDX file (uint8 or int32 data) — for tests and for exporting small datasets. */
export function encodeIdx(data: Uint8Array | Int32Array, dims: number[]): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new DatasetError(`encodeIdx: ${data.length} elements for dims ${dims.join(" x ")}`);
  const size = data instanceof Uint8Array ? 1 : 4;
  const out = new Uint8Array(4 + 4 * dims.length + count * size);
  const view = new DataView(out.buffer);
  out[2] = size === 1 ? 0x08 : 0x0c;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const head = 4 + 4 * dims.length;
  if (data instanceof Uint8Array) out.set(data, head);
  else for (let i = 0; i < count; i++) view.setInt32(head + 4 * i, data[i], false);
  return out;
}

const isNode = () => typeof process !== "undefined" && !!process.versions?.node;

/**
 * Gunzips bytes: node:zlib in Node (off the main thread), DecompressionStream in browsers
 * (`webStreams: true` picks it in Node too).
 */
export async function gunzip(bytes: Uint8Array, name = "<gzip data>", opts: { webStreams?: boolean } = {}): Promise<Uint8Array> {
  if (isNode() && !opts.webStreams) {
    const zlib = await import("node:zlib");
    return new Promise((resolve, reject) => {
      zlib.gunzip(bytes, { maxOutputLength: 2 ** 31 - 1 }, (err, out) => {
        if (err) reject(new DatasetError(`${name}: corrupt gzip data (${err.message})`));
        else resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
      });
    });
  }
  if (typeof DecompressionStream === "undefined") throw new DatasetError(`${name}: is gzip-compressed and this environment has no DecompressionStream`);
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new DatasetError(`${name}: corrupt gzip data (${(e as Error).message})`);
  }
}

/** Parses IDX bytes that may be gzipped. */
export async function decodeIdx(bytes: Uint8Array, name = "<IDX data>", expectMagic?: number): Promise<IdxArray> {
  const raw = isGzip(bytes) ? await gunzip(bytes, name) : bytes;
  return parseIdx(raw, name, expectMagic);
}

/** Reads an IDX file (gzipped or not): a path in Node, a URL (fetch) elsewhere. */
export async function readIdx(path: string, expectMagic?: number): Promise<IdxArray> {
  return decodeIdx(await readBytes(path), path, expectMagic);
}

/** The bytes of a file (Node: a path or file: URL) or of a URL (fetch). */
export async function readBytes(path: string): Promise<Uint8Array> {
  if (isNode() && !/^https?:/.test(path)) {
    const fs = await import("node:fs/promises");
    try {
      const b = await fs.readFile(path.startsWith("file:") ? new URL(path) : path);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      throw new DatasetError(`${path}: cannot read the file (${(e as Error).message})`);
    }
  }
  let res: Response;
  try {
    res = await fetch(path);
  } catch (e) {
    throw new DatasetError(`${path}: fetch failed (${(e as Error).message})`);
  }
  if (!res.ok) throw new DatasetError(`${path}: HTTP ${res.status} ${res.statusText}`);
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw new DatasetError(`${path}: the download broke off (${(e as Error).message})`);
  }
}
