// 1,000 mutated PNG and JPEG files through datasets.ImageFolder: bit flips, byte overwrites,
// truncations, header edits (sizes up to 2^32 - 1, bit depths, colour types, chunk and segment
// lengths), inserted and deleted bytes. Each must come back as an image of the size its header
// gives, or as a kd.DatasetError naming the file: no other exception, no crash, no hang.
// A truncated file must always be an error (every source file ends with its IEND / EOI).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterAll, expect, it } from "vitest";
import * as kd from "../ts/index.js";

const { datasets } = kd;

/** mulberry32: a small seeded PRNG, so every run mutates the same way. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sources(): { name: string; bytes: Uint8Array }[] {
  const r = prng(7);
  const img = (h: number, w: number, c: number, smooth: boolean) => ({
    data: Uint8Array.from({ length: h * w * c }, (_, i) => (smooth ? ((i % (w * c)) * 255) / (w * c) + Math.floor(i / (w * c)) * 3 : r() * 256) & 255),
    height: h,
    width: w,
    channels: c,
  });
  return [
    { name: "grey.png", bytes: datasets.encodePng(img(28, 28, 1, false)) },
    { name: "rgb.png", bytes: datasets.encodePng(img(17, 23, 3, true)) },
    { name: "rgba.png", bytes: datasets.encodePng(img(9, 31, 4, false)) },
    { name: "grey.jpg", bytes: datasets.encodeJpeg(img(24, 24, 1, true), 80) },
    { name: "rgb.jpg", bytes: datasets.encodeJpeg(img(33, 20, 3, true), 90) },
  ];
}

type Kind = "flip" | "overwrite" | "truncate" | "header" | "insert" | "delete";
const KINDS: Kind[] = ["flip", "overwrite", "truncate", "header", "insert", "delete"];

function mutate(src: Uint8Array, jpeg: boolean, kind: Kind, r: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(r() * n);
  const b = src.slice();
  const dv = new DataView(b.buffer);
  switch (kind) {
    case "flip":
      for (let k = 1 + pick(8); k > 0; k--) {
        const i = pick(b.length);
        b[i] ^= 1 << pick(8);
      }
      return b;
    case "overwrite": {
      const at = pick(b.length);
      for (let i = at; i < Math.min(b.length, at + 1 + pick(16)); i++) b[i] = pick(256);
      return b;
    }
    case "truncate":
      return src.slice(0, pick(src.length)); // 0 .. length-1 bytes
    case "insert": {
      const at = pick(b.length);
      const extra = Uint8Array.from({ length: 1 + pick(32) }, () => pick(256));
      return Uint8Array.from([...src.subarray(0, at), ...extra, ...src.subarray(at)]);
    }
    case "delete": {
      const at = pick(b.length);
      return Uint8Array.from([...src.subarray(0, at), ...src.subarray(at + 1 + pick(32))]);
    }
    case "header": {
      const big = [0, 1, 0xffff, 0x7fffffff, 0xffffffff, 60000, 9000, 1 + pick(4096)];
      if (!jpeg) {
        const which = pick(5);
        if (which === 0) dv.setUint32(16, big[pick(big.length)]); // width
        else if (which === 1) dv.setUint32(20, big[pick(big.length)]); // height
        else if (which === 2) b[24] = [0, 1, 2, 3, 4, 7, 8, 16, 32][pick(9)]; // bit depth
        else if (which === 3) b[25] = [0, 1, 2, 3, 4, 5, 6, 7][pick(8)]; // colour type
        else dv.setUint32(33, big[pick(big.length)]); // the second chunk's length
        // Mostly with the IHDR CRC made right again, so the lie reaches the decoder.
        if (which < 4 && r() < 0.8) dv.setUint32(29, crc32(b.subarray(12, 29)));
        return b;
      }
      // JPEG: a segment's length, or the frame header's precision / size / component count
      let sof = -1;
      for (let i = 2; i + 1 < b.length; i++) if (b[i] === 0xff && (b[i + 1] === 0xc0 || b[i + 1] === 0xc2)) { sof = i; break; }
      const which = pick(4);
      if (which === 0) b[sof + 4] = [0, 8, 12, 16][pick(4)];
      else if (which === 1) dv.setUint16(sof + 5 + 2 * pick(2), big[pick(big.length)] & 0xffff);
      else if (which === 2) b[sof + 9] = pick(6);
      else {
        const segs: number[] = [];
        for (let i = 2; i + 3 < b.length && segs.length < 12; i++) if (b[i] === 0xff && b[i + 1] >= 0xc0 && b[i + 1] !== 0xff) segs.push(i);
        dv.setUint16(segs[pick(segs.length)] + 2, pick(0x10000));
      }
      return b;
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), "kd-imgfuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("1,000 mutated PNG/JPEG files: each an image or a DatasetError naming the file", () => {
  const r = prng(2026);
  const srcs = sources();
  const kinds = new Map<string, Kind>();
  let n = 0;
  for (const [k, kind] of KINDS.entries()) {
    mkdirSync(join(dir, kind));
    for (let j = 0; j < (k < 4 ? 167 : 166); j++, n++) {
      const s = srcs[j % srcs.length];
      const name = `${String(j).padStart(4, "0")}-${s.name}`;
      writeFileSync(join(dir, kind, name), mutate(s.bytes, s.name.endsWith(".jpg"), kind, r));
      kinds.set(join(dir, kind, name), kind);
    }
  }
  mkdirSync(join(dir, "zz_clean"));
  for (const s of srcs) writeFileSync(join(dir, "zz_clean", s.name), s.bytes);
  expect(n).toBe(1000);

  const ds = new datasets.ImageFolder(dir);
  expect(ds.length).toBe(1005);
  const t0 = performance.now();
  const tally: Record<string, { image: number; error: number }> = {};
  const reasons = new Map<string, number>();
  for (let i = 0; i < ds.length; i++) {
    const [path] = ds.samples[i];
    const kind = kinds.get(path) ?? "clean";
    const t = (tally[kind] ??= { image: 0, error: 0 });
    try {
      const [img] = ds.getItem(i);
      expect(img.height > 0 && img.width > 0 && img.channels === 3).toBe(true);
      expect(img.data.length).toBe(img.height * img.width * 3);
      const info = datasets.imageInfo(new Uint8Array(readFileSync(path)), path);
      expect([img.width, img.height]).toEqual([info.width, info.height]);
      t.image++;
    } catch (e) {
      if (!(e instanceof kd.DatasetError)) throw new Error(`${path}: ${(e as Error)?.name}: ${(e as Error)?.message}`);
      expect(e.message.startsWith(`${path}: `)).toBe(true);
      const reason = e.message.slice(path.length + 2).replace(/\d+/g, "N").replace(/\(.*$/, "").slice(0, 60);
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      t.error++;
    }
  }
  const ms = performance.now() - t0;
  console.log(`${ds.length} files in ${ms.toFixed(0)} ms`, tally, Object.fromEntries([...reasons].sort((a, b) => b[1] - a[1])));
  expect(tally.clean).toEqual({ image: 5, error: 0 });
  expect(tally.truncate.image).toBe(0); // every truncation is caught
  for (const k of ["flip", "overwrite", "header", "insert", "delete"]) expect(tally[k].error).toBeGreaterThan(0);
  expect(tally.flip.image + tally.overwrite.image).toBeGreaterThan(0); // JPEG scan data takes flips and still decodes
  expect(ms).toBeLessThan(30_000);
});
