// Datasets that npm packages ship (the spam corpus, the penguins table): where an installed
// package's files are, in Node, found as Node's resolution would find the package (the
// node_modules folders above this module, then above the working directory), without loading
// its code. A package that is not installed is a kd.DatasetError that says what to install.
import { DatasetError } from "../errors.js";

export const isNode = () => typeof process !== "undefined" && !!process.versions?.node;

/** The folder of an installed npm package (Node only). */
export async function packageDir(name: string, who: string): Promise<string> {
  if (!isNode()) throw new DatasetError(`${who}: in a browser give root (a URL prefix holding the ${name} files)`);
  const [{ createRequire }, path, fs] = await Promise.all([import("node:module"), import("node:path"), import("node:fs")]);
  const here = createRequire(import.meta.url).resolve.paths(name) ?? [];
  const cwd = createRequire(path.join(process.cwd(), "index.js")).resolve.paths(name) ?? [];
  for (const dir of [...here, ...cwd]) {
    const p = path.join(dir, name);
    if (fs.existsSync(path.join(p, "package.json"))) return p;
  }
  throw new DatasetError(`${who}: the npm package ${name} is not installed (npm install ${name}), or give root`);
}

/** A path inside an installed package, or `root`'s file when given (a folder, or a URL prefix). */
export async function dataFile(root: string | undefined, pkg: string, file: string, who: string): Promise<string> {
  if (root !== undefined) return /^[a-z][a-z0-9+.-]*:\/\//i.test(root) ? new URL(file, root.endsWith("/") ? root : `${root}/`).href : `${root.replace(/\/$/, "")}/${file}`;
  return `${await packageDir(pkg, who)}/${file}`;
}

/** Latin-1 text: one character per byte, the same in Node and browsers and in Python's "latin-1". */
export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  return s;
}
