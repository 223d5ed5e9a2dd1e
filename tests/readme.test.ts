// The README's op-support table is generated from the engine's op table; it must not drift.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { opTableMarkdown } from "../scripts/op-table.mjs";

it("README op-support table matches the engine (regenerate: node scripts/readme-ops.mjs)", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const section = /<!-- op-table:start -->\n([\s\S]*)<!-- op-table:end -->/.exec(readme)?.[1];
  expect(section).toBe(opTableMarkdown());
});
