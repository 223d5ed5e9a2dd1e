// The small ops the op-overhead bench times, shared by its JS probes: each case makes its
// inputs once with `make(lib)` and returns `run()`, one op whose result the caller disposes (or not).
export const CASES = [
  { name: "add [4] + [4]", kd: (kd) => { const a = kd.tensor([1, 2, 3, 4]), b = kd.tensor([5, 6, 7, 8]); return () => a.add(b); },
    tf: (tf) => { const a = tf.tensor1d([1, 2, 3, 4]), b = tf.tensor1d([5, 6, 7, 8]); return () => tf.add(a, b); } },
  { name: "relu [16]", kd: (kd) => { const x = kd.randn([16]); return () => x.relu(); },
    tf: (tf) => { const x = tf.randomNormal([16]); return () => tf.relu(x); } },
  { name: "matmul 2x2 @ 2x2", kd: (kd) => { const m = kd.randn([2, 2]); return () => m.matmul(m); },
    tf: (tf) => { const m = tf.randomNormal([2, 2]); return () => tf.matMul(m, m); } },
  { name: "tensor([4]) from JS", kd: (kd) => () => kd.tensor([1, 2, 3, 4]), tf: (tf) => () => tf.tensor1d([1, 2, 3, 4]) },
  // two ops and a read back to JS: the sum's tensor is what gets disposed (the number is not a tensor)
  { name: "sum [16] + item()", kd: (kd) => { const x = kd.randn([16]); return () => { const s = x.sum(); s.item(); return s; }; },
    tf: (tf) => { const x = tf.randomNormal([16]); return () => { const s = tf.sum(x); s.dataSync(); return s; }; } },
];

/** µs per op, disposing each result: best of `reps` timed blocks of `block` ops. */
export function timeDispose(run, { block = 500, reps = 25 } = {}) {
  for (let i = 0; i < block; i++) run().dispose();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < block; i++) run().dispose();
    best = Math.min(best, (performance.now() - t0) / block);
  }
  return best * 1000;
}

/**
 * µs per op, leaving each result to the library (`scope(fn)` wraps every `every` ops: Kindling's
 * garbage collector backstop needs nothing, tf.js needs tf.tidy), yielding to the event loop every
 * `every` ops as a real loop does: best of `reps` blocks of `block` ops, the yields and the
 * collections they let run included.
 */
export async function timeNoDispose(run, { scope = (fn) => fn(), block = 10000, every = 1000, reps = 5 } = {}) {
  const once = async () => {
    const t0 = performance.now();
    for (let i = 0; i < block; i += every) {
      scope(() => { for (let j = 0; j < every; j++) run(); });
      await new Promise((r) => setImmediate(r));
    }
    return (performance.now() - t0) / block;
  };
  await once(); // warm-up
  let best = Infinity;
  for (let r = 0; r < reps; r++) best = Math.min(best, await once());
  return best * 1000;
}
