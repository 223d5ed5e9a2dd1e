// 1,000 mutated PNG and JPEG files through datasets.ImageFolder: bit flips, byte overwrites,
// truncations, header edits (sizes up to 2^32 - 1, bit depths, colour types, chunk and segment
// lengths), inserted and deleted bytes. Each must come back as an image of the size its header
// gives, or as a kd.DatasetError naming the file: no other exception, no crash, no hang.
// A truncated file must always be an error (every source file ends with its IEND / EOI).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { KINDS, mutate, prng, sources, type Kind } from "./helpers/image-mutate.js";

const { datasets } = kd;

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
