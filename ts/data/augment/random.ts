// The random draws of the augmentations: from a data.Generator when given, else from the engine's
// generator (kd.manualSeed), calling torch's draws in torch's order (randint, rand, randperm,
// randn), so a seeded pipeline is reproducible and, where the order matches, picks torch's choices.
import { rand, randint, randn, randperm } from "../../creation.js";
import type { Tensor } from "../../tensor.js";
import type { Generator } from "../generator.js";

export interface Draws {
  /** torch.randint(low, high, (1,)). */
  int(low: number, high: number): number;
  /** torch.empty(1).uniform_(low, high) (float32 when from the engine). */
  uniform(low: number, high: number): number;
  /** torch.randperm(n). */
  perm(n: number): number[];
  /** torch.empty(n).normal_(). */
  normal(n: number): Float32Array;
}

function take<T>(t: Tensor, f: (t: Tensor) => T): T {
  try {
    return f(t);
  } finally {
    t.dispose();
  }
}

const f = Math.fround;

export function draws(gen?: Generator): Draws {
  if (gen) {
    return {
      int: (low, high) => gen.randint(low, high),
      uniform: (low, high) => gen.uniform(low, high),
      perm: (n) => Array.from(gen.randperm(n)),
      normal: (n) => {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - gen.random())) * Math.cos(2 * Math.PI * gen.random()); // Box-Muller
        return out;
      },
    };
  }
  return {
    int: (low, high) => take(randint(low, high, [1]), (t) => t.dataSync()[0]),
    uniform: (low, high) => take(rand([1]), (t) => f(f(t.dataSync()[0] * f(high - low)) + f(low))),
    perm: (n) => take(randperm(n), (t) => Array.from(t.dataSync())),
    normal: (n) => take(randn([n]), (t) => Float32Array.from(t.dataSync() as Float32Array)),
  };
}
