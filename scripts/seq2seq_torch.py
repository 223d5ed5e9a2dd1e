# examples/11-seq2seq.ts in PyTorch: the same NumberWords split, tokens, vocabularies and model
# (GRU encoder over packed sequences, GRU decoder with dot-product attention, tanh(W [state;
# context]), a linear layer to the French vocabulary), Adam, cross entropy with <pad> ignored,
# teacher forcing, greedy decoding; the same epochs and batches (DataLoader shuffled by a
# generator seeded as the example's). Writes the test exact match per epoch, the loss curve and
# what identifies the split and vocabularies to tests/fixtures/seq2seq-torch.json, which the
# example reports beside its own.
#   words: n2words (npm) en-US and fr-FR cardinals of 0..end-1, read by running node;
#   split: torch.randperm(end, generator=torch.Generator().manual_seed(seed)), the last
#          ceil(0.2 end) numbers are the test part (datasets.NumberWords' rule);
#   tokens: lowercased words [^\W_]+(?:'[^\W_]+)* and single marks ("dix-sept" -> dix - sept),
#          as kd.text.Tokenizer() gives them;
#   vocab: kd.text.Vocab.build's (torchtext's) rules: specials <pad> <unk> <bos> <eos>, then the
#          training tokens by count, ties by code point.
# Run: /usr/bin/python3 scripts/seq2seq_torch.py [--attention additive]  (needs npm install: n2words
# is an npm package); additive attention writes tests/fixtures/seq2seq-torch-additive.json.
import json
import math
import os
import re
import subprocess
import sys
import time

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
CONFIG = {"epochs": 10, "batchSize": 32, "lr": 0.005, "seed": 0, "emb": 32, "hidden": 64, "end": 1000, "attention": "dot", "testSize": 0.2}
SPECIALS = ["<pad>", "<unk>", "<bos>", "<eos>"]
PAD, UNK, BOS, EOS = 0, 1, 2, 3
TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\s\w]|_")


def number_words(end):
    js = ("import { toCardinal as en } from 'n2words/en-US'; import { toCardinal as fr } from 'n2words/fr-FR';"
          f"console.log(JSON.stringify(Array.from({{ length: {end} }}, (_, n) => [en(n), fr(n)])));")
    out = subprocess.run(["node", "--input-type=module", "-e", js], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def build_vocab(token_lists):
    counts = {}
    for tokens in token_lists:
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
    return SPECIALS + [t for t, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0])) if t not in SPECIALS]


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, emb, hidden, attention):
        super().__init__()
        self.src_embedding = nn.Embedding(src_vocab, emb, padding_idx=PAD)
        self.encoder = nn.GRU(emb, hidden, batch_first=True)
        self.tgt_embedding = nn.Embedding(tgt_vocab, emb, padding_idx=PAD)
        self.decoder = nn.GRU(emb, hidden, batch_first=True)
        self.combine = nn.Linear(2 * hidden, hidden)
        self.out = nn.Linear(hidden, tgt_vocab)
        self.attention = attention
        if attention == "additive":
            self.attn_query = nn.Linear(hidden, hidden, bias=False)
            self.attn_key = nn.Linear(hidden, hidden)
            self.attn_v = nn.Linear(hidden, 1, bias=False)

    def scores(self, states, memory):
        if self.attention == "dot":
            return states.matmul(memory.transpose(1, 2))
        q = self.attn_query(states).unsqueeze(2)
        k = self.attn_key(memory).unsqueeze(1)
        return self.attn_v(torch.tanh(q + k)).squeeze(3)

    def encode(self, src, lengths):
        packed = pack_padded_sequence(self.src_embedding(src), lengths, batch_first=True, enforce_sorted=False)
        out, h = self.encoder(packed)
        memory, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        return memory, h, (src == PAD).unsqueeze(1)

    def decode(self, inp, h, memory, pad_mask):
        states, h_n = self.decoder(self.tgt_embedding(inp), h)
        weights = self.scores(states, memory).masked_fill(pad_mask, float("-inf")).softmax(-1)
        context = weights.matmul(memory)
        return self.out(torch.tanh(self.combine(torch.cat([states, context], 2)))), h_n

    def forward(self, src, lengths, tgt_in):
        memory, h, mask = self.encode(src, lengths)
        return self.decode(tgt_in, h, memory, mask)[0]

    @torch.no_grad()
    def greedy(self, src, lengths, max_length):
        memory, h, mask = self.encode(src, lengths)
        y = torch.full((src.shape[0], 1), BOS, dtype=torch.long)
        seqs = [[] for _ in range(src.shape[0])]
        done = [False] * src.shape[0]
        for _ in range(max_length):
            if all(done):
                break
            logits, h = self.decode(y, h, memory, mask)
            y = logits.argmax(2)
            for i, tok in enumerate(y[:, 0].tolist()):
                if done[i]:
                    continue
                if tok == EOS:
                    done[i] = True
                else:
                    seqs[i].append(tok)
        return seqs


def pad_batch(seqs):
    width = max(len(s) for s in seqs)
    ids = torch.tensor([s + [PAD] * (width - len(s)) for s in seqs], dtype=torch.long)
    return ids, torch.tensor([len(s) for s in seqs])


def main():
    c = dict(CONFIG)
    if sys.argv[1:3] == ["--attention", "additive"]:
        c["attention"] = "additive"
    elif sys.argv[1:]:
        sys.exit("usage: seq2seq_torch.py [--attention additive]")
    torch.set_num_threads(1)
    pairs = number_words(c["end"])
    n = c["end"]
    n_test = math.ceil(c["testSize"] * n)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(c["seed"])).tolist()
    train_numbers, test_numbers = perm[: n - n_test], perm[n - n_test:]
    tok = lambda s: TOKEN.findall(s.lower())
    train_tokens = [(tok(pairs[i][0]), tok(pairs[i][1])) for i in train_numbers]
    test_tokens = [(tok(pairs[i][0]), tok(pairs[i][1])) for i in test_numbers]
    src_itos = build_vocab(s for s, _ in train_tokens)
    tgt_itos = build_vocab(t for _, t in train_tokens)
    src_stoi = {t: i for i, t in enumerate(src_itos)}
    tgt_stoi = {t: i for i, t in enumerate(tgt_itos)}
    enc_src = lambda toks: [src_stoi.get(t, UNK) for t in toks]
    train_data = [(enc_src(s), [BOS] + [tgt_stoi.get(t, UNK) for t in f] + [EOS]) for s, f in train_tokens]

    def collate(items):
        src, lengths = pad_batch([s for s, _ in items])
        tgt, _ = pad_batch([t for _, t in items])
        return src, lengths, tgt[:, :-1], tgt[:, 1:]

    torch.manual_seed(c["seed"])
    loader = torch.utils.data.DataLoader(train_data, batch_size=c["batchSize"], shuffle=True, collate_fn=collate,
                                         generator=torch.Generator().manual_seed(c["seed"]))
    model = Seq2Seq(len(src_itos), len(tgt_itos), c["emb"], c["hidden"], c["attention"])
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD)
    optimizer = torch.optim.Adam(model.parameters(), lr=c["lr"])
    test_src, test_lengths = pad_batch([enc_src(s) for s, _ in test_tokens])
    max_length = 2 + max(len(f) for _, f in test_tokens)

    def evaluate():
        model.eval()
        out = [[tgt_itos[i] for i in s] for s in model.greedy(test_src, test_lengths, max_length)]
        model.train()
        return sum(o == f for o, (_, f) in zip(out, test_tokens)) / len(out)

    train_loss, test_acc = [], []
    t0 = time.perf_counter()
    for epoch in range(1, c["epochs"] + 1):
        model.train()
        total, steps = 0.0, 0
        for src, lengths, tgt_in, tgt_out in loader:
            loss = loss_fn(model(src, lengths, tgt_in).reshape(-1, len(tgt_itos)), tgt_out.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            steps += 1
        train_loss.append(total / steps)
        test_acc.append(evaluate())
        print(f"epoch {epoch} | train loss {train_loss[-1]:.4f} | test exact match {100 * test_acc[-1]:.1f}%")
    seconds = time.perf_counter() - t0
    result = {"accuracy": test_acc[-1], "testAcc": test_acc, "trainLoss": train_loss, "trainSeconds": seconds,
              "srcVocab": src_itos, "tgtVocab": tgt_itos, "firstTestNumbers": test_numbers[:10],
              "trainSize": len(train_numbers), "testSize": len(test_numbers), "config": c, "torch": torch.__version__}
    path = os.path.join(ROOT, "tests", "fixtures", "seq2seq-torch.json" if c["attention"] == "dot" else "seq2seq-torch-additive.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"test exact match {100 * test_acc[-1]:.1f}% ({seconds:.1f} s of training, 1 thread) -> {path}")


if __name__ == "__main__":
    main()
