// `node scripts/make-image-folder.mjs [--out build/data/fashion3] [--fraction 0.1,0.2] [--classes Pullover,Coat,Shirt] [--seed 42]`
// Writes the custom-datasets chapter's folder dataset: 3 FashionMNIST classes as PNG class
// folders, <out>/<N>pct/{train,test}/<class>/NNNNN.png, at the course's 10% (225 train / 75 test)
// and 20% (450 / 150) sizes, with kd.datasets.makeFashionFolder from the built bundle (npm run
// build:ts). Seeded, atomic (temp folder + rename) and reused when already made; tests and
// examples call makeFashionFolder themselves, so running this is optional.
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = Object.fromEntries(process.argv.slice(2).join(" ").split(/\s*--/).filter(Boolean).map((a) => a.split(/\s+/)));
const out = args.out ?? path.join(root, "build/data/fashion3");
const fractions = (args.fraction ?? "0.1,0.2").split(",").map(Number);
const kd = await import(path.join(root, "dist/node.js"));
for (const fraction of fractions) {
  const t0 = performance.now();
  const dir = path.join(out, `${Math.round(fraction * 100)}pct`);
  const f = await kd.datasets.makeFashionFolder(dir, { fraction, seed: args.seed ? Number(args.seed) : undefined, classes: args.classes?.split(",") });
  console.log(`${f.root}: ${f.counts.train} train / ${f.counts.test} test PNGs, classes ${f.classes.join(", ")} (${(performance.now() - t0).toFixed(0)} ms)`);
}
