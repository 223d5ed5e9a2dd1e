import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  // Examples and tests import "kindling" as users do; here it is the TypeScript source.
  resolve: { alias: { kindling: fileURLToPath(new URL("./ts/index.ts", import.meta.url)) } },
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // wasm engines are single-threaded and memory-heavy: one file per worker, 2 workers (2 cores).
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ["default", "./tests/summary-reporter.ts"],
  },
});
