import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

// Examples and tests import "kindling" as users do; here it is the TypeScript source.
const alias = { kindling: fileURLToPath(new URL("./ts/index.ts", import.meta.url)) };
// Files that drive headless Chromium and measure page responsiveness (long tasks, frame gaps).
const browserTests = ["tests/browser-*.test.ts", "tests/worker-browser.test.ts"];

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ["default", "./tests/summary-reporter.ts"],
    projects: [
      {
        extends: true, // the root's alias, timeouts and reporters
        test: {
          name: "node",
          include: ["tests/**/*.test.ts"],
          exclude: browserTests,
          // wasm engines are single-threaded and memory-heavy: one file per worker, 2 workers (2 cores).
          pool: "forks",
          poolOptions: { forks: { maxForks: 2, minForks: 1 } },
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true, // the root's alias, timeouts and reporters
        test: {
          name: "browser",
          include: browserTests,
          // After the Node suites and one file at a time: on 2 cores a page sharing the CPU with
          // another suite sees long tasks that are the scheduler's, not the page's.
          pool: "forks",
          poolOptions: { forks: { maxForks: 1, minForks: 1 } },
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
