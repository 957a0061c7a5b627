/**
 * Seeded pseudo-random numbers: xoshiro128** (Blackman and Vigna, 2018), seeded through
 * SplitMix32 from a 32-bit hash of the seed.
 *
 * Seeding: a number seed is reduced to 32 bits (`seed >>> 0` of its integer part, with the
 * high bits of a fractional or large value folded in through {@link hashSeed}); a string seed is
 * hashed with 32-bit FNV-1a over its UTF-16 code units. The 32-bit value then drives SplitMix32
 * four times to fill the 128-bit state, which is never all zero. Every step uses only 32-bit
 * integer arithmetic (`Math.imul`, shifts), so the integer stream is bit-identical in every
 * JavaScript engine. `normal()` uses the Marsaglia polar method, which needs only `Math.log` and
 * `Math.sqrt`.
 *
 * @module
 */

/** A seeded source of randomness. Every random function in core takes one. */
export interface Rng {
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform unsigned 32-bit integer. */
  nextUint32(): number;
  /** Standard normal deviate, N(0, 1). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Fills `out` with N(0,1) values and returns it. */
  fillNormal(out: Float32Array): Float32Array;
  /** A new, independent generator whose seed is drawn from this one. */
  fork(): Rng;
  /** The seed a {@link createRng} call would need to make the generator {@link fork} returns next. */
  forkSeed(): number;
}

/**
 * Hashes a seed to 32 bits: FNV-1a for strings, integer folding for numbers.
 *
 * @param seed A number or string.
 * @returns An unsigned 32-bit integer.
 * @example
 * ```ts
 * import { hashSeed } from "./rng.ts";
 * hashSeed("fox") === hashSeed("fox"); // true
 * ```
 */
export function hashSeed(seed: number | string): number {
  if (typeof seed === "string") {
    let h = 0x811c9dc5;
    for (let i = 0; i < seed.length; i++) {
      h ^= seed.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
  }
  if (typeof seed !== "number" || !Number.isFinite(seed)) {
    throw new TypeError(
      `Cannot create a random generator: seed must be a finite number or a string, got ${String(seed)}`,
    );
  }
  if (Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff) return seed >>> 0;
  // Fold every bit of the float64 so that 1.5 and 1 (or 2**40 and 0) differ.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, seed);
  return (Math.imul(view.getUint32(0) ^ 0x9e3779b9, 0x85ebca6b) ^ view.getUint32(4)) >>> 0;
}

function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) >>> 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [state, (z ^ (z >>> 16)) >>> 0];
}

class Xoshiro128 implements Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spare = NaN;
  readonly #start: readonly number[];

  constructor(words: readonly number[]) {
    [this.#a, this.#b, this.#c, this.#d] = words.map((w) => w >>> 0);
    this.#start = [this.#a, this.#b, this.#c, this.#d];
  }

  /** Every draw steps the state, which returns to its start only after 2^128 - 1 steps. */
  get drawn(): boolean {
    const s = this.#start;
    return this.#a !== s[0] || this.#b !== s[1] || this.#c !== s[2] || this.#d !== s[3];
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) {
      throw new RangeError(`Cannot draw a random integer: n must be an integer in [1, 2^32], got ${n}`);
    }
    return Math.floor(this.next() * n);
  }

  normal(): number {
    if (!Number.isNaN(this.#spare)) {
      const z = this.#spare;
      this.#spare = NaN;
      return z;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spare = v * f;
    return u * f;
  }

  fillNormal(out: Float32Array): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  forkSeed(): number {
    return this.nextUint32();
  }

  fork(): Rng {
    return createRng(this.forkSeed());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Creates a seeded generator. The same seed gives the same sequence in every engine.
 *
 * @param seed A finite number or a string.
 * @returns A new {@link Rng}.
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * const a = createRng(42), b = createRng(42);
 * a.next() === b.next(); // true
 * ```
 */
export function createRng(seed: number | string): Rng {
  let s = hashSeed(seed);
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [next, out] = splitmix32(s);
    s = next;
    words.push(out);
  }
  return createRngFromState(words);
}

/**
 * Creates a generator from a raw 128-bit xoshiro128** state (four 32-bit words), as in the
 * reference implementation; for checking against published streams.
 *
 * @param words Four 32-bit words, not all zero.
 * @returns A new {@link Rng}.
 * @example
 * ```ts
 * import { createRngFromState } from "./rng.ts";
 * createRngFromState([1, 2, 3, 4]).nextUint32(); // 11520
 * ```
 */
export function createRngFromState(words: readonly number[]): Rng {
  if (words.length !== 4 || words.every((w) => (w >>> 0) === 0)) {
    throw new RangeError(
      `Cannot create a random generator: need four 32-bit words, not all zero, got [${words}]`,
    );
  }
  return new Xoshiro128(words);
}

/**
 * Whether anything was drawn from a generator since it was made: false means that what was made
 * with it is the same for every seed.
 *
 * @param rng A generator from {@link createRng} or {@link createRngFromState}.
 * @returns True once any number was drawn from it (a {@link Rng.fork} or {@link Rng.forkSeed}
 * included).
 * @example
 * ```ts
 * import { createRng, hasDrawn } from "./rng.ts";
 * const rng = createRng(1);
 * hasDrawn(rng); // false
 * rng.normal();
 * hasDrawn(rng); // true
 * ```
 */
export function hasDrawn(rng: Rng): boolean {
  if (!(rng instanceof Xoshiro128)) {
    throw new TypeError(
      `Cannot tell what was drawn: rng must be a generator from createRng(seed), got ${rng}`,
    );
  }
  return rng.drawn;
}

/**
 * Checks that `rng` is a seeded generator (from {@link createRng}): without one, an operator would
 * fail deep inside with a message that names neither itself nor the value.
 *
 * @param rng The value given as the generator.
 * @param operation What was being done, for the message ("cross over latents").
 * @example
 * ```ts
 * import { validateRng } from "./rng.ts";
 * validateRng(undefined, "cross over latents"); // throws TypeError
 * ```
 */
export function validateRng(rng: unknown, operation: string): asserts rng is Rng {
  const r = rng as Partial<Rng> | null | undefined;
  if (typeof r?.normal !== "function" || typeof r.int !== "function" || typeof r.fillNormal !== "function") {
    throw new TypeError(
      `Cannot ${operation}: rng must be a generator from createRng(seed), got ${String(rng)}`,
    );
  }
}
