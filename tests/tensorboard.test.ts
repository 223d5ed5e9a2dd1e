// kd.tensorboard.SummaryWriter: files read back by tests/helpers/tfevents.ts (its own CRC-32C
// and a generic protobuf decoder; field numbers from tensorboard's .proto files), histograms
// against torch's make_histogram (scripts/gen_summary_fixtures.py). No tensorboard package is
// available here to read the files, so the framing and messages are checked field by field.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, appendFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir, hostname } from "node:os";
import path from "node:path";
import { PNG } from "pngjs";
import * as kd from "kindling";
import { events, eventFiles, records, message, masked, int, dbl, flt, str, bytes, sub, subs, doubles, type Message } from "./helpers/tfevents.js";

const fx = JSON.parse(readFileSync(new URL("./fixtures/summary.json", import.meta.url), "utf8")).histogram;
const tmp = () => mkdtempSync(path.join(tmpdir(), "kd-tb-"));

const tagOf = (v: Message) => str(v, 1);

describe("TFRecord framing", () => {
  it("masked CRC-32C matches known values", () => {
    // CRC-32C("123456789") = 0xe3069283 (the standard check value)
    expect(kd.tensorboard.crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    const b = new Uint8Array([1, 2, 3, 250]);
    expect(kd.tensorboard.maskedCrc32c(b)).toBe(masked(b));
    const c = 0xe3069283;
    expect(kd.tensorboard.maskedCrc32c(new TextEncoder().encode("123456789"))).toBe((((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0);
  });
  it("a corrupted byte fails the CRC; a torn tail is dropped by the library reader only when allowed", () => {
    const rec = kd.tensorboard.frameRecord(new Uint8Array([8, 1]));
    expect(records(rec)).toHaveLength(1);
    const bad = rec.slice();
    bad[12] ^= 1;
    expect(() => records(bad)).toThrow(/data crc/);
    expect(() => kd.tensorboard.readRecords(bad)).toThrow(kd.ValueError);
    const torn = new Uint8Array([...rec, ...rec.subarray(0, 10)]);
    expect(() => kd.tensorboard.readRecords(torn)).toThrow(/truncated/);
    expect(kd.tensorboard.readRecords(torn, { allowTruncatedTail: true })).toHaveLength(1);
  });
});

describe("SummaryWriter", () => {
  it("file name, file_version record, scalars with steps and wall times", () => {
    const dir = tmp();
    const before = Date.now() / 1000;
    const w = new kd.tensorboard.SummaryWriter(dir);
    for (let s = 0; s < 5; s++) w.addScalar("loss/train", 1 / (s + 1), s);
    w.addScalar("acc", kd.tensor(0.75), 7, 1234.5);
    w.close();
    const files = eventFiles(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${hostname().replace(/\./g, "\\.")}\\.${process.pid}\\.\\d+$`));
    expect(Math.abs(Number(files[0].split(".")[3]) - before)).toBeLessThan(5);
    const ev = events(path.join(dir, files[0]));
    expect(ev[0].fileVersion).toBe("brain.Event:2");
    expect(ev[0].wallTime).toBeGreaterThanOrEqual(before - 1);
    const scalars = ev.slice(1).map((e) => [tagOf(e.values[0]), e.step ?? 0, flt(e.values[0], 2)]);
    expect(scalars).toEqual([
      ...[0, 1, 2, 3, 4].map((s) => ["loss/train", s, Math.fround(1 / (s + 1))]),
      ["acc", 7, 0.75],
    ]);
    expect(ev.at(-1)!.wallTime).toBe(1234.5);
    expect(() => w.addScalar("x", 1, 0)).toThrow(kd.ValueError);
    rmSync(dir, { recursive: true });
  });

  it("addScalars writes one subfolder per key as torch (<main tag>_<key>), tagged with the main tag", () => {
    const dir = tmp();
    const w = new kd.tensorboard.SummaryWriter(dir);
    w.addScalars("loss/all", { train: 0.5, test: 0.7 }, 3);
    w.addScalars("loss/all", { train: 0.25, test: 0.6 }, 4);
    w.close();
    const files = eventFiles(dir);
    expect(files.map((f) => path.dirname(f)).sort()).toEqual([".", "loss_all_test", "loss_all_train"]);
    const train = events(path.join(dir, files.find((f) => f.startsWith("loss_all_train"))!));
    expect(train[0].fileVersion).toBe("brain.Event:2");
    expect(train.slice(1).map((e) => [tagOf(e.values[0]), e.step, flt(e.values[0], 2)])).toEqual([["loss/all", 3, 0.5], ["loss/all", 4, 0.25]]);
    rmSync(dir, { recursive: true });
  });

  it("addImage: an Image value with a PNG that decodes to the pixels (float CHW scaled by 255, truncated)", () => {
    const dir = tmp();
    const w = new kd.tensorboard.SummaryWriter(dir);
    const chw = kd.tensor([[[0, 0.5], [1, 0.25]], [[0.1, 0.2], [0.3, 0.4]], [[1, 1], [0, 0]]]); // [3, 2, 2]
    w.addImage("img/rgb", chw, 2);
    w.addImage("img/gray", kd.tensor([[0, 128, 255]], { dtype: "int32" }), 3, undefined, { dataformats: "HW" });
    expect(() => w.addImage("bad", kd.zeros([2, 4, 4]))).toThrow(/1, 3 or 4 channels/);
    w.close();
    const ev = events(path.join(dir, eventFiles(dir)[0]));
    const img = sub(ev[1].values[0], 4)!;
    expect([tagOf(ev[1].values[0]), ev[1].step, int(img, 1), int(img, 2), int(img, 3)]).toEqual(["img/rgb", 2, 2, 2, 3]);
    const png = PNG.sync.read(Buffer.from(bytes(img, 4)!));
    const px = (x: number, y: number) => Array.from(png.data.subarray((y * 2 + x) * 4, (y * 2 + x) * 4 + 3));
    const f = (v: number) => Math.trunc(Math.fround(Math.fround(v) * 255));
    expect([px(0, 0), px(1, 0), px(0, 1), px(1, 1)]).toEqual([[0, f(0.1), 255], [127, f(0.2), 255], [255, f(0.3), 0], [63, f(0.4), 0]]);
    const gray = sub(ev[2].values[0], 4)!;
    expect([int(gray, 1), int(gray, 2), int(gray, 3)]).toEqual([1, 3, 1]);
    const g = PNG.sync.read(Buffer.from(bytes(gray, 4)!));
    expect([g.data[0], g.data[4], g.data[8]]).toEqual([0, 128, 255]);
    rmSync(dir, { recursive: true });
  });

  it("addHistogram matches torch's make_histogram with the default 'tensorflow' bins and with 10 bins", () => {
    expect(kd.tensorboard.defaultBins.length).toBe(fx.n_default_bins);
    expect(kd.tensorboard.defaultBins.slice(0, 3)).toEqual(fx.default_bins_first);
    expect(kd.tensorboard.defaultBins.slice(-3)).toEqual(fx.default_bins_last);
    const dir = tmp();
    const w = new kd.tensorboard.SummaryWriter(dir);
    const names = Object.keys(fx.cases);
    names.forEach((n, i) => w.addHistogram(n, fx.cases[n].values, i, undefined, fx.cases[n].bins ? { bins: fx.cases[n].bins } : {}));
    w.addHistogram("tensor", kd.tensor(fx.cases.mixed.values), 9);
    expect(() => w.addHistogram("empty", [])).toThrow(kd.ValueError);
    w.close();
    const ev = events(path.join(dir, eventFiles(dir)[0]));
    names.forEach((n, i) => {
      const c = fx.cases[n];
      const v = ev[1 + i].values[0];
      expect([tagOf(v), ev[1 + i].step]).toEqual([n, i]);
      const h = sub(v, 5)!;
      expect([dbl(h, 1), dbl(h, 2), dbl(h, 3)]).toEqual([c.min, c.max, c.num]);
      expect(dbl(h, 4)).toBeCloseTo(c.sum, 9);
      expect(dbl(h, 5)).toBeCloseTo(c.sum_squares, 9);
      const limits = doubles(h, 6);
      expect(limits.length).toBe(c.bucket_limit.length);
      limits.forEach((l, k) => expect(Math.abs(l - c.bucket_limit[k])).toBeLessThanOrEqual(Math.abs(c.bucket_limit[k]) * 1e-12));
      expect(doubles(h, 7)).toEqual(c.bucket);
    });
    // the same values through a float32 tensor land in the same buckets
    expect(doubles(sub(ev.at(-1)!.values[0], 5)!, 7)).toEqual(fx.cases.mixed.bucket);
    rmSync(dir, { recursive: true });
  });

  it("addText: the text plugin's DT_STRING tensor under <tag>/text_summary", () => {
    const dir = tmp();
    const w = new kd.tensorboard.SummaryWriter(dir);
    w.addText("notes", "lr = 0.01, **bold** é", 1);
    w.close();
    const v = events(path.join(dir, eventFiles(dir)[0]))[1].values[0];
    expect(tagOf(v)).toBe("notes/text_summary");
    expect(str(sub(sub(v, 9)!, 1)!, 1)).toBe("text");
    const t = sub(v, 8)!;
    expect(int(t, 1)).toBe(7); // DT_STRING
    expect(int(subs(sub(t, 2)!, 2)[0], 1)).toBe(1); // shape [1]
    expect(str(t, 8)).toBe("lr = 0.01, **bold** é");
    rmSync(dir, { recursive: true });
  });

  it("addHparams: experiment, session start and end summaries of the hparams plugin, metrics as scalars, in <logdir>/<runName>", () => {
    const dir = tmp();
    const w = new kd.tensorboard.SummaryWriter(dir);
    w.addHparams({ lr: 0.01, optimizer: "adam", augment: true }, { "hparam/accuracy": 0.875 }, { runName: "hp" });
    w.close();
    const files = eventFiles(dir);
    expect(files.filter((f) => f.startsWith("hp/"))).toHaveLength(1);
    const ev = events(path.join(dir, files.find((f) => f.startsWith("hp/"))!));
    expect(ev.slice(1).map((e) => tagOf(e.values[0]))).toEqual(["_hparams_/experiment", "_hparams_/session_start_info", "_hparams_/session_end_info", "hparam/accuracy"]);
    const content = (i: number) => {
      const pd = sub(sub(ev[i].values[0], 9)!, 1)!;
      expect(str(pd, 1)).toBe("hparams");
      return message(bytes(pd, 2)!);
    };
    const exp = sub(content(1), 2)!; // HParamsPluginData.experiment
    expect(subs(exp, 4).map((h) => [str(h, 1), int(h, 4)])).toEqual([["lr", 3], ["optimizer", 1], ["augment", 2]]);
    expect(subs(exp, 5).map((m) => str(sub(m, 1)!, 2))).toEqual(["hparam/accuracy"]);
    const ssi = sub(content(2), 3)!;
    const hp = Object.fromEntries(subs(ssi, 1).map((e) => {
      const val = sub(e, 2)!;
      return [str(e, 1), dbl(val, 2) ?? str(val, 3) ?? int(val, 4)];
    }));
    expect(hp).toEqual({ lr: 0.01, optimizer: "adam", augment: 1 });
    expect(int(sub(content(3), 4)!, 1)).toBe(1); // STATUS_SUCCESS
    expect(flt(ev[4].values[0], 2)).toBe(0.875);
    expect(() => w.addHparams({ a: 1 }, {})).toThrow(kd.ValueError);
    rmSync(dir, { recursive: true });
  });

  it("appended records survive a torn tail; bad arguments are typed errors", () => {
    const dir = tmp();
    const w = new kd.tensorboard.SummaryWriter(dir, { filenameSuffix: ".v2" });
    w.addScalar("a", 1, 0);
    w.flush();
    const file = path.join(dir, eventFiles(dir)[0]);
    expect(file.endsWith(".v2")).toBe(true);
    appendFileSync(file, Buffer.from([5, 0, 0, 0, 0, 0])); // a crash mid-record
    const run = kd.tensorboard.collectRun("r", [[path.basename(file), new Uint8Array(readFileSync(file))]]);
    expect(run.scalars.a[""].map((p) => p.value)).toEqual([1]);
    expect(() => records(new Uint8Array(readFileSync(file)))).toThrow(/trailing/);
    expect(() => new kd.tensorboard.SummaryWriter(dir, { comennt: "x" } as never)).toThrow(/did you mean 'comment'/);
    expect(() => w.addScalar("a", 1, 0.5)).toThrow(/integer/);
    expect(() => w.addScalar("", 1, 0)).toThrow(kd.ValueError);
    w.close();
    rmSync(dir, { recursive: true });
  });
});

// torch.utils.tensorboard's own summary code, run on proto classes rebuilt from descriptors (the
// tensorboard package is not installed), builds the Summary messages torch would write for the
// same inputs; Google's protobuf runtime parses every record Kindling wrote (CRCs checked in Python).
describe("against torch.utils.tensorboard (scripts/check_tfevents_torch.py)", () => {
  it("scalar, text and histogram summaries are byte-identical to torch's; hparams decode to torch's", () => {
    const dir = tmp();
    const hist = [0, 1, -2.5, 3.25, 1e-13, 7, 7, -0.001, 0.3];
    const spec = {
      scalar: { kind: "scalar", tag: "loss", value: 0.3125 },
      text: { kind: "text", tag: "notes", text: "lr 0.1 — ünïcode" },
      histogram: { kind: "histogram", tag: "w", values: hist },
      hparams: { kind: "hparams", hparams: { lr: 0.01, optimizer: "adam", layers: 3 }, metrics: { "hparam/accuracy": 0.875, "hparam/loss": 0.25 } },
    };
    const w = new kd.tensorboard.SummaryWriter(dir);
    w.addScalar("loss", 0.3125, 1);
    w.addText("notes", spec.text.text, 2);
    w.addHistogram("w", hist, 3);
    w.addImage("img", kd.rand([3, 4, 5]), 4);
    w.addHparams(spec.hparams.hparams, spec.hparams.metrics, { runName: "hp" });
    w.close();
    writeFileSync(path.join(dir, "spec.json"), JSON.stringify(spec));
    const r = spawnSync("/usr/bin/python3", ["scripts/check_tfevents_torch.py", dir, path.join(dir, "spec.json")], { encoding: "utf8", maxBuffer: 1 << 26 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    const files = Object.keys(out.files).sort();
    expect(files).toHaveLength(2);
    const main = out.files[files.find((f) => !f.startsWith("hp/"))!];
    expect(main[0].file_version).toBe("brain.Event:2");
    expect(main.slice(1).map((e: { step: string }) => e.step)).toEqual(["1", "2", "3", "4"]);
    expect(main[1].summary_hex).toBe(out.torch_bytes.scalar);
    expect(main[2].summary_hex).toBe(out.torch_bytes.text);
    expect(main[3].summary_hex).toBe(out.torch_bytes.histogram);
    expect(main[4].summary.value[0].image).toMatchObject({ height: 4, width: 5, colorspace: 3 });
    const hp = out.files[files.find((f) => f.startsWith("hp/"))!];
    const strip = (v: Record<string, unknown>) => { const { hparams_content: _c, metadata: _m, ...rest } = v; return rest; };
    for (let i = 0; i < 3; i++) {
      const mine = hp[1 + i].summary.value[0];
      const theirs = out.torch.hparams[i].value[0];
      expect(strip(mine)).toEqual(strip(theirs));
      expect(mine.metadata.plugin_data.plugin_name).toBe(theirs.metadata.plugin_data.plugin_name);
      expect(mine.hparams_content).toEqual(out.torch[`hparams/${theirs.tag}`]);
    }
    expect(hp.slice(4).map((e: { summary: { value: { tag: string; simple_value: number }[] } }) => [e.summary.value[0].tag, e.summary.value[0].simple_value])).toEqual([["hparam/accuracy", 0.875], ["hparam/loss", 0.25]]);
    rmSync(dir, { recursive: true });
  }, 60_000);
});

describe("kindling report's reading of a logdir (ts/cli/report.ts)", () => {
  it("a logdir that is itself a run: its addScalars subfolders become series, its hparams folder the run's hparams", async () => {
    const { readRuns, buildReport } = await import("../ts/cli/report.js");
    const dir = tmp();
    const w = new kd.tensorboard.SummaryWriter(dir);
    w.addScalar("lr", 0.1, 0);
    w.addScalars("loss", { train: 0.5, test: 0.75 }, 1);
    w.addHparams({ lr: 0.1 }, { "hparam/loss": 0.75 }, { runName: "hp" });
    w.close();
    const runs = readRuns(dir);
    expect(runs).toHaveLength(1);
    expect(runs[0].name).toBe(path.basename(dir));
    expect(Object.keys(runs[0].scalars.loss).sort()).toEqual(["loss_test", "loss_train"]);
    expect(runs[0].scalars.loss.loss_test).toEqual([{ step: 1, value: 0.75, wallTime: expect.any(Number) }]);
    expect(runs[0].scalars["hparam/loss"]).toBeUndefined(); // the metric belongs to the hparams table
    expect([runs[0].hparams, runs[0].metrics]).toEqual([{ lr: 0.1 }, { "hparam/loss": 0.75 }]);
    const html = buildReport(runs, { title: "a <b>" });
    expect(html).toContain("<title>a &#60;b&#62;</title>");
    const data = JSON.parse(html.match(/<script type="application\/json" id="kd-data">([\s\S]*?)<\/script>/)![1]);
    expect(data.find((c: { tag: string }) => c.tag === "loss").series.map((s: { label: string }) => s.label).sort()).toEqual([`${runs[0].name}/loss_test`, `${runs[0].name}/loss_train`]);
    expect(() => readRuns(path.join(dir, "missing"))).toThrow(kd.ValueError);
    rmSync(dir, { recursive: true });
  });
});
