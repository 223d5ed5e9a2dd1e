// datasets.CSV and kd.data.parseCSV against Python's csv module and the pipeline written out
// with torch in scripts/gen_csv_fixtures.py (splits by torch.randperm, StandardScaler statistics,
// one-hot in get_dummies order), on edge cases and on the real Palmer penguins CSV.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { expectClose, num } from "./helpers/torch-fixture.js";

const f = JSON.parse(readFileSync(new URL("./fixtures/csv.json", import.meta.url), "utf8"));
const penguinsCsv = createRequire(import.meta.url).resolve("@observablehq/sample-datasets/penguins.csv");

describe("parseCSV", () => {
  it("reads RFC 4180 as Python's csv.reader: quotes, delimiters and line breaks in quotes, CRLF, CR, blank lines", () => {
    for (const c of f.parse) expect(kd.data.parseCSV(c.text, { delimiter: c.delimiter }), JSON.stringify(c.text)).toEqual(c.records);
  });

  it("drops a byte-order mark and reports the line each record starts on", () => {
    expect(kd.data.parseCSV("\ufeffa,b\n1,2")).toEqual([["a", "b"], ["1", "2"]]);
    const recs = kd.data.parseCSVRecords('a,b\n\n"x\ny",1\r\n2,3\n');
    expect(recs.map((r) => r.line)).toEqual([1, 3, 5]);
    expect(kd.data.parseCSV("")).toEqual([]);
  });

  it("an unterminated quote or text after a closing quote is a DatasetError naming the line", () => {
    expect(() => kd.data.parseCSV('a,b\n1,2\n3,"open\n4,5\n')).toThrow(kd.DatasetError);
    expect(() => kd.data.parseCSV('a,b\n1,2\n3,"open\n4,5\n')).toThrow(/line 3: unterminated quoted field \(field 2/);
    expect(() => kd.data.parseCSV('a,b\n"x"y,2\n')).toThrow(/line 2: unexpected "y" after the closing quote of field 1/);
    expect(() => kd.data.parseCSV("a,b", { delimiter: "ab" })).toThrow(kd.ValueError);
    expect(() => kd.data.parseCSV("a,b", { delimiter: '"' })).toThrow(/delimiter and the quote must differ/);
  });
});

describe("datasets.CSV", () => {
  it("types, missing values (drop / fill), the seeded split, standardization and one-hot equal the reference", () => {
    for (const c of f.tables) {
      const d = kd.datasets.CSV.fromText(f.table, { target: "label", ...c.opts });
      const name = JSON.stringify(c.opts);
      expect(d.featureNames, name).toEqual(c.featureNames);
      expect(d.classes, name).toEqual(c.classes);
      expectClose(`${name} features`, d.features, c.features, 1e-6, 1e-6);
      expect(d.targets.dtype).toBe("int32");
      expect(d.targets.tolist(), name).toEqual(c.targets);
      const numeric = d.schema.features.filter((col) => col.kind === "numeric");
      expect(numeric.map((col) => col.mean), name).toEqual(c.means.filter((m: unknown) => m !== null).map((m: number) => expect.closeTo(num(m), 10)));
      expect(numeric.map((col) => col.std), name).toEqual(c.stds.filter((s: unknown) => s !== null).map((s: number) => expect.closeTo(num(s), 10)));
      expect(d.length).toBe(c.targets.length);
    }
  });

  it("train and test parts are complementary; a schema encodes another file with the training statistics", () => {
    const opts = { target: "label", testSize: 0.25, seed: 3 } as const;
    const train = kd.datasets.CSV.fromText(f.table, opts);
    const test = kd.datasets.CSV.fromText(f.table, { ...opts, train: false });
    const lines = [...train.lines, ...test.lines].sort((a, b) => a - b);
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines.length).toBe(8); // 11 labelled rows, 3 with a missing feature dropped
    const again = kd.datasets.CSV.fromText(f.table.split("\n").filter((_: string, i: number) => i === 0 || test.lines.includes(i + 1)).join("\n"), { schema: train.schema });
    const rowSet = (t: kd.Tensor) => (t.tolist() as number[][]).map((r) => JSON.stringify(r)).sort();
    expect(rowSet(again.features)).toEqual(rowSet(test.features));
    expect(() => kd.datasets.CSV.fromText("id,height,colour,weight,label\n1,1.5,purple,10,a\n", { schema: train.schema })).toThrow(/line 2: column "colour" holds "purple", not one of its categories/);
  });

  it("a DataLoader takes [features, target] batches; regression targets are float32; column types can be given", () => {
    const d = kd.datasets.CSV.fromText(f.table, { target: "weight", columns: { id: "ignore", label: "categorical" } });
    expect(d.targets.dtype).toBe("float32");
    expect(d.classes).toBeNull();
    expect(d.featureNames).toEqual(["height", "colour_blue", "colour_green", "colour_red", "label_a", "label_b", "label_c"]);
    const [[x, y]] = [...new kd.data.DataLoader(d, { batchSize: 100 })];
    expect(x.shape).toEqual([d.length, 7]);
    expect(y.shape).toEqual([d.length]);
    const asText = kd.datasets.CSV.fromText("a,b\n1,x\n2,y\n", { target: null, columns: { a: "categorical" } });
    expect(asText.featureNames).toEqual(["a_1", "a_2", "b_x", "b_y"]);
    expect(() => asText.targets).toThrow(/has no target/);
    const bare = kd.datasets.CSV.fromText("1.5,red,a\n2.5,blue,b\n", { header: false, normalize: false });
    expect(bare.header).toEqual(["0", "1", "2"]);
    expect(bare.featureNames).toEqual(["0", "1_blue", "1_red"]);
    expect(bare.features.tolist()).toEqual([[1.5, 0, 1], [2.5, 1, 0]]);
    expect(bare.classes).toEqual(["a", "b"]);
    expect(() => kd.datasets.CSV.fromText("1,2\n3\n", { header: false })).toThrow(/line 2: expected 2 fields \(as the first record has\), got 1/);
  });

  it("malformed tables are DatasetErrors naming the line; bad options are ValueErrors", () => {
    expect(() => kd.datasets.CSV.fromText("a,b,c\n1,2,3\n4,5\n6,7,8\n")).toThrow(kd.DatasetError);
    expect(() => kd.datasets.CSV.fromText("a,b,c\n1,2,3\n4,5\n6,7,8\n")).toThrow(/line 3: expected 3 fields \(as the header has\), got 2/);
    expect(() => kd.datasets.CSV.fromText('a,b\n1,"2\n')).toThrow(/line 2: unterminated quoted field/);
    expect(() => kd.datasets.CSV.fromText("a,a\n1,2\n")).toThrow(/column name "a" appears twice/);
    expect(() => kd.datasets.CSV.fromText("")).toThrow(/empty/);
    expect(() => kd.datasets.CSV.fromText("a,b\n1,x\n2,3\n", { target: "b", columns: { a: "numeric" } })).not.toThrow();
    expect(() => kd.datasets.CSV.fromText("a,b\nx,1\n2,3\n", { columns: { a: "numeric" } })).toThrow(/line 2: column "a" is numeric but holds "x"/);
    expect(() => kd.datasets.CSV.fromText("a,b\n1,2\n", { target: "c" })).toThrow(/no column named "c"/);
    expect(() => kd.datasets.CSV.fromText("a,b\n1,2\n", { missing: "zero" as never })).toThrow(/missing must be "drop" or "fill"/);
    expect(() => kd.datasets.CSV.fromText("a,b\n1,2\n", { train: false })).toThrow(/train: false needs a testSize/);
    expect(() => kd.datasets.CSV.fromText("a,b\n1,2\n", { target_col: "b" } as never)).toThrow(/unknown option 'target_col'/);
    expect(() => kd.datasets.CSV.fromText("a,b\nNA,2\n")).toThrow(/no rows left/);
  });

  it("load reads a file and names it in errors", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kd-csv-"));
    const bad = path.join(dir, "bad.csv");
    writeFileSync(bad, "a,b\n1,2\n3\n");
    await expect(kd.datasets.CSV.load(bad)).rejects.toThrow(`${bad}: line 3: expected 2 fields`);
    await expect(kd.datasets.CSV.load(path.join(dir, "missing.csv"))).rejects.toThrow(kd.DatasetError);
  });

  it("Palmer penguins (npm @observablehq/sample-datasets): 333 complete rows, split 266/67, as the reference", async () => {
    const opts = { target: "species", testSize: 0.2, seed: 42 } as const;
    const train = await kd.datasets.CSV.load(penguinsCsv, opts);
    const test = await kd.datasets.CSV.load(penguinsCsv, { ...opts, train: false });
    expect(train.length + test.length).toBe(333);
    expect(test.length).toBe(67);
    for (const [d, r] of [[train, f.penguins.train], [test, f.penguins.test]] as const) {
      expect(d.classes).toEqual(["Adelie", "Chinstrap", "Gentoo"]);
      expect(d.featureNames).toEqual(r.featureNames);
      expectClose("penguin features", d.features, r.features, 1e-6, 1e-6);
      expect(d.targets.tolist()).toEqual(r.targets);
    }
  });
});
