// Rewrites the README's op-support table (between the op-table markers) from the engine's op
// table: `node scripts/readme-ops.mjs` after `npm run build`. tests/readme.test.ts checks it.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { opTableMarkdown } from "./op-table.mjs";

const file = new URL("../README.md", import.meta.url);
const text = readFileSync(file, "utf8");
const next = text.replace(/<!-- op-table:start -->[\s\S]*<!-- op-table:end -->/, `<!-- op-table:start -->\n${opTableMarkdown()}<!-- op-table:end -->`);
writeFileSync(new URL("../README.md.tmp", import.meta.url), next);
renameSync(new URL("../README.md.tmp", import.meta.url), file);
