// A real image-folder dataset for the custom-datasets chapter, made from FashionMNIST (Node):
// the course's pizza_steak_sushi has 3 classes and 75 train / 25 test images a class at 10%
// (750 / 250 of Food-101 a class, times the fraction), 150 / 50 at 20%. This writes the same
// counts of FashionMNIST images as grey PNG files:
//
//   const { train, test } = await kd.datasets.makeFashionFolder("build/data/fashion3/10pct", { fraction: 0.1 });
//   // build/data/fashion3/10pct/train/{coat,pullover,shirt}/NNNNN.png (NNNNN: the index in the split)
//
// The default classes are Pullover, Coat and Shirt: FashionMNIST classes that models often confuse
// with each other, so that, like pizza / steak / sushi, a small CNN on a few hundred images leaves room for
// augmentation and transfer learning to help. The pick is seeded (a Generator's randperm per
// class, so the 10% images are the first half of the 20% ones), the folder is written under a
// temporary name and renamed into place (a concurrent or interrupted run never leaves half a
// dataset), and a folder already made with the same options is reused.
import { DatasetError, ValueError } from "../errors.js";
import { checkOptions } from "../options.js";
import { Generator } from "./generator.js";
import { encodePng } from "./image_decode.js";
import { FashionMNIST } from "./mnist.js";

export interface FashionFolderOptions {
  /** The course's dataset fraction: 0.1 (225 train / 75 test images) or 0.2 (450 / 150), or any in (0, 1]. */
  fraction?: number;
  /** FashionMNIST class names (default ["Pullover", "Coat", "Shirt"]). */
  classes?: readonly string[];
  /** Seed of the pick (default 42). */
  seed?: number;
  /** Where the FashionMNIST IDX files are (default: FashionMNIST.load's search). */
  root?: string;
}

export interface FashionFolder {
  root: string;
  train: string;
  test: string;
  classes: string[];
  counts: { train: number; test: number };
}

/** Food-101's images a class in each split: the course's fractions are taken of these. */
const PER_CLASS = { train: 750, test: 250 };

/** A folder name for a class: lower case, "/" and spaces as "_" ("T-shirt/top" -> "t-shirt_top"). */
export function folderName(cls: string): string {
  return cls.toLowerCase().replace(/[^a-z0-9-]+/g, "_");
}

/** Writes (or reuses) root/{train,test}/<class>/NNNNN.png; see the top of this file. */
export async function makeFashionFolder(root: string, opts: FashionFolderOptions = {}): Promise<FashionFolder> {
  checkOptions("makeFashionFolder", opts, ["fraction", "classes", "seed", "root"]);
  const fraction = opts.fraction ?? 0.1;
  if (!(fraction > 0 && fraction <= 1)) throw new ValueError(`makeFashionFolder: fraction must be in (0, 1], got ${fraction}`);
  const classes = (opts.classes ?? ["Pullover", "Coat", "Shirt"]).slice();
  const seed = opts.seed ?? 42;
  for (const c of classes) if (!FashionMNIST.classes.includes(c)) throw new ValueError(`makeFashionFolder: unknown class ${JSON.stringify(c)}; FashionMNIST has ${FashionMNIST.classes.join(", ")}`);
  if (new Set(classes).size !== classes.length || classes.length < 2) throw new ValueError("makeFashionFolder: give two or more different classes");
  const counts = { train: Math.round(PER_CLASS.train * fraction), test: Math.round(PER_CLASS.test * fraction) };
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  const manifest = JSON.stringify({ source: "FashionMNIST", classes, fraction, seed, counts }, null, 2);
  const done: FashionFolder = { root, train: path.join(root, "train"), test: path.join(root, "test"), classes: classes.map(folderName), counts: { train: counts.train * classes.length, test: counts.test * classes.length } };
  const existing = await fs.readFile(path.join(root, "fashion3.json"), "utf8").catch(() => null);
  if (existing === manifest) return done;
  if (existing !== null) throw new DatasetError(`${root}: holds a folder dataset made with other options (see its fashion3.json); remove it or pick another folder`);

  const tmp = `${root}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    for (const split of ["train", "test"] as const) {
      const ds = await FashionMNIST.load({ train: split === "train", root: opts.root });
      const byClass = classes.map(() => [] as number[]);
      const idx = classes.map((c) => FashionMNIST.classes.indexOf(c));
      ds.labels.forEach((l, i) => {
        const k = idx.indexOf(l);
        if (k >= 0) byClass[k].push(i);
      });
      for (let k = 0; k < classes.length; k++) {
        const have = byClass[k];
        if (have.length < counts[split]) throw new DatasetError(`makeFashionFolder: ${classes[k]} has ${have.length} ${split} images, ${counts[split]} asked for`);
        // One permutation per (split, class) from the seed: a smaller fraction takes a prefix.
        const perm = new Generator(seed + 1000 * k + (split === "test" ? 1 : 0)).randperm(have.length);
        const dir = path.join(tmp, split, folderName(classes[k]));
        await fs.mkdir(dir, { recursive: true });
        for (let j = 0; j < counts[split]; j++) {
          const i = have[perm[j]];
          await fs.writeFile(path.join(dir, `${String(i).padStart(5, "0")}.png`), encodePng(ds.rawImage(i)));
        }
      }
    }
    await fs.writeFile(path.join(tmp, "fashion3.json"), manifest);
    await fs.mkdir(path.dirname(path.resolve(root)), { recursive: true });
    try {
      await fs.rename(tmp, root);
    } catch (e) {
      // Another run made it first: keep theirs if it is the same dataset.
      if ((await fs.readFile(path.join(root, "fashion3.json"), "utf8").catch(() => null)) !== manifest) {
        throw new DatasetError(`${root}: cannot put the dataset there (${(e as Error).message}); remove the folder or pick another`);
      }
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  return done;
}
