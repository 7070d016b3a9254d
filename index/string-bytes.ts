/**
 * What a string a cache keeps alive costs in V8's heap (64-bit, no pointer compression, as Node
 * ships): a 16-byte header (map, hash, length), then one byte per character when every character
 * is Latin-1 or two otherwise, rounded up to 8 bytes. An estimate for reporting the caches'
 * memory (`cacheBytes`), checked against heap growth in bench:index; V8 does not expose it.
 */
// eslint-disable-next-line no-control-regex
const WIDE = /[^\u0000-\u00ff]/;

function heldStringBytes(s: string): number {
  const chars = WIDE.test(s) ? 2 * s.length : s.length;
  return (16 + chars + 7) & ~7;
}

/**
 * Bytes of a JavaScript array of string references (8 bytes a slot plus its header) and of the
 * strings it holds, each string not yet in `seen` once (and then added to it): caches that share
 * strings (a path held by the path cache and the hot-id table) count them once.
 */
export function stringArrayBytes(strings: readonly (string | undefined)[], seen: Set<string>): number {
  let bytes = 16 + 8 * strings.length;
  for (const s of strings) {
    if (s === undefined || seen.has(s)) continue;
    seen.add(s);
    bytes += heldStringBytes(s);
  }
  return bytes;
}
