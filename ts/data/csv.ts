// datasets.CSV: a table from a CSV file as float32 feature rows and a target, ready for an MLP.
//
//   const train = await kd.datasets.CSV.load("penguins.csv", { target: "species", testSize: 0.2, seed: 42 });
//   const test = await kd.datasets.CSV.load("penguins.csv", { target: "species", testSize: 0.2, seed: 42, train: false });
//   train.features   // float32 [rows, features]: numeric columns standardized, categories one-hot
//   train.targets    // int32 class indices into train.classes (a numeric target: float32 values)
//   train.featureNames  // ["island_Biscoe", "island_Dream", "island_Torgersen", "culmen_length_mm", ...]
//   new kd.data.DataLoader(train, { batchSize: 32, shuffle: true })   // [x, y] batches
//
// The steps, in order (each documented at its option):
//   1. parse (RFC 4180, csv_parse.ts); the first record is the header (header: false: none);
//      every record must have as many fields as the header, or a kd.DatasetError names its line;
//   2. column types: numeric when every non-missing value is a decimal number, else categorical
//      (or as `columns` says); values are compared with surrounding white space trimmed;
//   3. missing values (`naValues`, pandas' default markers): rows missing the target are always
//      dropped; `missing: "drop"` (default) drops rows missing any used column, `missing: "fill"`
//      fills a numeric column with its training mean and a categorical one with its most
//      frequent training category;
//   4. the seeded split (`testSize`, `seed`, `train`): rows permuted by Generator(seed), the
//      last ceil(testSize * rows) are the test part (trainTestSplit's rule), the rest train;
//   5. statistics from the training rows only: means and standard deviations (population, as
//      sklearn's StandardScaler; a constant column is divided by 1) and fill values; the
//      categories (sorted) of every categorical column and of the target come from all rows;
//   6. features: per column in file order, a numeric column standardized (`normalize`) and a
//      categorical one as one indicator per category named column_category (`oneHot`, as
//      pandas get_dummies), or its category index.
// Pass `schema: train.schema` to read another file (a separate test set) with the training
// file's types, categories and statistics.
import { fromArray } from "../creation.js";
import { DatasetError, ValueError } from "../errors.js";
import { checkOptions } from "../options.js";
import { TensorDataset } from "./dataset.js";
import { parseCSVRecords, type CSVParseOptions, type CSVRecord } from "./csv_parse.js";
import { readBytes } from "./idx.js";
import { splitPart } from "./split.js";

/** pandas.read_csv's default missing-value markers. */
export const NA_VALUES: readonly string[] = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"];

export type ColumnKind = "numeric" | "categorical";

/** What a column became: its kind and the training statistics used to encode it. */
export interface CSVColumn {
  name: string;
  kind: ColumnKind;
  /** Sorted categories (categorical columns). */
  categories?: string[];
  /** Training mean and standard deviation (numeric columns; std 1 for a constant column). */
  mean?: number;
  std?: number;
  /** The value a missing entry is filled with (missing: "fill"). */
  fill?: number | string;
}

/** Everything needed to encode another file the same way (CSVOptions.schema). */
export interface CSVSchema {
  features: CSVColumn[];
  target: CSVColumn | null;
}

export interface CSVOptions extends CSVParseOptions {
  /** The first record names the columns (default true); false: every record is data and the columns are named "0", "1", ... (pandas' header=None). */
  header?: boolean;
  /** The target column (name or index); default the last column; null for features only. */
  target?: string | number | null;
  /** Column types where inference should not decide; "ignore" leaves a column out. */
  columns?: Record<string, ColumnKind | "ignore">;
  /** Strings that mean "missing" (default NA_VALUES, pandas' list). */
  naValues?: readonly string[];
  /** "drop" (default) rows with a missing value, or "fill" them (training mean / most frequent category). */
  missing?: "drop" | "fill";
  /** Standardize numeric features with the training mean and std (default true). */
  normalize?: boolean;
  /** Categorical features as one-hot indicators (default true) or as their category index. */
  oneHot?: boolean;
  /** The test part's share of the rows (a fraction, or a count); default 0: no split. */
  testSize?: number;
  /** The training part (default) or the test part of the split. */
  train?: boolean;
  /** The split's seed (default 0), so the train and test loads are complementary. */
  seed?: number;
  /** Types, categories and statistics from another CSV dataset (its .schema), instead of computing them. */
  schema?: CSVSchema;
}

const CSV_OPTIONS = ["delimiter", "quote", "header", "target", "columns", "naValues", "missing", "normalize", "oneHot", "testSize", "train", "seed", "schema"] as const;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class CSV extends TensorDataset {
  /** Column names of the file (the header). */
  readonly header: string[];
  /** The feature columns after encoding, one name per feature. */
  readonly featureNames: string[];
  /** The target's categories (a categorical target), else null. */
  readonly classes: string[] | null;
  readonly targetName: string | null;
  readonly schema: CSVSchema;
  /** The file line each row came from. */
  readonly lines: Int32Array;

  /** Encoded rows (CSV.load and CSV.fromText build them; see the top of this file). */
  constructor(features: Float32Array, targets: Float32Array | Int32Array | null, meta: { header: string[]; featureNames: string[]; schema: CSVSchema; lines: Int32Array }) {
    const rows = meta.lines.length;
    const x = fromArray(features, [rows, meta.featureNames.length], "float32");
    const t = meta.schema.target;
    super(...(targets ? [x, fromArray(targets, [rows], t!.kind === "categorical" ? "int32" : "float32")] : [x]));
    this.header = meta.header;
    this.featureNames = meta.featureNames;
    this.schema = meta.schema;
    this.classes = t?.kind === "categorical" ? t.categories! : null;
    this.targetName = t?.name ?? null;
    this.lines = meta.lines;
  }

  /** The feature matrix, float32 [rows, features]. */
  get features() {
    return this.tensors[0];
  }

  /** The targets, [rows]: int32 class indices or float32 values; throws without a target. */
  get targets() {
    if (this.tensors.length < 2) throw new ValueError("CSV: this dataset has no target (target: null)");
    return this.tensors[1];
  }

  /** Reads a CSV file (Node: a path or file: URL; browsers: a URL). */
  static async load(path: string, opts: CSVOptions = {}): Promise<CSV> {
    checkOptions("CSV.load", opts, CSV_OPTIONS);
    const bytes = await readBytes(path);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new DatasetError(`${path}: not UTF-8 text`);
    }
    try {
      return CSV.fromText(text, opts);
    } catch (e) {
      if (e instanceof DatasetError) throw new DatasetError(`${path}: ${e.message}`);
      throw e;
    }
  }

  /** A CSV dataset from the text of a CSV file. */
  static fromText(text: string, opts: CSVOptions = {}): CSV {
    checkOptions("CSV", opts, CSV_OPTIONS);
    const records = parseCSVRecords(text, { delimiter: opts.delimiter, quote: opts.quote }, "CSV");
    if (records.length === 0) throw new DatasetError("the CSV text is empty (no header)");
    const named = opts.header ?? true;
    const header = named ? records[0].fields.map((h) => h.trim()) : records[0].fields.map((_, k) => String(k));
    const seen = new Map<string, number>();
    header.forEach((h, k) => {
      if (seen.has(h)) throw new DatasetError(`line ${records[0].line}: column name ${JSON.stringify(h)} appears twice (columns ${seen.get(h)! + 1} and ${k + 1})`);
      seen.set(h, k);
    });
    const body = named ? records.slice(1) : records;
    for (const r of body) {
      if (r.fields.length !== header.length) throw new DatasetError(`line ${r.line}: expected ${header.length} fields (as the ${named ? "header" : "first record"} has), got ${r.fields.length}`);
    }
    return build(header, body, opts);
  }
}

function columnIndex(header: string[], c: string | number, what: string): number {
  if (typeof c === "number") {
    const k = c < 0 ? c + header.length : c;
    if (!Number.isInteger(c) || k < 0 || k >= header.length) throw new ValueError(`CSV: ${what} column index ${c} is out of range for ${header.length} columns`);
    return k;
  }
  const k = header.indexOf(c);
  if (k < 0) throw new ValueError(`CSV: no column named ${JSON.stringify(c)} for the ${what} (columns: ${header.join(", ")})`);
  return k;
}

function build(header: string[], body: CSVRecord[], opts: CSVOptions): CSV {
  const na = new Set(opts.naValues ?? NA_VALUES);
  const missing = opts.missing ?? "drop";
  if (missing !== "drop" && missing !== "fill") throw new ValueError(`CSV: missing must be "drop" or "fill", got ${JSON.stringify(missing)}`);
  const schema = opts.schema;
  // Which columns: the target, and the features (schema's, or every column but ignored ones).
  const targetCol = schema ? (schema.target ? columnIndex(header, schema.target.name, "target") : -1)
    : opts.target === null ? -1 : columnIndex(header, opts.target ?? header.length - 1, "target");
  for (const name of Object.keys(opts.columns ?? {})) columnIndex(header, name, "columns option");
  const featureCols = schema ? schema.features.map((c) => columnIndex(header, c.name, "schema's feature"))
    : header.map((_, k) => k).filter((k) => k !== targetCol && opts.columns?.[header[k]] !== "ignore");
  const used = targetCol >= 0 ? [...featureCols, targetCol] : featureCols;
  const cell = (r: CSVRecord, k: number) => r.fields[k].trim();
  const isNA = (r: CSVRecord, k: number) => na.has(cell(r, k));

  // Rows kept: a target always; every used column with missing: "drop".
  let rows = body.filter((r) => targetCol < 0 || !isNA(r, targetCol));
  if (missing === "drop") rows = rows.filter((r) => used.every((k) => !isNA(r, k)));
  if (rows.length === 0) throw new DatasetError("no rows left after dropping those with missing values");
  const part = splitPart("CSV", rows.length, opts);
  const trainRows = opts.train === false ? Array.from(splitPart("CSV", rows.length, { ...opts, train: true }), (i) => rows[i]) : Array.from(part, (i) => rows[i]);
  const partRows = Array.from(part, (i) => rows[i]);

  const describe = (k: number): CSVColumn => {
    if (schema) return k === targetCol ? schema.target! : schema.features[featureCols.indexOf(k)];
    return fitColumn(header[k], k, rows, trainRows, opts.columns?.[header[k]], na, missing === "fill" && k !== targetCol);
  };
  const featureInfo = featureCols.map(describe);
  const targetInfo = targetCol >= 0 ? describe(targetCol) : null;

  const oneHot = opts.oneHot ?? true;
  const normalize = opts.normalize ?? true;
  const featureNames = featureInfo.flatMap((c) => (c.kind === "categorical" && oneHot ? c.categories!.map((v) => `${c.name}_${v}`) : [c.name]));
  const width = featureNames.length;
  const x = new Float32Array(partRows.length * width);
  partRows.forEach((r, i) => {
    let o = i * width;
    featureCols.forEach((k, j) => {
      const c = featureInfo[j];
      const raw = isNA(r, k) ? c.fill : cell(r, k);
      if (raw === undefined) throw new DatasetError(`line ${r.line}: column ${JSON.stringify(c.name)} is missing and the schema has no fill value`);
      if (c.kind === "numeric") {
        const v = numberAt(r, k, c.name, raw);
        x[o++] = normalize ? (v - c.mean!) / c.std! : v;
      } else {
        const idx = categoryAt(r, c, String(raw));
        if (oneHot) x[o + idx] = 1;
        else x[o] = idx;
        o += oneHot ? c.categories!.length : 1;
      }
    });
  });
  let y: Float32Array | Int32Array | null = null;
  if (targetInfo) {
    const t = targetInfo;
    y = t.kind === "categorical" ? Int32Array.from(partRows, (r) => categoryAt(r, t, cell(r, targetCol))) : Float32Array.from(partRows, (r) => numberAt(r, targetCol, t.name, cell(r, targetCol)));
  }
  const lines = Int32Array.from(partRows, (r) => r.line);
  return new CSV(x, y, { header, featureNames, schema: { features: featureInfo, target: targetInfo }, lines });
}

function numberAt(r: CSVRecord, k: number, name: string, raw: number | string): number {
  if (typeof raw === "number") return raw;
  if (!DECIMAL.test(raw)) throw new DatasetError(`line ${r.line}: column ${JSON.stringify(name)} is numeric but holds ${JSON.stringify(raw)}`);
  return Number(raw);
}

function categoryAt(r: CSVRecord, c: CSVColumn, v: string): number {
  const idx = c.categories!.indexOf(v);
  if (idx < 0) throw new DatasetError(`line ${r.line}: column ${JSON.stringify(c.name)} holds ${JSON.stringify(v)}, not one of its categories (${c.categories!.join(", ")})`);
  return idx;
}

/** A column's kind (given or inferred over all rows), categories (all rows) and training statistics. */
function fitColumn(name: string, k: number, rows: CSVRecord[], trainRows: CSVRecord[], given: ColumnKind | "ignore" | undefined, na: Set<string>, fill: boolean): CSVColumn {
  if (given !== undefined && given !== "numeric" && given !== "categorical" && given !== "ignore") {
    throw new ValueError(`CSV: columns.${name} must be "numeric", "categorical" or "ignore", got ${JSON.stringify(given)}`);
  }
  const values = (rs: CSVRecord[]) => rs.map((r) => r.fields[k].trim()).filter((v) => !na.has(v));
  const all = values(rows);
  const kind: ColumnKind = given === "numeric" || given === "categorical" ? given : all.length > 0 && all.every((v) => DECIMAL.test(v)) ? "numeric" : "categorical";
  const train = values(trainRows);
  if (kind === "categorical") {
    const categories = [...new Set(all)].sort(byCodePoint);
    const col: CSVColumn = { name, kind, categories };
    if (fill) {
      const counts = new Map<string, number>();
      for (const v of train) counts.set(v, (counts.get(v) ?? 0) + 1);
      let best = categories[0];
      for (const c of categories) if ((counts.get(c) ?? 0) > (counts.get(best) ?? 0)) best = c;
      col.fill = best;
    }
    return col;
  }
  const nums = train.map((v) => {
    if (!DECIMAL.test(v)) {
      const r = trainRows.find((row) => row.fields[k].trim() === v)!;
      throw new DatasetError(`line ${r.line}: column ${JSON.stringify(name)} is numeric but holds ${JSON.stringify(v)}`);
    }
    return Number(v);
  });
  if (nums.length === 0) throw new DatasetError(`column ${JSON.stringify(name)} has no values in the training rows`);
  const mean = nums.reduce((a, b) => a + b, 0) / nums.length;
  const sd = Math.sqrt(nums.reduce((a, b) => a + (b - mean) ** 2, 0) / nums.length);
  const col: CSVColumn = { name, kind, mean, std: sd > 0 ? sd : 1 };
  if (fill) col.fill = mean;
  return col;
}
