// Browser storage for saved models: "indexeddb://name" (a record in the page origin's IndexedDB)
// and "opfs://dir/name" (a file in the Origin Private File System), plus a download helper.
// kd.save / kd.load route those URLs here (see locate()); the bytes are whatever the caller
// serialised (safetensors for kd.save). Writes are all-or-nothing: one IndexedDB transaction, or
// an OPFS writable stream, which writes to a swap file and replaces the entry only on close().
import { ValueError } from "../errors.js";

/** A browser store that is missing, lacks a name, or failed (names the store and the entry). */
export class StoreError extends ValueError { override name = "StoreError"; }

export type StoreScheme = "indexeddb" | "opfs";
const STORES: Record<StoreScheme, string> = { indexeddb: "IndexedDB", opfs: "the Origin Private File System" };

/** IndexedDB database and object store that hold the saved files, keyed by name. */
const IDB_NAME = "kindling";
const IDB_STORE = "files";

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Splits "indexeddb://name" / "opfs://name"; null for anything else. */
export function parseStoreUrl(s: string): { scheme: StoreScheme; name: string } | null {
  const m = SCHEME.exec(s);
  const scheme = m?.[1].toLowerCase();
  if (scheme !== "indexeddb" && scheme !== "opfs") return null;
  return { scheme, name: s.slice(m![0].length) };
}

/**
 * What a kd.save / kd.load string names: a browser store, a URL to fetch, or a file path (Node).
 * Throws StoreError for a scheme Kindling cannot read or write.
 */
export function locate(s: string, op: "save" | "load"): "store" | "url" | "path" {
  if (parseStoreUrl(s)) return "store";
  const scheme = SCHEME.exec(s)?.[1].toLowerCase();
  const isNode = typeof process !== "undefined" && !!process.versions?.node;
  if (scheme === undefined) return isNode || op === "save" ? "path" : "url";
  if (scheme === "http" || scheme === "https") {
    if (op === "load") return "url";
    throw new StoreError(`kd.save cannot write to a URL (${s}): save(tensors) returns a Blob to upload, or use indexeddb:// or opfs://`);
  }
  const supported = op === "save" ? "indexeddb://, opfs://, or a file path (Node)" : "indexeddb://, opfs://, http(s)://, or a file path (Node)";
  throw new StoreError(`kd.${op}: unsupported scheme "${scheme}://" in ${JSON.stringify(s)} (supported: ${supported})`);
}

function parse(url: string): { scheme: StoreScheme; name: string; where: string } {
  const p = parseStoreUrl(url);
  if (!p) throw new StoreError(`${JSON.stringify(url)} is not a store URL (indexeddb://name or opfs://name)`);
  if (p.name === "") throw new StoreError(`${url}: the name after ${p.scheme}:// is empty`);
  return { ...p, where: STORES[p.scheme] };
}

/** The runtime's IndexedDB, or a StoreError saying it has none (Node). */
function idb(url: string): IDBFactory {
  if (typeof indexedDB === "undefined") throw new StoreError(`${url}: IndexedDB is not available in this runtime${runtimeHint()}`);
  return indexedDB;
}

function runtimeHint(): string {
  return typeof process !== "undefined" && process.versions?.node ? " (Node): save to a file path instead, or run in a browser" : "";
}

const request = <T>(r: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

function openDb(url: string): Promise<IDBDatabase> {
  const r = idb(url).open(IDB_NAME, 1);
  r.onupgradeneeded = () => r.result.createObjectStore(IDB_STORE);
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(new StoreError(`${url}: could not open IndexedDB database "${IDB_NAME}": ${r.error?.message}`));
    r.onblocked = () => reject(new StoreError(`${url}: IndexedDB database "${IDB_NAME}" is blocked by another tab holding an older version`));
  });
}

/** Runs fn in one transaction and resolves with its result once the transaction commits. */
async function withStore<T>(url: string, mode: IDBTransactionMode, fn: (s: IDBObjectStore) => Promise<T>): Promise<T> {
  const db = await openDb(url);
  try {
    // "strict": the commit is on disk before complete fires, so a saved model survives a crash.
    const tx = db.transaction(IDB_STORE, mode, { durability: "strict" });
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = tx.onerror = () => reject(tx.error ?? new Error("transaction aborted"));
    });
    done.catch(() => {}); // awaited below; on an early throw the abort is expected
    let result: T;
    try {
      result = await fn(tx.objectStore(IDB_STORE));
    } catch (e) {
      try { tx.abort(); } catch { /* already finished */ }
      throw e;
    }
    await done;
    return result;
  } finally {
    db.close();
  }
}

interface IdbRecord { data: ArrayBuffer; savedAt: string }

/** The OPFS root, or a StoreError saying this runtime has none. */
async function opfsRoot(url: string): Promise<FileSystemDirectoryHandle> {
  const storage = typeof navigator !== "undefined" ? navigator.storage : undefined;
  if (!storage?.getDirectory) throw new StoreError(`${url}: the Origin Private File System is not available in this runtime${runtimeHint()}`);
  return storage.getDirectory();
}

/** "a/b/c" -> folders ["a", "b"] and file "c", refusing empty, "." and ".." parts. */
function opfsPath(url: string, name: string): { dirs: string[]; file: string } {
  const parts = name.split("/");
  for (const p of parts) if (p === "" || p === "." || p === "..") throw new StoreError(`${url}: bad OPFS path ${JSON.stringify(name)} (empty, "." or ".." part)`);
  return { dirs: parts.slice(0, -1), file: parts[parts.length - 1] };
}

const isDomError = (e: unknown, name: string) => typeof e === "object" && e !== null && (e as { name?: string }).name === name;

function notFound(url: string, name: string, where: string): StoreError {
  return new StoreError(`no saved file named "${name}" in ${where} (${url})`);
}

/** The folder holding an OPFS entry (created on write), or null when a folder is missing. */
async function opfsDir(url: string, dirs: string[], create: boolean): Promise<FileSystemDirectoryHandle | null> {
  let dir = await opfsRoot(url);
  for (const d of dirs) {
    try {
      dir = await dir.getDirectoryHandle(d, { create });
    } catch (e) {
      if (isDomError(e, "NotFoundError")) return null;
      if (isDomError(e, "TypeMismatchError")) throw new StoreError(`${url}: "${d}" is a file, not a folder`);
      throw e;
    }
  }
  return dir;
}

/** Writes bytes to "indexeddb://name" or "opfs://path", replacing any entry of that name at once. */
export async function writeStored(url: string, bytes: Uint8Array): Promise<void> {
  const { scheme, name } = parse(url);
  if (scheme === "indexeddb") {
    const data = bytes.slice().buffer as ArrayBuffer; // a copy: the caller's buffer may be wasm memory
    const rec: IdbRecord = { data, savedAt: new Date().toISOString() };
    await withStore(url, "readwrite", (s) => request(s.put(rec, name)));
    return;
  }
  const { dirs, file } = opfsPath(url, name);
  const dir = (await opfsDir(url, dirs, true))!;
  let existed = true;
  try {
    await dir.getFileHandle(file);
  } catch (e) {
    if (!isDomError(e, "NotFoundError")) throw wrapOpfs(url, e);
    existed = false;
  }
  const handle = await dir.getFileHandle(file, { create: true }).catch((e) => { throw wrapOpfs(url, e); });
  try {
    await writeHandle(handle, bytes, url);
  } catch (e) {
    if (!existed) await dir.removeEntry(file).catch(() => {}); // no empty entry left behind
    throw e;
  }
}

/** A file handle: from OPFS, or from showSaveFilePicker / showOpenFilePicker / a dropped file. */
export function isFileHandle(x: unknown): x is FileSystemFileHandle {
  return typeof x === "object" && x !== null && (x as FileSystemHandle).kind === "file" && typeof (x as FileSystemFileHandle).getFile === "function";
}

/**
 * Writes bytes through a FileSystemFileHandle's writable stream: the browser writes a swap file
 * and replaces the file with it on close(), so a failed write leaves the old contents.
 */
export async function writeHandle(handle: FileSystemFileHandle, bytes: Uint8Array, label = handle.name): Promise<void> {
  if (typeof handle.createWritable !== "function") {
    throw new StoreError(`${label}: this browser cannot write files from this context (no FileSystemFileHandle.createWritable)`);
  }
  let stream: FileSystemWritableFileStream | undefined;
  try {
    stream = await handle.createWritable({ keepExistingData: false });
    await stream.write(bytes as Uint8Array<ArrayBuffer>);
    await stream.close(); // the swap file replaces the entry here, all at once
  } catch (e) {
    await stream?.abort().catch(() => {});
    throw wrapOpfs(label, e);
  }
}

/** Where kd.load / kd.onnx.load read from: a path (Node), URL or "indexeddb://" / "opfs://" name, bytes, a Blob or File, or a file handle. */
export type Source = string | Uint8Array | ArrayBuffer | Blob | FileSystemFileHandle;

/**
 * The bytes of a source: bytes as they are, a Blob or File, a file handle, a store entry, a
 * file (Node) or a URL (fetch). `httpError` makes the loader's own error for a failed fetch.
 */
export async function readSource(source: Source, httpError: (msg: string) => Error): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (isFileHandle(source)) return readHandle(source);
  if (typeof source !== "string") return new Uint8Array(await source.arrayBuffer());
  const where = locate(source, "load");
  if (where === "store") return readStored(source);
  if (where === "path") {
    const fs = await import("node:fs/promises");
    const b = await fs.readFile(source);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  const r = await fetch(source);
  if (!r.ok) throw httpError(`${source}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** The bytes of a file handle's file. */
export async function readHandle(handle: FileSystemFileHandle): Promise<Uint8Array> {
  try {
    return new Uint8Array(await (await handle.getFile()).arrayBuffer());
  } catch (e) {
    throw wrapOpfs(handle.name, e);
  }
}

function wrapOpfs(url: string, e: unknown): Error {
  if (e instanceof StoreError) return e;
  if (isDomError(e, "TypeMismatchError")) return new StoreError(`${url}: the OPFS entry is a folder, not a file`);
  if (isDomError(e, "QuotaExceededError")) return new StoreError(`${url}: the origin's storage quota is exceeded`);
  return new StoreError(`${url}: ${(e as Error)?.message ?? String(e)}`);
}

/** Reads the bytes saved under "indexeddb://name" or "opfs://path"; StoreError when missing. */
export async function readStored(url: string): Promise<Uint8Array> {
  const { scheme, name, where } = parse(url);
  if (scheme === "indexeddb") {
    const rec = await withStore(url, "readonly", (s) => request(s.get(name) as IDBRequest<IdbRecord | undefined>));
    if (rec === undefined) throw notFound(url, name, where);
    return new Uint8Array(rec.data);
  }
  const { dirs, file } = opfsPath(url, name);
  const dir = await opfsDir(url, dirs, false);
  if (!dir) throw notFound(url, name, where);
  try {
    const handle = await dir.getFileHandle(file);
    return new Uint8Array(await (await handle.getFile()).arrayBuffer());
  } catch (e) {
    if (isDomError(e, "NotFoundError")) throw notFound(url, name, where);
    throw wrapOpfs(url, e);
  }
}

/** Deletes a saved entry; StoreError when there is none of that name. */
export async function removeStored(url: string): Promise<void> {
  const { scheme, name, where } = parse(url);
  if (scheme === "indexeddb") {
    const found = await withStore(url, "readwrite", async (s) => {
      if ((await request(s.count(name))) === 0) return false;
      await request(s.delete(name));
      return true;
    });
    if (!found) throw notFound(url, name, where);
    return;
  }
  const { dirs, file } = opfsPath(url, name);
  const dir = await opfsDir(url, dirs, false);
  if (!dir) throw notFound(url, name, where);
  try {
    await dir.getFileHandle(file);
    await dir.removeEntry(file);
  } catch (e) {
    if (isDomError(e, "NotFoundError")) throw notFound(url, name, where);
    throw wrapOpfs(url, e);
  }
}

type DirEntries = AsyncIterable<[string, FileSystemHandle]>;

/** The URLs of every entry saved in a store ("indexeddb://" or "opfs://"), sorted. */
export async function listStored(store: "indexeddb://" | "opfs://"): Promise<string[]> {
  const scheme = parseStoreUrl(store)?.scheme;
  if (!scheme) throw new StoreError(`listStored: expected "indexeddb://" or "opfs://", got ${JSON.stringify(store)}`);
  if (scheme === "indexeddb") {
    const keys = await withStore(store, "readonly", (s) => request(s.getAllKeys()));
    return keys.map((k) => `indexeddb://${String(k)}`).sort();
  }
  const out: string[] = [];
  const walk = async (dir: FileSystemDirectoryHandle, prefix: string) => {
    for await (const [name, h] of (dir as unknown as { entries(): DirEntries }).entries()) {
      if (h.kind === "file") out.push(`opfs://${prefix}${name}`);
      else await walk(h as FileSystemDirectoryHandle, `${prefix}${name}/`);
    }
  };
  await walk(await opfsRoot(store), "");
  return out.sort();
}

/**
 * Offers bytes (a Blob from kd.save(stateDict), or a Uint8Array) as a file download from a page:
 *   kd.io.download(await kd.save(model.stateDict()), "model.safetensors");
 */
export function download(data: Blob | Uint8Array | ArrayBuffer, filename = "model.safetensors"): void {
  if (typeof document === "undefined" || typeof URL.createObjectURL !== "function") {
    throw new StoreError(`download("${filename}") needs a page with a document (not Node or a worker): in Node, kd.save(stateDict, path)`);
  }
  if (typeof filename !== "string" || filename === "") throw new StoreError("download: filename must be a non-empty string");
  const blob = data instanceof Blob ? data : new Blob([data as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" });
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers; the URL is small to keep.
  setTimeout(() => URL.revokeObjectURL(href), 30_000);
}
