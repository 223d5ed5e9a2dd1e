# References for kd.text (tests/text.test.ts), from Python's re module and torch:
#   - Tokenizer: a word is [^\W_]+(?:'[^\W_]+)* (re, Unicode), any other non-space character a mark;
#   - getTokenizer("basic_english") and build_vocab_from_iterator: torchtext's code, written out
#     here (Debian has no torchtext): _basic_english_normalize and the counting/sorting/cutting;
#   - padBatch: torch.nn.utils.rnn.pad_sequence(batch_first=True);
#   - the mean of padded embeddings (examples/10's pooling): torch.nn.EmbeddingBag(mode="mean"),
#     its output and the gradients of a linear head's cross entropy.
# Run: /usr/bin/python3 scripts/gen_text_fixtures.py  (writes tests/fixtures/text.json)
import json
import os
import re
from collections import Counter, OrderedDict

import torch

from fixture_io import enc_float

WORD = r"[^\W_]+(?:'[^\W_]+)*"
MARK = r"[^\s\w]|_"

TEXTS = [
    "Don't panic, it's 42!",
    "Hello,   World... (again)?",
    "Café au lait: naïve résumé; ÉCOLE",
    "under_score and  tabs\tand\nnewlines",
    "x2 + y² = 3.14 -- 'quoted' \"double\"",
    "emoji 😀 ok!! <br />next",
    "",
]


def words(s, lower=True, punctuation="split"):
    s = s.lower() if lower else s
    if punctuation == "keep":
        return s.split()
    return re.findall(WORD + "|" + MARK if punctuation == "split" else WORD, s)


def chars(s, lower=True, punctuation="split"):
    s = s.lower() if lower else s
    return [c for c in s if punctuation == "split" or not re.fullmatch(MARK, c)]


# torchtext.data.utils._basic_english_normalize
_patterns = [r"\'", r"\"", r"\.", r"<br \/>", r",", r"\(", r"\)", r"\!", r"\?", r"\;", r"\:", r"\s+"]
_replacements = [" '  ", "", " . ", " ", " , ", " ( ", " ) ", " ! ", " ? ", " ", " ", " "]
_patterns_dict = list((re.compile(p), r) for p, r in zip(_patterns, _replacements))


def basic_english(line):
    line = line.lower()
    for pattern_re, replaced_str in _patterns_dict:
        line = pattern_re.sub(replaced_str, line)
    return line.split()


# torchtext.vocab.build_vocab_from_iterator + torchtext.vocab.vocab (torchtext 0.14)
def build_vocab(iterator, min_freq=1, specials=None, special_first=True, max_tokens=None):
    counter = Counter()
    for tokens in iterator:
        counter.update(tokens)
    specials = specials or []
    sorted_by_freq_tuples = sorted(counter.items(), key=lambda x: (-x[1], x[0]))
    if max_tokens is None:
        ordered_dict = OrderedDict(sorted_by_freq_tuples)
    else:
        assert len(specials) < max_tokens
        ordered_dict = OrderedDict(sorted_by_freq_tuples[: max_tokens - len(specials)])
    for token in specials:
        ordered_dict.pop(token, None)
    tokens = [t for t, f in ordered_dict.items() if f >= min_freq]
    return specials + tokens if special_first else tokens + specials


tok_cases = []
for s in TEXTS:
    tok_cases.append({
        "text": s,
        "word_split": words(s),
        "word_strip": words(s, punctuation="strip"),
        "word_keep": words(s, punctuation="keep"),
        "word_split_cased": words(s, lower=False),
        "char_split": chars(s),
        "char_strip": chars(s, punctuation="strip"),
        "basic_english": basic_english(s),
    })

CORPUS = [
    "the cat sat on the mat",
    "the dog sat on the log",
    "a cat and a dog",
    "the end <unk> of the story",
    "zebra Zebra zebra apple apple banana",
]
corpus_tokens = [s.split() for s in CORPUS]
SPECIALS = ["<pad>", "<unk>", "<bos>", "<eos>"]
vocab_cases = [
    {"opts": {}, "itos": build_vocab(corpus_tokens, specials=SPECIALS)},
    {"opts": {"minFreq": 2}, "itos": build_vocab(corpus_tokens, min_freq=2, specials=SPECIALS)},
    {"opts": {"maxSize": 8}, "itos": build_vocab(corpus_tokens, specials=SPECIALS, max_tokens=8)},
    {"opts": {"maxSize": 9, "minFreq": 2}, "itos": build_vocab(corpus_tokens, min_freq=2, specials=SPECIALS, max_tokens=9)},
    {"opts": {"specials": [], "specialFirst": False}, "itos": build_vocab(corpus_tokens)},
    {"opts": {"specials": ["<unk>"], "specialFirst": False}, "itos": build_vocab(corpus_tokens, specials=["<unk>"], special_first=False)},
]

seqs = [[5, 6, 7], [8], [9, 10, 11, 12, 13], []]
pad_cases = []
for pad in [0, 3]:
    padded = torch.nn.utils.rnn.pad_sequence([torch.tensor(s, dtype=torch.long) for s in seqs], batch_first=True, padding_value=pad)
    pad_cases.append({"padIndex": pad, "ids": padded.tolist(), "lengths": [len(s) for s in seqs]})

# Mean pooling over real tokens (index 0 is padding and never a token), then a linear head.
torch.manual_seed(0)
V, D, C = 12, 4, 3
emb_seqs = [[3, 1, 4, 1, 5], [9, 2, 6], [5, 3], [11, 7, 8, 10]]
labels = [0, 2, 1, 2]
weight = torch.randn(V, D)
weight[0] = 0
lin_w = torch.randn(C, D)
lin_b = torch.randn(C)
bag = torch.nn.EmbeddingBag(V, D, mode="mean")
bag.weight.data.copy_(weight)
head = torch.nn.Linear(D, C)
head.weight.data.copy_(lin_w)
head.bias.data.copy_(lin_b)
flat = torch.tensor([t for s in emb_seqs for t in s])
offsets = torch.tensor([0] + [sum(len(s) for s in emb_seqs[:i + 1]) for i in range(len(emb_seqs) - 1)])
pooled = bag(flat, offsets)
loss = torch.nn.functional.cross_entropy(head(pooled), torch.tensor(labels))
loss.backward()


def ft(t):
    return {"values": [enc_float(v, 8) for v in t.detach().reshape(-1).tolist()], "shape": list(t.shape), "dtype": "float32"}


emb_case = {
    "seqs": emb_seqs, "labels": labels, "weight": ft(weight), "linWeight": ft(lin_w), "linBias": ft(lin_b),
    "pooled": ft(pooled), "loss": enc_float(loss.item(), 8), "gradWeight": ft(bag.weight.grad), "gradLinWeight": ft(head.weight.grad),
}

out = {"tokenizer": tok_cases, "corpus": CORPUS, "vocab": vocab_cases, "pad": {"seqs": seqs, "cases": pad_cases}, "embeddingBag": emb_case}
path = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "text.json")
with open(path, "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False)
    f.write("\n")
