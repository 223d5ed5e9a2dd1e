// Types for scripts/demo-web.mjs (a plain Node script, imported by the browser tests).
import type { Plugin } from "esbuild";

/** An esbuild plugin that leaves `import "kindling"` as an import of the built library at `url`. */
export function kindlingExternal(url: string): Plugin;
/** Builds examples/web into dist/web; resolves to that folder. */
export function buildWebDemo(): Promise<string>;
