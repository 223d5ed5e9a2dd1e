// PNG and JPEG files to RawImage (uint8 HWC), the loader of datasets.ImageFolder.
//
//   decodeImage(bytes, "cat.png")                  // Node: pngjs / jpeg-js, synchronous
//   await decodeImageAsync(file, "cat.png")       // pages: createImageBitmap + OffscreenCanvas
//
// The format comes from the bytes, not the name (as PIL opens files). Before any decoder runs,
// the file's structure is walked here (PNG chunks up to IEND; JPEG segments up to the scan and
// its end-of-image marker) and its size checked against `maxPixels`, so a truncated file, a
// bad header or a decompression bomb is a DatasetError naming the file and what is wrong, never
// a decoder's crash or an allocation that exhausts memory.
//
// Colour: `mode` as PIL's Image.convert: "RGB" (the default: torchvision's pil_loader converts
// every image to RGB; grey is replicated, alpha dropped), "L" (grey, ITU-R 601-2 luma as PIL
// computes it; a grey PNG gives its own bytes back) or "RGBA".
import { DatasetError, ValueError } from "../errors.js";
import type { RawImage } from "./transforms.js";

export type ImageMode = "RGB" | "L" | "RGBA";

export interface DecodeOptions {
  /** Colour mode of the result (default "RGB", as torchvision's default loader). */
  mode?: ImageMode;
  /** Largest width x height accepted (default 89,478,485: PIL's MAX_IMAGE_PIXELS). */
  maxPixels?: number;
}

/** PIL's Image.MAX_IMAGE_PIXELS: larger images are refused (decompression-bomb guard). */
export const MAX_IMAGE_PIXELS = 89_478_485;

export interface ImageInfo {
  format: "png" | "jpeg";
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Bit depths the PNG spec allows for each colour type. */
const PNG_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

export function checkMode(mode: unknown, who: string): ImageMode {
  if (mode !== "RGB" && mode !== "L" && mode !== "RGBA") throw new ValueError(`${who}: mode must be "RGB", "L" or "RGBA", got ${JSON.stringify(mode)}`);
  return mode;
}

/**
 * The format and size of a PNG or JPEG file, after checking its structure (throws DatasetError
 * naming `name` when it is not a PNG or JPEG, is truncated, or has a bad or unsupported header).
 */
export function imageInfo(bytes: Uint8Array, name: string, maxPixels = MAX_IMAGE_PIXELS): ImageInfo {
  const fail = (what: string): never => {
    throw new DatasetError(`${name}: ${what}`);
  };
  let info: ImageInfo;
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) info = pngInfo(bytes, fail);
  else if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) info = jpegInfo(bytes, fail);
  else {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
    return fail(bytes.length === 0 ? "empty file (not a PNG or JPEG image)" : `not a PNG or JPEG image (starts with ${head})`);
  }
  const pixels = info.width * info.height;
  if (pixels > maxPixels) fail(`image too large: ${info.width} x ${info.height} = ${pixels} pixels is over the limit of ${maxPixels} (pass maxPixels to raise it)`);
  return info;
}

function pngInfo(b: Uint8Array, fail: (what: string) => never): ImageInfo {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const type = (at: number) => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
  if (b.length < 33) fail(`truncated PNG: ${b.length} bytes, too short for the IHDR header`);
  if (dv.getUint32(8) !== 13 || type(12) !== "IHDR") fail("corrupt PNG: the first chunk is not a 13-byte IHDR");
  const width = dv.getUint32(16);
  const height = dv.getUint32(20);
  const [depth, color, compression, filter, interlace] = [b[24], b[25], b[26], b[27], b[28]];
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) fail(`corrupt PNG: bad size ${width} x ${height}`);
  const depths = PNG_DEPTHS[color];
  if (!depths) fail(`corrupt PNG: unknown colour type ${color}`);
  if (!depths.includes(depth)) fail(`unsupported bit depth ${depth} for PNG colour type ${color} (allowed: ${depths.join(", ")})`);
  if (compression !== 0 || filter !== 0 || interlace > 1) fail(`corrupt PNG: unknown compression/filter/interlace method ${compression}/${filter}/${interlace}`);
  let at = 8;
  let idat = false;
  let plte = false;
  for (;;) {
    if (at + 12 > b.length) fail(`truncated PNG: the file ends at byte ${b.length} before the IEND chunk`);
    const len = dv.getUint32(at);
    const t = type(at + 4);
    if (!/^[A-Za-z]{4}$/.test(t)) fail(`corrupt PNG: bad chunk type at byte ${at}`);
    if (at + 12 + len > b.length) fail(`truncated PNG: chunk ${t} at byte ${at} needs ${len} bytes, the file ends at ${b.length}`);
    if (t === "IDAT") idat = true;
    if (t === "PLTE") plte = true;
    if (t === "IEND") break;
    at += 12 + len;
  }
  if (!idat) fail("corrupt PNG: no image data (IDAT chunk)");
  if (color === 3 && !plte) fail("corrupt PNG: a palette image without a PLTE chunk");
  return { format: "png", width, height };
}

function jpegInfo(b: Uint8Array, fail: (what: string) => never): ImageInfo {
  let at = 2;
  let size: { width: number; height: number } | null = null;
  for (;;) {
    while (at < b.length && b[at] === 0xff && b[at + 1] === 0xff) at++; // fill bytes
    if (at + 2 > b.length) fail(`truncated JPEG: the file ends at byte ${b.length} before the image data`);
    if (b[at] !== 0xff) fail(`corrupt JPEG: expected a marker at byte ${at}, found 0x${b[at].toString(16)}`);
    const m = b[at + 1];
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (m === 0xd9) fail("corrupt JPEG: end-of-image marker before any image data");
    if (at + 4 > b.length) fail(`truncated JPEG: the file ends at byte ${b.length} inside a segment header`);
    const len = (b[at + 2] << 8) | b[at + 3];
    if (len < 2) fail(`corrupt JPEG: segment 0xff${m.toString(16)} at byte ${at} has length ${len}`);
    if (at + 2 + len > b.length) fail(`truncated JPEG: segment 0xff${m.toString(16)} at byte ${at} needs ${len} bytes, the file ends at ${b.length}`);
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (m !== 0xc0 && m !== 0xc1 && m !== 0xc2) fail(`unsupported JPEG: ${m === 0xc3 ? "lossless" : m >= 0xc9 ? "arithmetic-coded" : "hierarchical"} coding (SOF marker 0xff${m.toString(16)})`);
      if (len < 8) fail("corrupt JPEG: short frame header");
      const precision = b[at + 4];
      if (precision !== 8) fail(`unsupported bit depth ${precision} for JPEG (8-bit only)`);
      const height = (b[at + 5] << 8) | b[at + 6];
      const width = (b[at + 7] << 8) | b[at + 8];
      const comps = b[at + 9];
      if (width === 0 || height === 0) fail(`corrupt JPEG: bad size ${width} x ${height}`);
      if (comps !== 1 && comps !== 3 && comps !== 4) fail(`unsupported JPEG: ${comps} colour components (1, 3 or 4 are read)`);
      if (len < 8 + 3 * comps) fail("corrupt JPEG: frame header shorter than its components");
      size = { width, height };
    }
    if (m === 0xda) {
      if (!size) fail("corrupt JPEG: image data before the frame header (no SOF marker)");
      // Entropy-coded data stuffs 0xff as ff 00, so ff d9 only appears as the end marker.
      for (let i = at + 2 + len; i + 1 < b.length; i++) if (b[i] === 0xff && b[i + 1] === 0xd9) return { format: "jpeg", ...size };
      fail("truncated JPEG: no end-of-image marker after the image data");
    }
    at += 2 + len;
  }
}

/** RGBA pixels to `mode` (PIL's convert: alpha dropped, luma L = (19595 R + 38470 G + 7471 B + 2^15) >> 16). */
export function convertRgba(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, mode: ImageMode): RawImage {
  const n = width * height;
  if (mode === "RGBA") return { data: rgba instanceof Uint8Array ? rgba : new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength), height, width, channels: 4 };
  if (mode === "RGB") {
    const out = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      out[3 * i] = rgba[4 * i];
      out[3 * i + 1] = rgba[4 * i + 1];
      out[3 * i + 2] = rgba[4 * i + 2];
    }
    return { data: out, height, width, channels: 3 };
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (rgba[4 * i] * 19595 + rgba[4 * i + 1] * 38470 + rgba[4 * i + 2] * 7471 + 0x8000) >>> 16;
  return { data: out, height, width, channels: 1 };
}

// ---- Node: pngjs and jpeg-js, loaded with require from Node's own module system --------------
// (never an import a bundler follows: pages get neither library in their bundle).

interface PngJs {
  PNG: { sync: { read(b: Uint8Array, o?: object): { width: number; height: number; data: Uint8Array }; write(p: { width: number; height: number; data: Uint8Array }, o?: object): Uint8Array } };
}
interface JpegJs {
  decode(b: Uint8Array, o: object): { width: number; height: number; data: Uint8Array };
  encode(img: { data: Uint8Array; width: number; height: number }, quality: number): { data: Uint8Array };
}

const isNode = () => typeof process !== "undefined" && !!process.versions?.node;
let requireFn: ((id: string) => unknown) | undefined;

/** A Node package by name (pngjs, jpeg-js: dependencies of kindling), synchronously. */
export function nodePackage<T>(id: "pngjs" | "jpeg-js"): T {
  if (!isNode()) throw new DatasetError(`${id} is only used in Node; in a page images are decoded with createImageBitmap`);
  if (!requireFn) {
    const mod = process.getBuiltinModule?.("node:module") as typeof import("node:module") | undefined;
    if (!mod) throw new DatasetError("decoding images in Node needs process.getBuiltinModule (Node >= 20.16)");
    requireFn = mod.createRequire(import.meta.url);
  }
  try {
    return requireFn(id) as T;
  } catch (e) {
    throw new DatasetError(`decoding images in Node needs the npm package ${id} (a dependency of kindling): ${(e as Error).message}`);
  }
}

/** Decodes a PNG or JPEG file (Node; synchronous). Throws DatasetError naming `name` for a bad file. */
export function decodeImage(bytes: Uint8Array, name: string, opts: DecodeOptions = {}): RawImage {
  const mode = checkMode(opts.mode ?? "RGB", "decodeImage");
  const maxPixels = opts.maxPixels ?? MAX_IMAGE_PIXELS;
  const info = imageInfo(bytes, name, maxPixels);
  let img: { width: number; height: number; data: Uint8Array };
  const png = info.format === "png" ? nodePackage<PngJs>("pngjs") : null;
  const jpeg = info.format === "jpeg" ? nodePackage<JpegJs>("jpeg-js") : null;
  try {
    if (png) {
      img = png.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } else {
      const mp = maxPixels / 1e6;
      // RGBA output plus the decoder's component planes: 4 + 4 bytes a pixel, 64 MB at least.
      const mb = Math.max(64, Math.ceil((8 * info.width * info.height) / 2 ** 20));
      img = jpeg!.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxResolutionInMP: mp, maxMemoryUsageInMB: mb });
    }
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(`${name}: corrupt ${info.format === "png" ? "PNG" : "JPEG"} (${(e as Error)?.message ?? String(e)})`);
  }
  if (img.width !== info.width || img.height !== info.height || img.data.length !== img.width * img.height * 4) {
    throw new DatasetError(`${name}: corrupt ${info.format.toUpperCase()}: decoded ${img.width} x ${img.height} (${img.data.length} bytes), the header says ${info.width} x ${info.height}`);
  }
  const data = new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return convertRgba(data, img.width, img.height, mode);
}

/** A PNG file of a uint8 image (grey for 1 channel, RGB for 3, RGBA for 4; Node). */
export function encodePng(img: RawImage): Uint8Array {
  const c = img.channels ?? 4;
  const colorType = { 1: 0, 3: 2, 4: 6 }[c];
  if (colorType === undefined) throw new ValueError(`encodePng: 1, 3 or 4 channels, got ${c}`);
  if (img.data.length !== img.width * img.height * c) throw new ValueError(`encodePng: ${img.data.length} bytes for ${img.height} x ${img.width} x ${c}`);
  const data = new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const png = nodePackage<PngJs>("pngjs").PNG.sync.write({ width: img.width, height: img.height, data }, { colorType, inputColorType: colorType, inputHasAlpha: c === 4, bitDepth: 8 });
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** A baseline JPEG file of an image (Node; jpeg-js's encoder, quality 1-100). */
export function encodeJpeg(img: RawImage, quality = 90): Uint8Array {
  const c = img.channels ?? 4;
  const n = img.width * img.height;
  if (img.data.length !== n * c || (c !== 1 && c !== 3 && c !== 4)) throw new ValueError(`encodeJpeg: ${img.data.length} bytes for ${img.height} x ${img.width} x ${c}`);
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) rgba[4 * i + k] = img.data[i * c + (c === 1 ? 0 : k)];
    rgba[4 * i + 3] = 255;
  }
  const out = nodePackage<JpegJs>("jpeg-js").encode({ data: rgba, width: img.width, height: img.height }, quality).data;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

// ---- pages: the browser's own decoders -------------------------------------------------------

/**
 * Decodes an image file: in Node with decodeImage, in a page with createImageBitmap and an
 * OffscreenCanvas (any format the browser reads). Throws DatasetError naming `name`.
 */
export async function decodeImageAsync(src: Uint8Array | Blob, name: string, opts: DecodeOptions = {}): Promise<RawImage> {
  const mode = checkMode(opts.mode ?? "RGB", "decodeImageAsync");
  const maxPixels = opts.maxPixels ?? MAX_IMAGE_PIXELS;
  let bytes: Uint8Array;
  try {
    bytes = src instanceof Uint8Array ? src : new Uint8Array(await src.arrayBuffer());
  } catch (e) {
    throw new DatasetError(`${name}: cannot read the file (${(e as Error).message})`);
  }
  if (isNode() || typeof createImageBitmap !== "function") return decodeImage(bytes, name, { mode, maxPixels });
  const info = imageInfo(bytes, name, maxPixels);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { premultiplyAlpha: "none", colorSpaceConversion: "none" });
  } catch (e) {
    throw new DatasetError(`${name}: the browser cannot decode this ${info.format.toUpperCase()} (${(e as Error).message})`);
  }
  try {
    const { width, height } = bitmap;
    const canvas = typeof OffscreenCanvas === "function" ? new OffscreenCanvas(width, height) : Object.assign(document.createElement("canvas"), { width, height });
    const ctx = canvas.getContext("2d", { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
    if (!ctx) throw new DatasetError(`${name}: no 2d canvas context to read the pixels with`);
    ctx.drawImage(bitmap, 0, 0);
    return convertRgba(ctx.getImageData(0, 0, width, height).data, width, height, mode);
  } finally {
    bitmap.close();
  }
}
