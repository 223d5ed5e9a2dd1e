// Page side of tests/browser-images.test.ts: datasets.ImageFolder.load in Chromium on the built
// library, from URLs, from an OPFS directory handle (what showDirectoryPicker gives) and from the
// FileList of an <input type="file" webkitdirectory>. Pixels cross to Node as plain arrays.
import * as kd from "kindling";

type Mode = "RGB" | "L" | "RGBA";

/** What the test compares with Node's ImageFolder on the same files. */
async function summary(ds: kd.datasets.ImageFolder, pick: number[]) {
  return {
    root: ds.root,
    classes: [...ds.classes],
    classToIdx: { ...ds.classToIdx },
    samples: ds.samples.map(([p, c]) => [p, c] as [string, number]),
    items: pick.map((i) => {
      const [img, label] = ds.getItem(i);
      return { label, height: img.height, width: img.width, channels: img.channels, data: Array.from(img.data) };
    }),
  };
}

async function failure(fn: () => Promise<unknown>) {
  try {
    await fn();
    return null;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message, isDatasetError: e instanceof kd.DatasetError };
  }
}

const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

const api = {
  fromUrls: async (baseUrl: string, files: string[], mode: Mode, pick: number[]) => summary(await kd.datasets.ImageFolder.load({ baseUrl, files }, { mode }), pick),
  /** Writes the files into OPFS under `name`/, then loads the directory handle. */
  async fromOpfs(name: string, files: { path: string; b64: string }[], mode: Mode, pick: number[]) {
    const root = await navigator.storage.getDirectory();
    await root.removeEntry(name, { recursive: true }).catch(() => {});
    const top = await root.getDirectoryHandle(name, { create: true });
    for (const f of files) {
      const parts = f.path.split("/");
      let d = top;
      for (const p of parts.slice(0, -1)) d = await d.getDirectoryHandle(p, { create: true });
      const w = await (await d.getFileHandle(parts.at(-1)!, { create: true })).createWritable();
      await w.write(fromB64(f.b64));
      await w.close();
    }
    return summary(await kd.datasets.ImageFolder.load(top, { mode }), pick);
  },
  /** The FileList of the page's <input id="pick" webkitdirectory> (set by the test). */
  async fromInput(mode: Mode, pick: number[]) {
    const input = document.getElementById("pick") as HTMLInputElement;
    return summary(await kd.datasets.ImageFolder.load(input.files!, { mode }), pick);
  },
  addInput() {
    const input = Object.assign(document.createElement("input"), { type: "file", id: "pick", webkitdirectory: true, multiple: true });
    document.body.append(input);
  },
  /** Each file through decodeImageAsync (createImageBitmap): an image's size, or the error. */
  async decodeEach(files: { name: string; b64: string }[]) {
    const out: ({ width: number; height: number; channels: number; bytes: number } | { name: string; message: string; isDatasetError: boolean })[] = [];
    for (const f of files) {
      try {
        const img = await kd.datasets.decodeImageAsync(new Blob([fromB64(f.b64)]), f.name);
        out.push({ width: img.width, height: img.height, channels: img.channels!, bytes: img.data.length });
      } catch (e) {
        out.push({ name: (e as Error).name, message: (e as Error).message, isDatasetError: e instanceof kd.DatasetError });
      }
    }
    return out;
  },
  badUrl: (baseUrl: string, files: string[]) => failure(() => kd.datasets.ImageFolder.load({ baseUrl, files })),
  /** Loose Files (no folder paths) and a path in a page. */
  async misuse() {
    return {
      loose: await failure(() => kd.datasets.ImageFolder.load([new File([new Uint8Array(4)], "a.png")])),
      path: await failure(async () => new kd.datasets.ImageFolder("data/train")),
    };
  },
};

export type ImagesPageApi = typeof api;
(globalThis as { kindlingTest?: unknown }).kindlingTest = api;
