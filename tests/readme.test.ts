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

// The README's first two code blocks (the quick look and the Tensor API tour) must run as written.
it("README Tensor API examples run", async () => {
  const { transform } = await import("esbuild");
  const kd = await import("../ts/index.js");
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).slice(0, 2);
  expect(blocks.length).toBe(2);
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  for (const block of blocks) {
    const js = (await transform(block.replace('import * as kd from "kindling";', ""), { loader: "ts" })).code;
    await new AsyncFunction("kd", js)(kd);
  }
});
