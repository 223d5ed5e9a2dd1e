# References for datasets.CSV (tests/csv.test.ts):
#   - parsing: Python's csv.reader(strict=True) on RFC 4180 edge cases (blank lines dropped, as
#     kd.data.parseCSV skips them);
#   - tables: the CSV pipeline written out with csv + torch: rows missing the target dropped,
#     missing "drop" or "fill" (training mean / most frequent training category), the split as
#     torch.randperm(n, generator=torch.Generator().manual_seed(seed)) (last ceil(test * n) rows
#     are the test part), standardization with the training rows' mean and population std
#     (sklearn's StandardScaler), one-hot categories in sorted order (pandas get_dummies);
#   - the real Palmer penguins CSV that the npm package @observablehq/sample-datasets ships.
# Run: /usr/bin/python3 scripts/gen_csv_fixtures.py  (writes tests/fixtures/csv.json; needs npm install)
import csv
import io
import json
import math
import os
import re

import torch

from fixture_io import enc_float

HERE = os.path.dirname(__file__)
NA = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

PARSE_CASES = [
    "a,b,c\n1,2,3\n",
    "a,b\r\n1,2\r\n3,4",
    'name,quote\n"Smith, J","He said ""hi"""\n',
    'a,b\n"multi\nline",x\n"crlf\r\ninside",y\n',
    "a,b\n\n1,2\n\n\n3,4\n",
    'a,b,c\n,,\n"",x,\n',
    "a;b\n1;2,5\n",
    'x\n"a""b"\n""""\n',
    "a,b\rc,d\r",
    'h1,h2\n5",6\n',
]


def parse(text, delimiter=","):
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    return [r for r in rows if r != []]


parse_cases = [{"text": t, "delimiter": ";" if t.startswith("a;b") else ",", "records": parse(t, ";" if t.startswith("a;b") else ",")} for t in PARSE_CASES]


def split_part(n, test_size, seed, train):
    if test_size == 0:
        return list(range(n))
    n_test = math.ceil(test_size * n) if 0 < test_size < 1 else int(test_size)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    return perm[: n - n_test] if train else perm[n - n_test:]


def table(text, target, missing="drop", normalize=True, one_hot=True, test_size=0.0, seed=0, train=True):
    """datasets.CSV's pipeline (ts/data/csv.ts), independently: features, targets, names."""
    rows = parse(text)
    header, body = [h.strip() for h in rows[0]], rows[1:]
    t = header.index(target)
    feats = [k for k in range(len(header)) if k != t]
    isna = lambda r, k: r[k].strip() in NA
    body = [r for r in body if not isna(r, t)]
    if missing == "drop":
        body = [r for r in body if not any(isna(r, k) for k in feats)]
    part = [body[i] for i in split_part(len(body), test_size, seed, train)]
    train_rows = [body[i] for i in split_part(len(body), test_size, seed, True)]
    cols = []
    for k in feats:
        allv = [r[k].strip() for r in body if not isna(r, k)]
        trv = [r[k].strip() for r in train_rows if not isna(r, k)]
        if all(DECIMAL.match(v) for v in allv) and allv:
            x = torch.tensor([float(v) for v in trv], dtype=torch.float64)
            mean, std = x.mean().item(), x.std(unbiased=False).item()
            cols.append({"name": header[k], "kind": "numeric", "mean": mean, "std": std if std > 0 else 1.0, "fill": mean})
        else:
            cats = sorted(set(allv))
            counts = {c: trv.count(c) for c in cats}
            cols.append({"name": header[k], "kind": "categorical", "categories": cats, "fill": max(cats, key=lambda c: (counts[c], -cats.index(c)))})
    classes = sorted(set(r[t].strip() for r in body))
    out_rows = []
    for r in part:
        row = []
        for k, c in zip(feats, cols):
            v = c["fill"] if isna(r, k) else r[k].strip()
            if c["kind"] == "numeric":
                v = float(v)
                row.append((v - c["mean"]) / c["std"] if normalize else v)
            elif one_hot:
                row += torch.nn.functional.one_hot(torch.tensor(c["categories"].index(v)), len(c["categories"])).tolist()
            else:
                row.append(c["categories"].index(v))
        out_rows.append(row)
    names = [n for c in cols for n in ([f"{c['name']}_{v}" for v in c["categories"]] if c["kind"] == "categorical" and one_hot else [c["name"]])]
    x = torch.tensor(out_rows, dtype=torch.float64).float()
    return {
        "features": {"values": [enc_float(v, 8) for v in x.reshape(-1).tolist()], "shape": list(x.shape), "dtype": "float32"},
        "targets": [classes.index(r[t].strip()) for r in part],
        "classes": classes,
        "featureNames": names,
        "means": [enc_float(c["mean"], 12) if c["kind"] == "numeric" else None for c in cols],
        "stds": [enc_float(c["std"], 12) if c["kind"] == "numeric" else None for c in cols],
    }


TABLE = """id,height,colour,weight,label
1,1.5,red,10,a
2,1.7,"blue",12,b
3,NA,red,11,a
4,1.6,green,,b
5,1.8,blue,14,c
6,1.55,red,9,a
7,1.9,,15,c
8,1.65,blue,13,b
9,1.75,green,12.5,
10,1.45,red,8.5,a
11,2.0,green,16,c
12,1.62,blue,11.5,b
"""
table_cases = []
for opts in [
    {},
    {"testSize": 0.25, "seed": 3},
    {"testSize": 0.25, "seed": 3, "train": False},
    {"missing": "fill", "testSize": 0.25, "seed": 3},
    {"missing": "fill", "testSize": 0.25, "seed": 3, "train": False},
    {"oneHot": False, "normalize": False},
]:
    kw = {"missing": opts.get("missing", "drop"), "normalize": opts.get("normalize", True), "one_hot": opts.get("oneHot", True),
          "test_size": opts.get("testSize", 0.0), "seed": opts.get("seed", 0), "train": opts.get("train", True)}
    table_cases.append({"opts": opts, **table(TABLE, "label", **kw)})

penguins_path = os.path.join(HERE, "..", "node_modules", "@observablehq", "sample-datasets", "penguins.csv")
with open(penguins_path, encoding="utf-8") as f:
    penguins = f.read()
peng = {}
for train in [True, False]:
    r = table(penguins, "species", test_size=0.2, seed=42, train=train)
    peng["train" if train else "test"] = r

out = {"parse": parse_cases, "table": TABLE, "tables": table_cases, "penguins": peng}
path = os.path.join(HERE, "..", "tests", "fixtures", "csv.json")
with open(path, "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False)
    f.write("\n")
