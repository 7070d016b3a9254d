/**
 * What a string a cache keeps alive costs in V8's heap (64-bit, no pointer compression, as Node
 * ships): a 16-byte header (map, hash, length), then one byte per character when every character
 * is Latin-1 or two otherwise, rounded up to 8 bytes. An estimate for reporting the caches'
 * memory (`cacheBytes`), checked against heap growth in bench:index; V8 does not expose it.
 */
// eslint-disable-next-line no-control-regex
const WIDE = /[^\u0000-\u00ff]/;

export function heldStringBytes(s: string): number {
  const chars = WIDE.test(s) ? 2 * s.length : s.length;
  return (16 + chars + 7) & ~7;
}

/** Bytes of a JavaScript array of `slots` references (8 bytes each) plus its header. */
export function referenceArrayBytes(slots: number): number {
  return 16 + 8 * slots;
}
