// Sequence to sequence: English number words to French ("seventy-one" -> "soixante et onze") on
// kd.datasets.NumberWords (npm n2words; 0..999, a seeded 80/20 split, so the test numbers are never
// seen in training). An encoder-decoder with attention (Luong's dot-product "global attention"):
// a GRU encodes the English tokens; a GRU decoder, started from the encoder's final state, reads
// the French tokens so far; each decoder state scores every encoder output by a dot product
// (--attention additive: Bahdanau's vᵀ tanh(W₁ state + W₂ output) instead; padding masked out), the softmax of the scores weights the encoder outputs into a context, and
// tanh(W [state; context]) predicts the next token. Training uses teacher forcing (the decoder
// reads the reference <bos> y1 .. yn and is trained to say y1 .. yn <eos>, all steps in one GRU
// call); the test decodes greedily from <bos> until <eos>, one token at a time.
// The score is exact match: the decoded French tokens equal the reference's, all of them.
// scripts/seq2seq_torch.py trains the same model on the same split (the same seeded permutation,
// tokens, vocabularies, initial weights and batch order) in PyTorch and writes
// tests/fixtures/seq2seq-torch.json (-additive.json); its numbers are reported beside Kindling's.
// Flags: --end 1000 (numbers 0..end-1) --attention dot|additive --epochs 10 --batch-size 32 --lr 0.005 --seed 0 --emb 32 --hidden 64
import { readFileSync } from "node:fs";
import * as kd from "kindling";
import { outPath, writeAtomic } from "./common.js";

type Pair = [Int32Array, Int32Array];

export interface TorchSeq2Seq { accuracy: number; testAcc: number[]; trainLoss: number[]; trainSeconds: number; srcVocab: string[]; tgtVocab: string[]; firstTestNumbers: number[]; trainSize: number; testSize: number; config: Record<string, number | string> }

/** GRU encoder, GRU decoder with dot-product attention over the encoder outputs. */
class Seq2Seq extends kd.nn.Module {
  srcEmbedding: kd.nn.Embedding;
  encoder: kd.nn.GRU;
  tgtEmbedding: kd.nn.Embedding;
  decoder: kd.nn.GRU;
  combine: kd.nn.Linear;
  out: kd.nn.Linear;
  // Additive attention's W₁ (decoder states), W₂ (encoder outputs) and v.
  attnQuery?: kd.nn.Linear;
  attnKey?: kd.nn.Linear;
  attnV?: kd.nn.Linear;
  constructor(srcVocab: number, tgtVocab: number, emb: number, hidden: number, readonly pad: number, readonly attention: "dot" | "additive") {
    super();
    this.srcEmbedding = new kd.nn.Embedding(srcVocab, emb, { paddingIdx: pad });
    this.encoder = new kd.nn.GRU(emb, hidden, { batchFirst: true });
    this.tgtEmbedding = new kd.nn.Embedding(tgtVocab, emb, { paddingIdx: pad });
    this.decoder = new kd.nn.GRU(emb, hidden, { batchFirst: true });
    this.combine = new kd.nn.Linear(2 * hidden, hidden);
    this.out = new kd.nn.Linear(hidden, tgtVocab);
    if (attention === "additive") {
      this.attnQuery = new kd.nn.Linear(hidden, hidden, { bias: false });
      this.attnKey = new kd.nn.Linear(hidden, hidden);
      this.attnV = new kd.nn.Linear(hidden, 1, { bias: false });
    }
  }

  /** Scores [B, T, S] of decoder states [B, T, H] against encoder outputs [B, S, H]. */
  scores(states: kd.Tensor, memory: kd.Tensor): kd.Tensor {
    if (this.attention === "dot") return states.matmul(memory.transpose(1, 2));
    const q = this.attnQuery!.forward(states).unsqueeze(2); // [B, T, 1, H]
    const k = this.attnKey!.forward(memory).unsqueeze(1); // [B, 1, S, H]
    return this.attnV!.forward(q.add(k).tanh()).squeeze(3);
  }

  /** Encoder outputs [B, S, H] (zero past each length), the final state [1, B, H], the padding mask [B, 1, S]. */
  encode(src: kd.Tensor, lengths: kd.Tensor): [kd.Tensor, kd.Tensor, kd.Tensor] {
    // Packed, so each sequence's final state is its last real token's, not a padding step's.
    const packed = kd.nn.utils.rnn.packPaddedSequence(this.srcEmbedding.forward(src), lengths, { batchFirst: true, enforceSorted: false });
    const [out, h] = this.encoder.forward(packed);
    const [memory] = kd.nn.utils.rnn.padPackedSequence(out, { batchFirst: true, totalLength: src.shape[1] });
    return [memory, h, src.eq(this.pad).unsqueeze(1)];
  }

  /** Next-token logits [B, T, V] for decoder inputs [B, T], and the decoder's last state. */
  decode(input: kd.Tensor, h: kd.Tensor, memory: kd.Tensor, padMask: kd.Tensor): [kd.Tensor, kd.Tensor] {
    const [states, hN] = this.decoder.forward(this.tgtEmbedding.forward(input), h);
    const weights = this.scores(states, memory).maskedFill(padMask, -Infinity).softmax(-1); // [B, T, S]
    const context = weights.matmul(memory);
    return [this.out.forward(this.combine.forward(kd.cat([states, context], 2)).tanh()), hN];
  }

  /** Teacher forcing: logits for every step of the reference at once. */
  override forward(src: kd.Tensor, lengths: kd.Tensor, tgtIn: kd.Tensor): kd.Tensor {
    const [memory, h, mask] = this.encode(src, lengths);
    return this.decode(tgtIn, h, memory, mask)[0];
  }

  /** Greedy decoding from <bos>: the tokens up to (not including) <eos>, at most maxLength of them. */
  greedy(src: kd.Tensor, lengths: kd.Tensor, bos: number, eos: number, maxLength: number): number[][] {
    return kd.noGrad(() => kd.tidy(() => {
      const B = src.shape[0];
      const [memory, h0, mask] = this.encode(src, lengths);
      let h = h0;
      let y = kd.full([B, 1], bos, { dtype: "int32" });
      const seqs: number[][] = Array.from({ length: B }, () => []);
      const done = new Array<boolean>(B).fill(false);
      for (let t = 0; t < maxLength && done.some((d) => !d); t++) {
        const [logits, hN] = this.decode(y, h, memory, mask);
        h = hN;
        y = logits.argmax(2).to("int32");
        const next = y.dataSync() as Int32Array;
        next.forEach((tok, i) => {
          if (done[i]) return;
          if (tok === eos) done[i] = true;
          else seqs[i].push(tok);
        });
      }
      return seqs;
    }));
  }
}

export async function main(opts: Record<string, string> = {}) {
  const cfg = { epochs: Number(opts.epochs ?? 10), batchSize: Number(opts["batch-size"] ?? 32), lr: Number(opts.lr ?? 0.005), seed: Number(opts.seed ?? 0),
    emb: Number(opts.emb ?? 32), hidden: Number(opts.hidden ?? 64), end: Number(opts.end ?? 1000), attention: opts.attention ?? "dot", testSize: 0.2 };
  if (cfg.attention !== "dot" && cfg.attention !== "additive") throw new kd.ValueError(`--attention must be "dot" or "additive", got ${JSON.stringify(cfg.attention)}`);
  const load = (train: boolean) => kd.datasets.NumberWords.load({ source: "en-US", target: "fr-FR", end: cfg.end, testSize: cfg.testSize, seed: cfg.seed, train });
  const [trainSet, testSet] = await Promise.all([load(true), load(false)]);
  // "dix-sept" is three tokens: dix - sept, so the decoder composes French from English's parts.
  const tokenizer = new kd.text.Tokenizer();
  const tokens = (set: kd.datasets.NumberWords) => Array.from({ length: set.length }, (_, i) => set.getItem(i).map((s) => tokenizer.tokenize(s)) as [string[], string[]]);
  const trainTokens = tokens(trainSet);
  const testTokens = tokens(testSet);
  const srcVocab = kd.text.Vocab.build(trainTokens.map(([s]) => s));
  const tgtVocab = kd.text.Vocab.build(trainTokens.map(([, t]) => t));
  const pad = tgtVocab.padIndex; // 0 in both vocabularies (the specials come first)
  const encodePairs = (pairs: [string[], string[]][]): Pair[] => pairs.map(([s, t]) => [srcVocab.encode(s), tgtVocab.encode(t, { bos: true, eos: true })]);
  const trainPairs = encodePairs(trainTokens);
  const data = { length: trainPairs.length, getItem: (i: number) => trainPairs[i] };
  // A batch: source ids and lengths, the decoder's input (<bos> y1 .. yn) and its targets (y1 .. yn <eos>).
  const collate = (items: Pair[]) => {
    const src = kd.text.padBatch(items.map(([s]) => s), { padIndex: pad });
    const tgt = kd.text.padBatch(items.map(([, t]) => t), { padIndex: pad }).ids;
    const T = tgt.shape[1];
    return [src.ids, src.lengths, tgt.narrow(1, 0, T - 1), tgt.narrow(1, 1, T - 1).contiguous()] as const;
  };
  console.log(`${trainSet.length} training / ${testSet.length} test numbers; vocabularies: ${srcVocab.length} English, ${tgtVocab.length} French tokens`);

  kd.manualSeed(cfg.seed);
  const loader = new kd.data.DataLoader(data, { batchSize: cfg.batchSize, shuffle: true, seed: cfg.seed, collate });
  const model = new Seq2Seq(srcVocab.length, tgtVocab.length, cfg.emb, cfg.hidden, pad, cfg.attention);
  const lossFn = new kd.nn.CrossEntropyLoss({ ignoreIndex: pad });
  const optimizer = new kd.optim.Adam(model.parameters(), { lr: cfg.lr });

  // Test inputs once; the reference is the French token list.
  const testSrc = kd.text.padBatch(testTokens.map(([s]) => srcVocab.encode(s)), { padIndex: pad });
  const maxLength = 2 + testTokens.reduce((m, [, t]) => Math.max(m, t.length), 0);
  const evaluate = () => {
    model.eval();
    const out = model.greedy(testSrc.ids, testSrc.lengths, tgtVocab.bosIndex, tgtVocab.eosIndex, maxLength).map((ids) => tgtVocab.decode(ids));
    model.train();
    const exact = out.filter((o, i) => o.join(" ") === testTokens[i][1].join(" ")).length;
    return { decoded: out, accuracy: exact / out.length };
  };

  const trainLoss: number[] = [];
  const testAcc: number[] = [];
  const t0 = performance.now();
  for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
    model.train();
    let sum = 0, steps = 0;
    for (const [src, lengths, tgtIn, tgtOut] of loader) {
      const logits = model.forward(src, lengths, tgtIn);
      const loss = lossFn.forward(logits.reshape([-1, tgtVocab.length]), tgtOut.reshape([-1]));
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      sum += loss.item() as number;
      steps++;
    }
    trainLoss.push(sum / steps);
    const { accuracy } = evaluate();
    testAcc.push(accuracy);
    console.log(`epoch ${epoch} | train loss ${(sum / steps).toFixed(4)} | test exact match ${(100 * accuracy).toFixed(1)}% | ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const trainSeconds = (performance.now() - t0) / 1000; // greedy decoding of the test set after each epoch included
  const { decoded, accuracy } = evaluate();
  // A French sentence from tokens: hyphens join their neighbours again.
  const french = (toks: string[]) => toks.join(" ").replace(/ - /g, "-");
  const examples = Array.from({ length: 8 }, (_, i) => ({
    number: testSet.numbers[i], english: testSet.getItem(i)[0], decoded: french(decoded[i]), reference: testSet.getItem(i)[1], ok: french(decoded[i]) === french(testTokens[i][1]),
  }));
  const wrong = decoded.flatMap((d, i) => (french(d) === french(testTokens[i][1]) ? [] : [{ number: testSet.numbers[i], decoded: french(d), reference: testSet.getItem(i)[1] }]));
  // The trivial baseline: a lookup of training translations scores 0, since no test sentence is a training one.
  const trainFrench = new Set(Array.from({ length: trainSet.length }, (_, i) => trainSet.getItem(i)[1]));
  const lookupBaseline = Array.from({ length: testSet.length }, (_, i) => testSet.getItem(i)[1]).filter((f) => trainFrench.has(f)).length / testSet.length;
  for (const e of examples) console.log(`${String(e.number).padStart(3)}  ${e.english.padEnd(28)} -> ${e.decoded}${e.ok ? "" : `   (reference: ${e.reference})`}`);
  for (const w of wrong) console.log(`wrong: ${w.number} -> ${w.decoded}   (reference: ${w.reference})`);
  console.log(`test exact match: ${(100 * accuracy).toFixed(1)}% of ${testSet.length} held-out numbers (${trainSeconds.toFixed(1)} s of training); a lookup of training translations: ${(100 * lookupBaseline).toFixed(1)}%`);

  // PyTorch's run of the same recipe (scripts/seq2seq_torch.py), compared where the recipe matches.
  let torch: TorchSeq2Seq | null = null;
  const fixture = `seq2seq-torch${cfg.attention === "dot" ? "" : "-additive"}.json`;
  try {
    torch = JSON.parse(readFileSync(new URL(`../tests/fixtures/${fixture}`, import.meta.url), "utf8")) as TorchSeq2Seq;
  } catch {
    console.log(`no tests/fixtures/${fixture}: run /usr/bin/python3 scripts/seq2seq_torch.py${cfg.attention === "dot" ? "" : " --attention additive"}`);
  }
  const sameRecipe = torch !== null && Object.entries(torch.config).every(([k, v]) => cfg[k as keyof typeof cfg] === v);
  const sameData = torch !== null && torch.srcVocab.join() === srcVocab.getItos().join() && torch.tgtVocab.join() === tgtVocab.getItos().join() && torch.firstTestNumbers.every((n, i) => n === testSet.numbers[i]);
  if (torch && sameRecipe) console.log(`PyTorch, same recipe (same split and vocabularies: ${sameData}): ${(100 * torch.accuracy).toFixed(1)}% exact match, final train loss ${torch.trainLoss.at(-1)!.toFixed(4)} (Kindling ${trainLoss.at(-1)!.toFixed(4)}); ${torch.trainSeconds.toFixed(1)} s with 1 thread`);

  const curve = outPath(opts, `11-seq2seq${cfg.attention === "dot" ? "" : "-additive"}.svg`);
  writeAtomic(curve, kd.plot.lineChart([{ name: "train loss", values: trainLoss }, { name: "test exact match", values: testAcc }], { title: `English to French number words: GRU encoder-decoder with ${cfg.attention === "dot" ? "dot-product" : "additive"} attention`, xlabel: "epoch" }));
  return { attention: cfg.attention, accuracy, lookupBaseline, testAcc, trainLoss, trainSeconds, trainSize: trainSet.length, testSize: testSet.length, examples, wrong,
    srcVocab: srcVocab.getItos(), tgtVocab: tgtVocab.getItos(), firstTestNumbers: Array.from(testSet.numbers.slice(0, 10)), torch: sameRecipe ? torch : null, files: [curve] };
}
