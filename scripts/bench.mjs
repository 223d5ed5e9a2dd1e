// `npm run bench -- <name> [args]`: runs bench/<name>.mjs, which prints a table and writes
// bench/results/<name>.json. Benchmarks run against the built bundle in dist/.
// `npm run bench -- setup` checks (and, as root, installs with apt) what the PyTorch rows need.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(path.join(root, "bench")).filter((f) => f.endsWith(".mjs") && !f.startsWith("_")).map((f) => f.slice(0, -4));
if (name === "setup") {
  const r = spawnSync(process.execPath, [path.join(root, "bench", "_setup.mjs")], { stdio: "inherit", cwd: root });
  process.exit(r.status ?? 1);
}
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join("|")}|setup> [--threads 1,2]`);
  process.exit(2);
}
if (!existsSync(path.join(root, "dist/index.js"))) {
  console.error("dist/ is missing: run `npm run build` first");
  process.exit(1);
}
const r = spawnSync(process.execPath, [path.join(root, "bench", `${name}.mjs`), ...rest], { stdio: "inherit", cwd: root });
process.exit(r.status ?? 1);
