// `npm run pack [-- <dest folder>]`: the package users install, kindling-<version>.tgz. Packed
// from a staging folder holding dist/, bin/, README.md and a package.json without this repository's
// scripts and dev dependencies: its postinstall builds the engine from the Rust sources, which the
// tarball does not ship, so an installed copy must run nothing (npm would otherwise run or flag it).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dest = path.resolve(process.argv[2] ?? root);
for (const f of ["dist/index.js", "dist/node.js", "dist/kindling.simd.wasm", "dist/kindling.relaxed.wasm", "dist/kindling.simd-threads.wasm", "dist/kindling.relaxed-threads.wasm", "dist/types/index.d.ts"]) {
  if (!existsSync(path.join(root, f))) {
    console.error(`${f} is missing: run \`npm run build\` first`);
    process.exit(1);
  }
}
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
delete pkg.scripts;
delete pkg.devDependencies;
const stage = mkdtempSync(path.join(os.tmpdir(), "kindling-pack-"));
try {
  writeFileSync(path.join(stage, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  cpSync(path.join(root, "README.md"), path.join(stage, "README.md"));
  cpSync(path.join(root, "dist"), path.join(stage, "dist"), { recursive: true });
  cpSync(path.join(root, "bin"), path.join(stage, "bin"), { recursive: true }); // package.json "bin"
  const r = spawnSync("npm", ["pack", "--json", "--pack-destination", dest], { cwd: stage, encoding: "utf8" });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(r.status ?? 1);
  }
  const [info] = JSON.parse(r.stdout);
  console.log(path.join(dest, info.filename));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
