// Imported inside a kd.worker by tests/worker.test.ts (spawn({ imports })): registers a model
// factory and datasets that end the worker, the way a user's module registers its own.
// "kindling" here is the built dist/index.js (the package importing itself), as in the worker.
import * as kd from "kindling";

kd.worker.registerModel("small-mlp", (hidden = 16) =>
  new kd.nn.Sequential(new kd.nn.Flatten(), new kd.nn.Linear(784, hidden), new kd.nn.ReLU(), new kd.nn.Linear(hidden, 10)));

// A typed error of the user's own, unknown to the caller: it must arrive as its nearest known
// ancestor (kd.ValueError) with its own name and fields.
class QuotaError extends kd.ValueError {
  name = "QuotaError";
  quota = 5;
}
kd.worker.registerModel("over-quota", () => {
  throw new QuotaError("model quota of 5 reached");
});

// Items are blank 28x28 images; after `after` items the worker exits with `code`, throws an
// error nobody catches (mode "throw"), or fills its JS heap (mode "hog"), as a failing data source would.
kd.worker.registerDataset("dies-after", ({ after = 64, mode = "exit", code = 3 } = {}) => {
  let served = 0;
  return {
    length: 100_000,
    getItem(i) {
      if (++served > after) {
        if (mode === "exit") process.exit(code);
        if (mode === "hog") for (const hoard = []; ; ) hoard.push(new Array(1 << 20).fill(served));
        setTimeout(() => { throw new Error("boom from the data source"); });
      }
      return [kd.zeros([1, 28, 28]), i % 10];
    },
  };
});

// Returns a copy of its input whatever the dtype: tests/worker-dtypes.test.ts sends tensors of
// every dtype through predict() and back.
class Echo extends kd.nn.Module {
  forward(x) { return x.clone(); }
}
kd.worker.registerModel("echo", () => new Echo());
