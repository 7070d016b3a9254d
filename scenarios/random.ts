/**
 * Seeded randomness: the same seed gives the same numbers on every machine and Node version,
 * because everything is 32-bit integer arithmetic (xoshiro128**, seeded through splitmix32).
 */
import { formatDocumentId } from '../index/index.js';

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      // splitmix32: spreads one 32-bit seed over the four state words.
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** A uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** A new generator whose stream is independent of this one's (for per-client streams). */
  fork(salt: number): Rng {
    return new Rng((this.u32() ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A random version-4 UUID from `rng`. */
export function randomUuid(rng: Rng): string {
  const w1 = ((rng.u32() & 0xffff0fff) | 0x00004000) >>> 0;
  const w2 = ((rng.u32() & 0x3fffffff) | 0x80000000) >>> 0;
  return formatDocumentId([rng.u32() | 1, w1, w2, rng.u32()]);
}

const PATH_CODES = Array.from('abcdefghijklmnopqrstuvwxyz0123456789_-', (c) => c.charCodeAt(0));
const SLASH = 47;

/**
 * A random ASCII path of `minBytes..maxBytes` bytes, shaped like a document path ("/d42/x7_k...").
 * Built from char codes as one flat string: strings grown with += are ropes that every later read
 * walks through.
 */
export function randomPath(rng: Rng, minBytes: number, maxBytes: number): string {
  const length = rng.between(minBytes, maxBytes);
  const codes: number[] = [SLASH, 100];
  for (const digit of String(rng.int(100))) codes.push(digit.charCodeAt(0));
  codes.push(SLASH);
  while (codes.length < length) codes.push(PATH_CODES[rng.int(PATH_CODES.length)]);
  codes.length = length;
  return String.fromCharCode(...codes);
}

/** Fisher–Yates shuffle in place. */
export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}
