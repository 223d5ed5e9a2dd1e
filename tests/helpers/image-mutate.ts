// Seeded mutations of small PNG and JPEG files, for tests/image-fuzz.test.ts (Node) and
// tests/browser-images.test.ts (the page's decoders): bit flips, byte overwrites, truncations,
// header edits (sizes up to 2^32 - 1, bit depths, colour types, chunk and segment lengths, the
// IHDR CRC mostly made right again so the lie reaches the decoder), inserted and deleted bytes.
import { crc32 } from "node:zlib";
import * as kd from "../../ts/index.js";

const { datasets } = kd;

/** mulberry32: a small seeded PRNG, so every run mutates the same way. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sources(): { name: string; bytes: Uint8Array }[] {
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

export type Kind = "flip" | "overwrite" | "truncate" | "header" | "insert" | "delete";
export const KINDS: Kind[] = ["flip", "overwrite", "truncate", "header", "insert", "delete"];

export function mutate(src: Uint8Array, jpeg: boolean, kind: Kind, r: () => number): Uint8Array {
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

