// Writing a file so that a crash never leaves half of it: Node writes a temporary file beside
// the target and renames it into place (a rename within a folder is atomic).

/** Writes `bytes` to `path` (Node) through `<path>.tmp-<pid>` and a rename; the temporary file is removed on failure. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const fs = await import("node:fs/promises");
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
