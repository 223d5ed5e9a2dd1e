// A seeded random generator in JS for the data pipeline (shuffling, splits, random transforms),
// as torch.Generator is for DataLoader(generator=...) and random_split(generator=...).
// xoshiro128** seeded through splitmix32: fast, 2^128 period, the same numbers on every platform.
// Without an explicit generator, the data pipeline draws a seed from the engine's generator,
// so kd.manualSeed(n) makes shuffling and augmentation reproducible, as torch.manual_seed does.
import { randint } from "../creation.js";
import { ValueError } from "../errors.js";

export class Generator {
  #s = new Uint32Array(4);
  #seed = 0;

  constructor(seed?: number) {
    this.manualSeed(seed ?? Generator.seedFromEngine());
  }

  /** A 31-bit seed drawn from the engine's generator (advances it, as torch's loaders do). */
  static seedFromEngine(): number {
    const t = randint(0, 0x7fffffff, [1]);
    try {
      return t.dataSync()[0] >>> 0;
    } finally {
      t.dispose();
    }
  }

  /** Re-seeds; returns this (torch.Generator().manual_seed(42) reads the same). */
  manualSeed(seed: number): this {
    if (!Number.isInteger(seed) || seed < 0) throw new ValueError(`Generator.manualSeed expects a non-negative integer, got ${seed}`);
    this.#seed = seed;
    let x = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
    for (let i = 0; i < 4; i++) {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.#s.every((v) => v === 0)) this.#s[0] = 1;
    return this;
  }

  initialSeed(): number {
    return this.#seed;
  }

  /** The state (4 uint32 words), to save and restore a position in the stream (torch's get_state). */
  getState(): Uint32Array {
    return this.#s.slice();
  }

  /** Restores a state from getState(); a bad one is a ValueError and changes nothing. */
  setState(state: ArrayLike<number>): this {
    if (state === null || typeof state !== "object" || typeof state.length !== "number") {
      throw new ValueError(`Generator.setState expects the 4 words from getState(), got ${state === null ? "null" : typeof state}`);
    }
    if (state.length !== 4) throw new ValueError(`Generator.setState expects 4 words, got ${state.length}`);
    const words = Array.from(state);
    words.forEach((w, i) => {
      if (!Number.isInteger(w) || w < 0 || w > 0xffffffff) throw new ValueError(`Generator.setState: word ${i} is ${w}, not a uint32`);
    });
    // xoshiro's all-zero state only ever yields zeros, and no seed leads to it.
    if (words.every((w) => w === 0)) throw new ValueError("Generator.setState: the state words are all zero");
    this.#s.set(words);
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const r = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }

  /** A uniform number in [0, 1) with 53 bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform number in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** A uniform integer in [low, high) (randint(high) means [0, high)). */
  randint(low: number, high?: number): number {
    if (high === undefined) [low, high] = [0, low];
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
      throw new ValueError(`Generator.randint: expected integers low < high, got ${low} and ${high}`);
    }
    return low + Math.floor(this.random() * (high - low));
  }

  /** A random permutation of 0..n-1 (Fisher-Yates). */
  randperm(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0) throw new ValueError(`Generator.randperm: n must be a non-negative integer, got ${n}`);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
