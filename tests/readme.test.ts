// The README's op-support table is generated (scripts/gen-ops.mjs); tests/generated.test.ts checks it.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";

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
