# examples/10-text-classification.ts in PyTorch: the same SpamAssassin split, tokenizer,
# vocabulary and model (Embedding with padding_idx 0, mean over the real tokens, Linear), Adam,
# cross entropy, the same epochs and batches; writes the test accuracy with what identifies the
# split and vocabulary to tests/fixtures/text-torch.json, which the example reports beside its own.
#   split: torch.randperm(n, generator=torch.Generator().manual_seed(seed)) over file_list.json,
#          the last ceil(0.2 n) messages are the test part (datasets.SpamAssassin's rule);
#   text:  each file read as Latin-1, the body after the first blank line, lowercased, words
#          [^\W_]+(?:'[^\W_]+)* (kd.text.Tokenizer with punctuation "strip");
#   vocab: torchtext's build_vocab_from_iterator rules (gen_text_fixtures.py), min_freq 2,
#          max_tokens 20000, specials <pad> <unk> <bos> <eos>, <unk> the default index.
# Run: /usr/bin/python3 scripts/text_torch.py  (needs npm install: the corpus is an npm package)
import json
import math
import os
import re
import time

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "node_modules", "@stdlib", "datasets-spam-assassin", "data")
CONFIG = {"epochs": 5, "batchSize": 64, "lr": 0.01, "seed": 42, "maxLength": 256, "dim": 32, "minFreq": 2, "maxSize": 20000, "testSize": 0.2}
SPECIALS = ["<pad>", "<unk>", "<bos>", "<eos>"]
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def body(message):
    m = re.search(r"\r?\n\r?\n", message)
    return message[m.end():] if m else ""


def build_vocab(token_lists, min_freq, max_tokens):
    counts = {}
    for tokens in token_lists:
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
    ordered = sorted(counts.items(), key=lambda x: (-x[1], x[0]))[: max_tokens - len(SPECIALS)]
    return SPECIALS + [t for t, c in ordered if c >= min_freq and t not in SPECIALS]


def main():
    c = CONFIG
    torch.set_num_threads(1)
    with open(os.path.join(DATA, "file_list.json")) as f:
        files = json.load(f)
    n = len(files)
    n_test = math.ceil(c["testSize"] * n)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(c["seed"])).tolist()
    train_files, test_files = [files[i] for i in perm[: n - n_test]], [files[i] for i in perm[n - n_test:]]

    def read(fs):
        texts = []
        for name in fs:
            with open(os.path.join(DATA, name), encoding="latin-1", newline="") as f:
                texts.append(WORD.findall(body(f.read()).lower()))
        return texts, [1 if name.startswith("spam") else 0 for name in fs]

    train_tokens, train_labels = read(train_files)
    test_tokens, test_labels = read(test_files)
    itos = build_vocab(train_tokens, c["minFreq"], c["maxSize"])
    stoi = {t: i for i, t in enumerate(itos)}
    encode = lambda tokens: [stoi.get(t, 1) for t in tokens[: c["maxLength"]]]
    train = [(encode(t), y) for t, y in zip(train_tokens, train_labels)]
    test = [(encode(t), y) for t, y in zip(test_tokens, test_labels)]

    def collate(items):
        ids = nn.utils.rnn.pad_sequence([torch.tensor(s, dtype=torch.long) for s, _ in items], batch_first=True, padding_value=0)
        if ids.dim() == 1:  # every sequence empty
            ids = ids.reshape(len(items), 0)
        return ids, torch.tensor([len(s) for s, _ in items]), torch.tensor([y for _, y in items])

    class MeanEmbeddingClassifier(nn.Module):
        def __init__(self, vocab_size, dim, classes):
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
            self.fc = nn.Linear(dim, classes)

        def forward(self, ids, lengths):
            return self.fc(self.embedding(ids).sum(1) / lengths.clamp(min=1).unsqueeze(1))

    torch.manual_seed(c["seed"])
    loader = torch.utils.data.DataLoader(train, batch_size=c["batchSize"], shuffle=True, collate_fn=collate, generator=torch.Generator().manual_seed(c["seed"]))
    test_loader = torch.utils.data.DataLoader(test, batch_size=256, collate_fn=collate)
    model = MeanEmbeddingClassifier(len(itos), c["dim"], 2)
    opt = torch.optim.Adam(model.parameters(), lr=c["lr"])
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.time()
    for epoch in range(c["epochs"]):
        model.train()
        for ids, lengths, y in loader:
            loss = loss_fn(model(ids, lengths), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            correct = sum((model(ids, lengths).argmax(1) == y).sum().item() for ids, lengths, y in test_loader)
        print(f"epoch {epoch + 1} | test accuracy {100 * correct / len(test):.2f}%")
    out = {"accuracy": correct / len(test), "vocabSize": len(itos), "trainSize": len(train), "testSize": len(test),
           "firstTestFiles": test_files[:5], "vocabTail": itos[-5:], "trainSeconds": round(time.time() - t0, 2), "config": CONFIG}
    with open(os.path.join(HERE, "..", "tests", "fixtures", "text-torch.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(json.dumps(out))


main()
