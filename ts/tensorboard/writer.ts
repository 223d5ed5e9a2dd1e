// kd.tensorboard.SummaryWriter: TensorBoard event files as torch.utils.tensorboard writes them
// (same file names, subfolders for addScalars and addHparams, the same summaries and plugin
// metadata), so `tensorboard --logdir runs` and `npx kindling report runs` read them. In Node the
// records go to disk, each appended with one write call (a crash can tear at most the record being
// written; readers drop a torn tail); elsewhere they are kept in memory (writer.files()).
import { ValueError } from "../errors.js";
import { checkOptions } from "../options.js";
import { Tensor } from "../tensor.js";
import { encode } from "../io/onnx/protobuf.js";
import { frameRecord } from "./record.js";
import { makeHistogram } from "./histogram.js";
import * as P from "./proto.js";

interface NodeFs {
  mkdirSync(p: string, o: { recursive: boolean }): unknown;
  openSync(p: string, flags: string): number;
  writeSync(fd: number, b: Uint8Array): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
}
type NodeProcess = { pid: number; getBuiltinModule?: (id: string) => unknown };
const proc = (globalThis as { process?: NodeProcess }).process;
const fs = proc?.getBuiltinModule?.("node:fs") as NodeFs | undefined;
const os = proc?.getBuiltinModule?.("node:os") as { hostname(): string } | undefined;

let uid = 0;
const join = (a: string, b: string) => (a.endsWith("/") ? a + b : `${a}/${b}`);

/** One event file in one folder; the first record is the file_version event. */
class EventFile {
  readonly path: string;
  #fd: number | undefined;
  #chunks: Uint8Array[] | undefined;
  #closed = false;

  constructor(dir: string, suffix: string) {
    const secs = Math.floor(Date.now() / 1000);
    const name = `events.out.tfevents.${String(secs).padStart(10, "0")}.${os?.hostname() ?? "browser"}.${proc?.pid ?? 0}.${uid++}${suffix}`;
    this.path = join(dir, name);
    if (fs) {
      fs.mkdirSync(dir, { recursive: true });
      this.#fd = fs.openSync(this.path, "a");
    } else this.#chunks = [];
    this.write({ wall_time: Date.now() / 1000, file_version: "brain.Event:2" });
  }

  write(event: Record<string, unknown>): void {
    if (this.#closed) throw new ValueError(`SummaryWriter: ${this.path} is closed`);
    const record = frameRecord(encode(event, P.Event));
    if (this.#fd !== undefined) fs!.writeSync(this.#fd, record);
    else this.#chunks!.push(record);
  }

  bytes(): Uint8Array {
    const chunks = this.#chunks ?? [];
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  }

  flush(): void {
    if (this.#fd !== undefined && !this.#closed) fs!.fsyncSync(this.#fd);
  }

  close(): void {
    if (this.#closed) return;
    this.flush();
    if (this.#fd !== undefined) fs!.closeSync(this.#fd);
    this.#closed = true;
  }
}

export interface SummaryWriterOptions {
  /** Appended to the default run folder name (runs/<date>_<host><comment>), as torch's comment. */
  comment?: string;
  /** Appended to event file names. */
  filenameSuffix?: string;
}

export interface ImageOptions {
  /** Layout of the image tensor: "CHW" (default, as torch), "HWC" or "HW". */
  dataformats?: "CHW" | "HWC" | "HW";
}

export type HParamValue = number | string | boolean;

function defaultLogdir(comment: string): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `runs/${months[d.getMonth()]}${p(d.getDate())}_${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}_${os?.hostname() ?? "browser"}${comment}`;
}

function scalarOf(where: string, v: number | Tensor): number {
  const x = v instanceof Tensor ? Number(v.item()) : v;
  if (typeof x !== "number") throw new ValueError(`${where}: expected a number or a one-element tensor, got ${typeof x}`);
  return x;
}

/** PNG bytes through pngjs (a package dependency), loaded with Node's require so that browser bundles do not pull it in. */
function encodePng(width: number, height: number, channels: number, hwc: Uint8Array): Uint8Array {
  const mod = proc?.getBuiltinModule?.("node:module") as { createRequire(u: string): (id: string) => unknown } | undefined;
  if (!mod) throw new ValueError("SummaryWriter.addImage: PNG encoding needs Node (pngjs)");
  const { PNG } = mod.createRequire(import.meta.url)("pngjs") as { PNG: { sync: { write(p: unknown, o: object): Uint8Array } } };
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const px = hwc.subarray(i * channels, i * channels + channels);
    rgba[4 * i] = px[0];
    rgba[4 * i + 1] = channels >= 3 ? px[1] : px[0];
    rgba[4 * i + 2] = channels >= 3 ? px[2] : px[0];
    rgba[4 * i + 3] = channels === 4 ? px[3] : 255;
  }
  const colorType = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  const png = { width, height, data: rgba };
  return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: 6, inputHasAlpha: true }));
}

/** Writes TensorBoard event files under `logdir` (default runs/<date>_<host><comment>). */
export class SummaryWriter {
  readonly logdir: string;
  #suffix: string;
  #main: EventFile | undefined;
  #subs = new Map<string, EventFile>();
  #hparamFiles: EventFile[] = [];
  #closed = false;

  constructor(logdir?: string, opts: SummaryWriterOptions = {}) {
    checkOptions("SummaryWriter", opts, ["comment", "filenameSuffix"]);
    if (logdir !== undefined && (typeof logdir !== "string" || logdir === "")) throw new ValueError(`SummaryWriter: logdir must be a non-empty string, got ${String(logdir)}`);
    this.logdir = logdir ?? defaultLogdir(opts.comment ?? "");
    this.#suffix = opts.filenameSuffix ?? "";
    this.#main = new EventFile(this.logdir, this.#suffix);
  }

  #file(): EventFile {
    if (this.#closed || !this.#main) throw new ValueError("SummaryWriter: the writer is closed");
    return this.#main;
  }

  #event(file: EventFile, value: Record<string, unknown>, step: number | undefined, walltime: number | undefined, where: string): void {
    if (step !== undefined && !Number.isSafeInteger(step)) throw new ValueError(`${where}: step must be an integer, got ${step}`);
    if (typeof value.tag !== "string" || value.tag === "") throw new ValueError(`${where}: tag must be a non-empty string`);
    file.write({ wall_time: walltime ?? Date.now() / 1000, step, summary: { value: [value] } });
  }

  /** add_scalar: one simple_value point of `tag` at `step`. */
  addScalar(tag: string, value: number | Tensor, step?: number, walltime?: number): void {
    this.#event(this.#file(), { tag, simple_value: scalarOf("addScalar", value) }, step, walltime, "addScalar");
  }

  /**
   * add_scalars: several curves under one chart; as torch, each key goes to its own event file in
   * <logdir>/<mainTag with / as _>_<key>/, with `mainTag` as the tag.
   */
  addScalars(mainTag: string, values: Record<string, number | Tensor>, step?: number, walltime?: number): void {
    this.#file();
    if (typeof values !== "object" || values === null) throw new ValueError("addScalars: values must be an object of tag -> number");
    for (const [key, v] of Object.entries(values)) {
      const dir = join(this.logdir, `${mainTag.replace(/\//g, "_")}_${key}`);
      let f = this.#subs.get(dir);
      if (!f) this.#subs.set(dir, (f = new EventFile(dir, this.#suffix)));
      this.#event(f, { tag: mainTag, simple_value: scalarOf("addScalars", v) }, step, walltime, "addScalars");
    }
  }

  /** add_image: a PNG of a [C,H,W] (default), [H,W,C] or [H,W] tensor; floats in [0, 1] are scaled by 255, integers taken as 0-255. */
  addImage(tag: string, img: Tensor, step?: number, walltime?: number, opts: ImageOptions = {}): void {
    checkOptions("addImage", opts, ["dataformats"]);
    if (!(img instanceof Tensor)) throw new ValueError("addImage: img must be a Tensor");
    const fmt = opts.dataformats ?? "CHW";
    if (!["CHW", "HWC", "HW"].includes(fmt)) throw new ValueError(`addImage: dataformats must be CHW, HWC or HW, got ${fmt}`);
    if (img.ndim !== fmt.length) throw new ValueError(`addImage: dataformats ${fmt} needs a ${fmt.length}-d tensor, got shape [${img.shape.join(", ")}]`);
    const [h, w, c] = fmt === "CHW" ? [img.shape[1], img.shape[2], img.shape[0]] : fmt === "HWC" ? [img.shape[0], img.shape[1], img.shape[2]] : [img.shape[0], img.shape[1], 1];
    if (![1, 3, 4].includes(c)) throw new ValueError(`addImage: an image needs 1, 3 or 4 channels, got ${c} (shape [${img.shape.join(", ")}], dataformats ${fmt})`);
    const src = img.dataSync();
    const scale = img.dtype.startsWith("float") ? 255 : 1; // torch: 255 unless uint8
    const hwc = new Uint8Array(h * w * c);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) {
      const at = fmt === "CHW" ? (k * h + y) * w + x : (y * w + x) * c + k;
      const v = Math.fround(Number(src[at]) * scale); // float32 math, then clip and truncate as astype(uint8)
      hwc[(y * w + x) * c + k] = Math.trunc(Math.min(255, Math.max(0, Number.isNaN(v) ? 0 : v)));
    }
    const image = { height: h, width: w, colorspace: c, encoded_image_string: encodePng(w, h, c, hwc) };
    this.#event(this.#file(), { tag, image }, step, walltime, "addImage");
  }

  /** add_histogram with bins "tensorflow" (torch's default_bins), an integer count, or explicit edges. */
  addHistogram(tag: string, values: Tensor | ArrayLike<number>, step?: number, walltime?: number, opts: { bins?: "tensorflow" | number | number[] } = {}): void {
    checkOptions("addHistogram", opts, ["bins"]);
    const data = values instanceof Tensor ? Array.from(values.dataSync(), Number) : Array.from(values, Number);
    const bins = opts.bins === undefined || opts.bins === "tensorflow" ? undefined : opts.bins;
    this.#event(this.#file(), { tag, histo: makeHistogram(data, bins) }, step, walltime, "addHistogram");
  }

  /** add_text: the text plugin's summary (tag "<tag>/text_summary", a DT_STRING tensor). */
  addText(tag: string, text: string, step?: number, walltime?: number): void {
    if (typeof text !== "string") throw new ValueError("addText: text must be a string");
    const value = {
      tag: `${tag}/text_summary`,
      metadata: { plugin_data: { plugin_name: "text" } },
      tensor: { dtype: P.DT_STRING, tensor_shape: { dim: [{ size: 1 }] }, string_val: [new TextEncoder().encode(text)] },
    };
    this.#event(this.#file(), value, step, walltime, "addText");
  }

  /**
   * add_hparams: as torch, writes the hparams plugin's experiment, session start and session end
   * summaries, and each metric as a scalar, to a new event file in <logdir>/<runName> (default:
   * the time in seconds).
   */
  addHparams(hparams: Record<string, HParamValue>, metrics: Record<string, number>, opts: { runName?: string } = {}): void {
    checkOptions("addHparams", opts, ["runName"]);
    this.#file();
    const entries: unknown[] = [];
    const infos: unknown[] = [];
    for (const [name, v] of Object.entries(hparams)) {
      if (typeof v === "number") {
        entries.push({ key: name, value: { number_value: v } });
        infos.push({ name, type: P.DATA_TYPE_FLOAT64 });
      } else if (typeof v === "string") {
        entries.push({ key: name, value: { string_value: v } });
        infos.push({ name, type: P.DATA_TYPE_STRING });
      } else if (typeof v === "boolean") {
        // torch 1.13 tests isinstance(v, int) first, so it writes Python bools as 1.0/0.0 FLOAT64;
        // this writes them as TensorBoard's own hparams API does: bool_value, DATA_TYPE_BOOL.
        entries.push({ key: name, value: { bool_value: v ? 1 : 0 } });
        infos.push({ name, type: P.DATA_TYPE_BOOL });
      } else throw new ValueError(`addHparams: hparam '${name}' must be a number, string or boolean, got ${typeof v}`);
    }
    for (const [k, v] of Object.entries(metrics)) if (typeof v !== "number") throw new ValueError(`addHparams: metric '${k}' must be a number, got ${typeof v}`);
    const plugin = (content: Record<string, unknown>) => ({ plugin_data: { plugin_name: "hparams", content: encode(content, P.HParamsPluginData) } });
    const summaries = [
      { tag: "_hparams_/experiment", metadata: plugin({ experiment: { hparam_infos: infos, metric_infos: Object.keys(metrics).map((tag) => ({ name: { tag } })) } }) },
      { tag: "_hparams_/session_start_info", metadata: plugin({ session_start_info: { hparams: entries } }) },
      { tag: "_hparams_/session_end_info", metadata: plugin({ session_end_info: { status: P.STATUS_SUCCESS } }) },
    ];
    const f = new EventFile(join(this.logdir, opts.runName ?? String(Date.now() / 1000)), this.#suffix);
    this.#hparamFiles.push(f);
    try {
      for (const s of summaries) f.write({ wall_time: Date.now() / 1000, summary: { value: [s] } });
      for (const [k, v] of Object.entries(metrics)) this.#event(f, { tag: k, simple_value: v }, undefined, undefined, "addHparams");
    } finally {
      f.close();
    }
  }

  /** Makes everything written so far durable (fsync in Node). */
  flush(): void {
    this.#main?.flush();
    for (const f of this.#subs.values()) f.flush();
  }

  close(): void {
    if (this.#closed) return;
    this.#main?.close();
    for (const f of this.#subs.values()) f.close();
    this.#closed = true;
  }

  /** The event files written so far and their bytes (the in-memory copy where there is no file system; empty in Node). */
  files(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const f of [this.#main!, ...this.#subs.values(), ...this.#hparamFiles]) if (!fs) out.set(f.path, f.bytes());
    return out;
  }
}
