// `npm run example -- <name> [--flags]`: runs examples/<name>.ts against the built bundle
// (TypeScript types stripped by esbuild through a module hook: no dev server in the process).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const names = readdirSync(path.join(root, "examples")).filter((f) => /^\d\d-.*\.ts$/.test(f)).map((f) => f.slice(3, -3));
const [name, ...rest] = process.argv.slice(2);
const file = readdirSync(path.join(root, "examples")).find((f) => f.slice(3, -3) === name);
if (!file) {
  console.error(`usage: npm run example -- <${names.join("|")}>`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ["--import", path.join(root, "scripts/register-ts.mjs"), path.join(root, "examples/run.ts"), file, ...rest], { stdio: "inherit", cwd: root });
process.exit(r.status ?? 1);
