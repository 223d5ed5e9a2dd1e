// A seeded random generator in JS for the data pipeline (shuffling, splits, random transforms),
// as torch.Generator is for DataLoader(generator=...) and random_split(generator=...). It is
// torch's CPU generator: mt19937 seeded as torch.Generator().manual_seed(seed), so randperm,
// randint and random give torch's numbers for the same seed (tests/rng.test.ts), and its state
// has torch.Generator.get_state()'s 5056-byte layout.
// Without an explicit generator, the data pipeline draws from the engine's generator, so
// kd.manualSeed(n) makes shuffling and augmentation reproducible, as torch.manual_seed does.
import { randint } from "../creation.js";
import { ValueError } from "../errors.js";

const N = 624;
const M = 397;
/** Bytes in a state (getState): torch.Generator.get_state()'s size. */
export const GENERATOR_STATE_BYTES = 5056;

export class Generator {
  #mt = new Uint32Array(N);
  #left = 1;
  #next = 0;
  #seed = 0;
  /** torch's state also holds cached normals; nothing here draws normals, but states round-trip. */
  #tail = new Uint8Array(GENERATOR_STATE_BYTES - 5016);

  constructor(seed?: number) {
    this.manualSeed(seed ?? Generator.seedFromEngine());
  }

  /**
   * A 32-bit seed drawn from the engine's generator (advancing it), as torch's RandomSampler
   * seeds its own generator: the low 32 bits of one 64-bit draw (which is all mt19937 keeps).
   */
  static seedFromEngine(): number {
    // randint over 2^32 values takes torch's 64-bit path: draw % 2^32, the draw's low word.
    const t = randint(-(2 ** 31), 2 ** 31, [1]);
    try {
      return (t.dataSync()[0] + 2 ** 31) >>> 0;
    } finally {
      t.dispose();
    }
  }

  /** Re-seeds as torch's manual_seed (mt19937 from the low 32 bits); returns this. */
  manualSeed(seed: number): this {
    if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) throw new ValueError(`Generator.manualSeed expects a non-negative integer, got ${seed}`);
    this.#seed = seed;
    const mt = this.#mt;
    mt[0] = seed >>> 0;
    for (let j = 1; j < N; j++) {
      const p = mt[j - 1] ^ (mt[j - 1] >>> 30);
      mt[j] = (Math.imul(1812433253, p) + j) >>> 0;
    }
    this.#left = 1;
    this.#next = 0;
    this.#tail.fill(0);
    return this;
  }

  initialSeed(): number {
    return this.#seed;
  }

  /** The state in torch.Generator.get_state()'s layout, to save and restore a position in the stream. */
  getState(): Uint8Array {
    const b = new Uint8Array(GENERATOR_STATE_BYTES);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, BigInt(this.#seed), true);
    v.setInt32(8, this.#left, true);
    v.setInt32(12, 1, true);
    v.setBigUint64(16, BigInt(this.#next), true);
    for (let i = 0; i < N; i++) v.setUint32(24 + 8 * i, this.#mt[i], true);
    b.set(this.#tail, 5016);
    return b;
  }

  /** Restores a state from getState() (or torch's get_state()); a bad one is a ValueError and changes nothing. */
  setState(state: Uint8Array | ArrayLike<number>): this {
    if (state === null || typeof state !== "object" || typeof state.length !== "number") {
      throw new ValueError(`Generator.setState expects the bytes from getState(), got ${state === null ? "null" : typeof state}`);
    }
    if (state.length !== GENERATOR_STATE_BYTES) throw new ValueError(`Generator.setState expects ${GENERATOR_STATE_BYTES} bytes, got ${state.length}`);
    const b = new Uint8Array(GENERATOR_STATE_BYTES);
    for (let i = 0; i < b.length; i++) {
      const x = state[i];
      if (!Number.isInteger(x) || x < 0 || x > 255) throw new ValueError(`Generator.setState: byte ${i} is ${x}, not an integer in 0..255`);
      b[i] = x;
    }
    const v = new DataView(b.buffer);
    if (v.getInt32(12, true) === 0) throw new ValueError("Generator.setState: the state is not of a seeded generator (its seeded flag is 0)");
    const left = v.getInt32(8, true);
    const next = v.getBigUint64(16, true);
    if (left < 1 || left > N || next > BigInt(N)) throw new ValueError("Generator.setState: the state's position is out of range (left must be 1..624, next at most 624)");
    const mt = new Uint32Array(N);
    for (let i = 0; i < N; i++) mt[i] = v.getUint32(24 + 8 * i, true);
    // mt19937's all-zero state only ever yields zeros, and no seed leads to it.
    if (mt.every((w) => w === 0)) throw new ValueError("Generator.setState: the state words are all zero");
    this.#seed = Number(v.getBigUint64(0, true));
    this.#left = left;
    this.#next = Number(next);
    this.#mt = mt;
    this.#tail = b.slice(5016);
    return this;
  }

  /** A uniform 32-bit unsigned integer (torch's random()). */
  nextUint32(): number {
    if (--this.#left === 0) this.#twist();
    let y = this.#mt[this.#next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    return (y ^ (y >>> 18)) >>> 0;
  }

  #twist(): void {
    const s = this.#mt;
    const mix = (u: number, v: number) => (((u & 0x80000000) | (v & 0x7fffffff)) >>> 1) ^ (v & 1 ? 0x9908b0df : 0);
    for (let i = 0; i < N - M; i++) s[i] = s[i + M] ^ mix(s[i], s[i + 1]);
    for (let i = N - M; i < N - 1; i++) s[i] = s[i + M - N] ^ mix(s[i], s[i + 1]);
    s[N - 1] = s[M - 1] ^ mix(s[N - 1], s[0]);
    this.#left = N;
    this.#next = 0;
  }

  /** A uniform number in [0, 1) with 53 bits: torch.rand(1, dtype=float64, generator=g). */
  random(): number {
    const hi = this.nextUint32() & 0x1fffff; // the low 53 bits of random64 (high word first)
    const lo = this.nextUint32();
    return (hi * 2 ** 32 + lo) / 2 ** 53;
  }

  /** A uniform number in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** A uniform integer in [low, high) (randint(high) means [0, high)): torch.randint's draw % range + low. */
  randint(low: number, high?: number): number {
    if (high === undefined) [low, high] = [0, low];
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || high <= low) {
      throw new ValueError(`Generator.randint: expected integers low < high, got ${low} and ${high}`);
    }
    const range = high - low;
    if (range < 2 ** 32) return low + (this.nextUint32() % range);
    const hi = BigInt(this.nextUint32());
    const draw = (hi << 32n) | BigInt(this.nextUint32());
    return low + Number(draw % BigInt(range));
  }

  /** A random permutation of 0..n-1, as torch.randperm(n, generator=g) on CPU. */
  randperm(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0) throw new ValueError(`Generator.randperm: n must be a non-negative integer, got ${n}`);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = 0; i < n - 1; i++) {
      const j = i + (this.nextUint32() % (n - i));
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
