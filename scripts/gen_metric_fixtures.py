# References for the stateful metrics (tests/metrics-stateful.test.ts): scikit-learn's scores on
# logits of 4 classes split into 3 batches; the test feeds the batches to update() one by one.
import json
import os

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score

rng = np.random.default_rng(7)
n, k = 50, 4
target = rng.integers(0, k, n)
logits = rng.normal(size=(n, k)).astype(np.float32)
logits[np.arange(n), target] += 0.8  # better than chance
pred = logits.argmax(1)
out = {
    "num_classes": k,
    "batches": [[0, 16], [16, 32], [32, 50]],
    "logits": logits.tolist(),
    "target": target.tolist(),
    "accuracy_micro": accuracy_score(target, pred),
    "accuracy_macro": balanced_accuracy_score(target, pred),  # mean per-class recall
    "f1_macro": f1_score(target, pred, average="macro"),
    "f1_micro": f1_score(target, pred, average="micro"),
    "confusion": confusion_matrix(target, pred, labels=list(range(k))).tolist(),
    "batch0_accuracy_micro": accuracy_score(target[:16], pred[:16]),
}
path = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "metrics-stateful.json")
with open(path, "w") as f:
    json.dump(out, f)
    f.write("\n")
