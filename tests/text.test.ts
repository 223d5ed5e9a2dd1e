// kd.text against Python's re and torchtext's vocabulary rules (written out in
// scripts/gen_text_fixtures.py, which also gives torch's pad_sequence and EmbeddingBag), and the
// text datasets: SpamAssassin (the npm corpus) and NumberWords (n2words).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as kd from "../ts/index.js";
import { decode, expectClose, num, type FTensor } from "./helpers/torch-fixture.js";

const f = JSON.parse(readFileSync(new URL("./fixtures/text.json", import.meta.url), "utf8"));

describe("Tokenizer", () => {
  it("splits words and marks as Python's re does, lowercased or not, at word and char level", () => {
    const split = new kd.text.Tokenizer();
    const strip = new kd.text.Tokenizer({ punctuation: "strip" });
    const keep = new kd.text.Tokenizer({ punctuation: "keep" });
    const cased = new kd.text.Tokenizer({ lower: false });
    const chars = new kd.text.Tokenizer({ level: "char" });
    const charsStrip = new kd.text.Tokenizer({ level: "char", punctuation: "strip" });
    const basic = kd.text.getTokenizer("basic_english");
    for (const c of f.tokenizer) {
      expect(split.tokenize(c.text), c.text).toEqual(c.word_split);
      expect(strip.tokenize(c.text), c.text).toEqual(c.word_strip);
      expect(keep.tokenize(c.text), c.text).toEqual(c.word_keep);
      expect(cased.tokenize(c.text), c.text).toEqual(c.word_split_cased);
      expect(chars.tokenize(c.text), c.text).toEqual(c.char_split);
      expect(charsStrip.tokenize(c.text), c.text).toEqual(c.char_strip);
      expect(basic(c.text), c.text).toEqual(c.basic_english);
    }
    expect(split.tokenize("Don't panic, it's 42!")).toEqual(["don't", "panic", ",", "it's", "42", "!"]);
  });

  it("bad options and inputs are ValueErrors", () => {
    expect(() => new kd.text.Tokenizer({ level: "byte" as "char" })).toThrow(kd.ValueError);
    expect(() => new kd.text.Tokenizer({ level: "char", punctuation: "keep" })).toThrow(/"keep" is for word level/);
    expect(() => new kd.text.Tokenizer({ lowercase: true } as never)).toThrow(/unknown option 'lowercase'/);
    expect(() => new kd.text.Tokenizer().tokenize(42 as never)).toThrow(/expects a string, got number/);
    expect(() => kd.text.getTokenizer("spacy" as never)).toThrow(/unknown tokenizer "spacy"/);
    expect(kd.text.getTokenizer(null)("a  b\tc")).toEqual(["a", "b", "c"]);
  });
});

describe("Vocab", () => {
  const corpus = (f.corpus as string[]).map((s) => s.split(" "));

  it("orders and cuts as torchtext's build_vocab_from_iterator (minFreq, maxSize, specials)", () => {
    for (const c of f.vocab) {
      const v = kd.text.Vocab.build(corpus, c.opts);
      expect(v.getItos(), JSON.stringify(c.opts)).toEqual(c.itos);
      expect(v.length).toBe(c.itos.length);
    }
  });

  it("unknown tokens map to <unk> (the documented fallback), or throw a ValueError without one", () => {
    const v = kd.text.Vocab.build(corpus);
    expect([v.padIndex, v.unkIndex, v.bosIndex, v.eosIndex]).toEqual([0, 1, 2, 3]);
    expect(v.getDefaultIndex()).toBe(1);
    expect(v.getIndex("zzqx")).toBe(1);
    expect(v.getIndex("the")).toBe(4); // the most frequent token
    expect(Array.from(v.encode(["the", "zzqx", "cat"], { bos: true, eos: true }))).toEqual([2, 4, 1, v.getIndex("cat"), 3]);
    expect(v.decode(v.encode(["the", "zzqx"], { bos: true, eos: true }), { skipSpecials: true })).toEqual(["the", "<unk>"]);
    expect(v.decode([4, 3, 4], { stopAtEos: true })).toEqual(["the"]);

    const bare = kd.text.Vocab.build(corpus, { specials: [] });
    expect(bare.getDefaultIndex()).toBeNull();
    expect(() => bare.getIndex("zzqx")).toThrow(kd.ValueError);
    expect(() => bare.getIndex("zzqx")).toThrow(/token "zzqx" is not in the vocabulary and it has no default index/);
    expect(() => bare.padIndex).toThrow(/has no <pad> token/);
    bare.setDefaultIndex(0);
    expect(bare.getIndex("zzqx")).toBe(0);
    expect(() => bare.setDefaultIndex(bare.length)).toThrow(kd.ValueError);
    expect(() => v.lookupToken(v.length)).toThrow(/index \d+ is out of range/);
  });

  it("round-trips through JSON and rejects bad input", () => {
    const v = kd.text.Vocab.build(corpus, { minFreq: 2 });
    const w = kd.text.Vocab.fromJSON(JSON.parse(JSON.stringify(v)));
    expect(w.getItos()).toEqual(v.getItos());
    expect(w.getIndex("nope")).toBe(v.unkIndex);
    expect(() => kd.text.Vocab.build(["a b c"] as never)).toThrow(/got a string: tokenize the texts first/);
    expect(() => kd.text.Vocab.build(corpus, { minFreq: 0 })).toThrow(/minFreq must be a positive integer/);
    expect(() => kd.text.Vocab.build(corpus, { maxSize: 4 })).toThrow(/maxSize must be an integer above the number of specials \(4\)/);
    expect(() => new kd.text.Vocab(["a", "b", "a"])).toThrow(/"a" appears twice/);
    expect(() => v.encode("the cat" as never)).toThrow(/got a string: tokenize it first/);
  });
});

describe("padding and collate", () => {
  it("padBatch equals torch's pad_sequence(batch_first=True) and gives the lengths", () => {
    for (const c of f.pad.cases) {
      const { ids, lengths } = kd.text.padBatch(f.pad.seqs, { padIndex: c.padIndex });
      expect(ids.dtype).toBe("int32");
      expect(ids.tolist()).toEqual(c.ids);
      expect(lengths.tolist()).toEqual(c.lengths);
    }
  });

  it("truncates and pads on either side, to a fixed length or a cap", () => {
    expect(Array.from(kd.text.padTo([5, 6, 7], 5))).toEqual([5, 6, 7, 0, 0]);
    expect(Array.from(kd.text.padTo([5, 6, 7], 2))).toEqual([5, 6]);
    expect(Array.from(kd.text.padTo([5, 6, 7], 2, { truncationSide: "left" }))).toEqual([6, 7]);
    expect(Array.from(kd.text.padTo(new Int32Array([5]), 3, { paddingSide: "left", padIndex: 9 }))).toEqual([9, 9, 5]);
    const capped = kd.text.padBatch([[1, 2, 3, 4], [5]], { maxLength: 3 });
    expect(capped.ids.tolist()).toEqual([[1, 2, 3], [5, 0, 0]]);
    expect(capped.lengths.tolist()).toEqual([3, 1]);
    expect(kd.text.padBatch([[1], [2, 3]], { length: 4 }).ids.shape).toEqual([2, 4]);
    expect(() => kd.text.padTo([1.5], 2)).toThrow(/holds 1.5, not an integer token index/);
    expect(() => kd.text.padBatch([[1], "ab" as never])).toThrow(/sequence 1 must be an array of token indices/);
    expect(() => kd.text.padBatch([[1]], { paddingSide: "top" as never })).toThrow(/paddingSide must be "right" or "left"/);
    expect(() => kd.text.padBatch([[1]], { length: -1 })).toThrow(/length must be a non-negative integer/);
  });

  it("padCollate batches [tokens, label] and [source, target] items in a DataLoader", () => {
    const items: [number[], number][] = [[[4, 5, 6], 1], [[7], 0], [[8, 9], 1]];
    const loader = new kd.data.DataLoader(items, { batchSize: 3, collate: kd.text.padCollate({ padIndex: 0 }) });
    const [[ids, lengths, labels]] = [...loader];
    expect(ids.tolist()).toEqual([[4, 5, 6], [7, 0, 0], [8, 9, 0]]);
    expect(lengths.tolist()).toEqual([3, 1, 2]);
    expect(labels.dtype).toBe("int32");
    expect(labels.tolist()).toEqual([1, 0, 1]);
    const pairs = kd.text.padCollate()([[[1, 2], [3]], [[4], [5, 6, 7]]]);
    expect(pairs.map((t) => t.tolist())).toEqual([[[1, 2], [4, 0]], [2, 1], [[3, 0, 0], [5, 6, 7]], [1, 3]]);
    expect(() => kd.text.padCollate()([[[1], 0], [[2]]])).toThrow(/item 0 has 2 fields but item 1 has 1/);
    expect(() => kd.text.padCollate()([{ a: 1 }])).toThrow(/items must be token sequences or tuples/);
  });

  it("mean pooling of padded embeddings (examples/10's model) equals torch's EmbeddingBag(mode='mean'), gradients too", () => {
    const c = f.embeddingBag;
    const weight = decode(c.weight as FTensor);
    const emb = new kd.nn.Embedding(weight.shape[0], weight.shape[1], { paddingIdx: 0, weight });
    const head = new kd.nn.Linear(weight.shape[1], c.linBias.shape[0]);
    kd.noGrad(() => {
      head.weight.copy_(decode(c.linWeight));
      head.bias!.copy_(decode(c.linBias));
    });
    const { ids, lengths } = kd.text.padBatch(c.seqs, { padIndex: 0 });
    const pooled = emb.forward(ids).sum(1).div(lengths.unsqueeze(1));
    expectClose("pooled", pooled, c.pooled, 1e-5, 1e-6);
    const loss = kd.nn.functional.crossEntropy(head.forward(pooled), kd.tensor(c.labels, { dtype: "int32" }));
    expect(Math.abs((loss.item() as number) - num(c.loss))).toBeLessThan(1e-5);
    loss.backward();
    expectClose("embedding grad", emb.weight.grad, c.gradWeight, 1e-5, 1e-6);
    expectClose("linear grad", head.weight.grad, c.gradLinWeight, 1e-5, 1e-6);
  });
});

describe("text datasets", () => {
  it("TextDataset pairs texts with labels and applies the transform", () => {
    const tok = new kd.text.Tokenizer();
    const d = new kd.datasets.TextDataset(["Good film", "Bad film!"], [1, 0], { classes: ["neg", "pos"], transform: tok.fn });
    expect(d.length).toBe(2);
    expect(d.getItem(1)).toEqual([["bad", "film", "!"], 0]);
    expect(d.getItem(-1)[1]).toBe(0);
    expect(() => d.getItem(2)).toThrow(kd.IndexError);
    expect(() => new kd.datasets.TextDataset(["a"], [2], { classes: ["x", "y"] })).toThrow(/label 2 of text 0 is not a class index in \[0, 1\]/);
    expect(() => new kd.datasets.TextDataset(["a", "b"], [0])).toThrow(/2 texts but 1 labels/);
  });

  it("SpamAssassin: the npm corpus, a seeded split whose parts are disjoint and cover every message", async () => {
    const opts = { testSize: 0.2, seed: 42, groups: ["hard-ham-1", "spam-1"] as const };
    const train = await kd.datasets.SpamAssassin.load({ ...opts });
    const test = await kd.datasets.SpamAssassin.load({ ...opts, train: false, headers: false });
    expect(train.length + test.length).toBe(750); // 250 hard ham + 500 spam
    expect(test.length).toBe(150); // ceil(0.2 * 750)
    expect(new Set([...train.files, ...test.files]).size).toBe(750);
    expect(train.classes).toEqual(["ham", "spam"]);
    train.files.forEach((file, i) => expect(train.labels[i]).toBe(file.startsWith("spam") ? 1 : 0));
    expect(train.getItem(0)[0]).toMatch(/^(From |Return-Path:|Received:)/m); // headers kept by default
    const again = await kd.datasets.SpamAssassin.load({ ...opts, train: false });
    expect(again.files).toEqual(test.files);
    expect(test.texts[0]).toBe(kd.datasets.messageBody(again.texts[0]));
    await expect(kd.datasets.SpamAssassin.load({ groups: ["ham"] as never })).rejects.toThrow(/unknown group "ham"/);
    await expect(kd.datasets.SpamAssassin.load({ root: "/nonexistent/spam" })).rejects.toThrow(kd.DatasetError);
  });

  it("NumberWords: English to French from n2words, held-out numbers never in training", async () => {
    const train = await kd.datasets.NumberWords.load({ testSize: 0.2, seed: 0 });
    const test = await kd.datasets.NumberWords.load({ testSize: 0.2, seed: 0, train: false });
    expect(train.length).toBe(800);
    expect(test.length).toBe(200);
    const seen = new Set(train.numbers);
    expect(Array.from(test.numbers).some((n) => seen.has(n))).toBe(false);
    const byNumber = new Map([train, test].flatMap((d) => Array.from(d.numbers, (n, i) => [n, d.getItem(i)] as const)));
    expect(byNumber.size).toBe(1000);
    expect(byNumber.get(42)).toEqual(["forty-two", "quarante-deux"]);
    expect(byNumber.get(71)).toEqual(["seventy-one", "soixante et onze"]);
    const de = await kd.datasets.NumberWords.load({ target: "de-DE", start: 1, end: 30, testSize: 0 });
    expect(de.getItem(20)).toEqual(["twenty-one", "einundzwanzig"]);
    const fn = await kd.datasets.NumberWords.load({ source: (n) => String(n), target: (n) => "x".repeat(n + 1), end: 3, testSize: 0, transform: (s) => Number(s) });
    expect([...fn]).toEqual([[0, "x"], [1, "xx"], [2, "xxx"]]);
    expect((await kd.datasets.NumberWords.load({ target: "de-DE", end: 1, testSize: 0 })).getItem(0)).toEqual(["zero", "null"]); // German for 0
    await expect(kd.datasets.NumberWords.load({ target: (n) => (n === 3 ? undefined : "x") as string, end: 5, testSize: 0 })).rejects.toThrow(/target language gives undefined for 3/);
    await expect(kd.datasets.NumberWords.load({ target: "xx-YY" })).rejects.toThrow(/cannot load n2words\/xx-YY/);
    await expect(kd.datasets.NumberWords.load({ target: "../evil" })).rejects.toThrow(/not a locale name/);
  });

  it("NumberWords into a seq2seq batch: word vocabularies per language, <bos>/<eos> targets, padCollate", async () => {
    const tok = new kd.text.Tokenizer(); // "quarante-deux" -> quarante - deux
    const train = await kd.datasets.NumberWords.load({ testSize: 0.2, seed: 0 });
    const srcVocab = kd.text.Vocab.build(train.sources.map(tok.fn));
    const tgtVocab = kd.text.Vocab.build(train.targets.map(tok.fn));
    const data = await kd.datasets.NumberWords.load({
      testSize: 0.2, seed: 0, train: false,
      transform: (s) => srcVocab.encode(tok.tokenize(s)),
      targetTransform: (t) => tgtVocab.encode(tok.tokenize(t), { bos: true, eos: true }),
    });
    const loader = new kd.data.DataLoader(data, { batchSize: 8, collate: kd.text.padCollate({ padIndex: srcVocab.padIndex }) });
    const [src, srcLen, tgt, tgtLen] = [...loader][0];
    expect(src.shape[0]).toBe(8);
    expect(src.shape[1]).toBe(Math.max(...(srcLen.tolist() as number[])));
    const row = (tgt.tolist() as number[][])[0];
    expect(row[0]).toBe(tgtVocab.bosIndex);
    expect(row[(tgtLen.tolist() as number[])[0] - 1]).toBe(tgtVocab.eosIndex);
    expect(tgtVocab.decode(row, { skipSpecials: true }).join(" ").replace(/ - /g, "-")).toBe(data.pairs[0][1]);
    expect(tok.tokenize("quarante-deux")).toEqual(["quarante", "-", "deux"]);
  });
});
