// Helpers the examples share: output folder, writing a file atomically.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

export function outPath(opts: Record<string, string>, name: string): string {
  const dir = opts.out ?? "out";
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

/** Writes via a temporary file and a rename, so a crash never leaves half a file. */
export function writeAtomic(file: string, text: string): void {
  writeFileSync(file + ".tmp", text);
  renameSync(file + ".tmp", file);
}
