/**
 * Document ids: UUID strings at the API, four 32-bit words inside the tree.
 *
 * Each word is stored as `u32 ^ 0x80000000` in an Int32Array. Flipping the top bit makes a
 * signed comparison give unsigned order, and keeps every value a small integer (V8 never boxes
 * it as a double) — that is what lets the node search compare keys with plain `<`.
 */
import { IndexError, describeValue } from './errors.js';

/** A UUID string such as `0191f3a2-7c4e-7b1d-9a53-1f0c2e4d5b6a`; any case on input, lowercase on output. */
export type DocumentId = string;

export const SIGN_FLIP = -0x80000000;

// Byte value of each pair of ASCII hex digits, indexed by (first code << 7) | second code; 256 marks
// a pair with a non-hex character, so that OR-ing every pair of an id tells in one test whether any
// was bad. Two digits per lookup: parsing a UUID took 44-49 ns against 71-73 ns one digit at a
// time (bench:get's parse column; 32 KiB of table).
const PAIR_VALUE = new Int16Array(1 << 14).fill(256);
{
  const digit = (code: number): number => (code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : code >= 65 && code <= 70 ? code - 55 : -1);
  for (let a = 0; a < 128; a++) {
    for (let b = 0; b < 128; b++) if (digit(a) >= 0 && digit(b) >= 0) PAIR_VALUE[(a << 7) | b] = digit(a) * 16 + digit(b);
  }
}

/** The byte spelled by two character codes, or 256 when either is not a hex digit. */
function pairValue(c: number, d: number): number {
  return (c | d) > 127 ? 256 : PAIR_VALUE[(c << 7) | d];
}

function hexPair(id: string, i: number): number {
  return pairValue(id.charCodeAt(i), id.charCodeAt(i + 1));
}

function hexPairBytes(bytes: Uint8Array, i: number): number {
  return pairValue(bytes[i], bytes[i + 1]);
}

// Where each byte's two hex digits sit in the 36-character form.
const PAIR_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/**
 * Parses `id` into `out[at..at+3]` (sign-flipped words). Returns false for anything that is not a
 * canonical 36-character UUID or is the nil UUID; never throws, so bulk paths can report the
 * first bad index themselves. Computational complexity: O(1).
 *
 * Everything stays in locals: an earlier version accumulated the bad-digit flag in a module-level
 * `let`, and the context-slot loads made a parse take ~230 ns instead of ~40 ns.
 */
export function parseIdInto(id: unknown, out: Int32Array, at: number): boolean {
  if (typeof id !== 'string' || id.length !== 36) return false;
  if (id.charCodeAt(8) !== 45 || id.charCodeAt(13) !== 45 || id.charCodeAt(18) !== 45 || id.charCodeAt(23) !== 45) {
    return false;
  }
  let a = hexPair(id, 0), b = hexPair(id, 2), c = hexPair(id, 4), d = hexPair(id, 6);
  let bad = a | b | c | d;
  const w0 = (a << 24) | (b << 16) | (c << 8) | d;
  a = hexPair(id, 9); b = hexPair(id, 11); c = hexPair(id, 14); d = hexPair(id, 16);
  bad |= a | b | c | d;
  const w1 = (a << 24) | (b << 16) | (c << 8) | d;
  a = hexPair(id, 19); b = hexPair(id, 21); c = hexPair(id, 24); d = hexPair(id, 26);
  bad |= a | b | c | d;
  const w2 = (a << 24) | (b << 16) | (c << 8) | d;
  a = hexPair(id, 28); b = hexPair(id, 30); c = hexPair(id, 32); d = hexPair(id, 34);
  bad |= a | b | c | d;
  const w3 = (a << 24) | (b << 16) | (c << 8) | d;
  if (bad > 255) return false;
  if ((w0 | w1 | w2 | w3) === 0) return false; // nil UUID
  out[at] = w0 ^ SIGN_FLIP;
  out[at + 1] = w1 ^ SIGN_FLIP;
  out[at + 2] = w2 ^ SIGN_FLIP;
  out[at + 3] = w3 ^ SIGN_FLIP;
  return true;
}

/**
 * Like parseIdInto, from 36 ASCII bytes at `from` in `bytes` (ids shipped to reader threads as
 * bytes instead of strings: making 1M strings on the other side cost ~400 ms). Any byte that is
 * not a hex digit or a dash where one belongs makes it invalid.
 */
export function parseIdBytesInto(bytes: Uint8Array, from: number, out: Int32Array, at: number): boolean {
  if (bytes[from + 8] !== 45 || bytes[from + 13] !== 45 || bytes[from + 18] !== 45 || bytes[from + 23] !== 45) return false;
  let bad = 0;
  let any = 0;
  for (let w = 0; w < 4; w++) {
    let word = 0;
    for (let j = 0; j < 4; j++) {
      const x = hexPairBytes(bytes, from + PAIR_AT[4 * w + j]);
      bad |= x;
      word = (word << 8) | x;
    }
    any |= word;
    out[at + w] = word ^ SIGN_FLIP; // written even when invalid: the caller ignores out then
  }
  return bad <= 255 && any !== 0;
}

/** The error for an id that `parseIdInto` refused, naming the value and why. */
export function invalidIdError(id: unknown, where = ''): IndexError {
  let why = 'expected a UUID like 0191f3a2-7c4e-7b1d-9a53-1f0c2e4d5b6a';
  if (typeof id === 'string' && id.length === 36 && /^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(id)) why = 'the nil UUID is not a document id';
  return new IndexError('INVALID_ID', `invalid document id ${describeValue(id)}${where}: ${why}`);
}

const scratchId = new Int32Array(4);

/** Parses a UUID into four unsigned words (big-endian order of the hex digits). Throws `INVALID_ID`. */
export function parseDocumentId(id: DocumentId): Uint32Array {
  if (!parseIdInto(id, scratchId, 0)) throw invalidIdError(id);
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++) words[i] = (scratchId[i] ^ SIGN_FLIP) >>> 0;
  return words;
}

// ASCII codes of each byte's two hex digits.
const HEX_CODES = new Uint8Array(512);
for (let b = 0; b < 256; b++) {
  const pair = b.toString(16).padStart(2, '0');
  HEX_CODES[2 * b] = pair.charCodeAt(0);
  HEX_CODES[2 * b + 1] = pair.charCodeAt(1);
}
/**
 * The four hex digits of every 16-bit value as one little-endian word (first digit in the low
 * byte), so that an id is written with 8 unaligned DataView stores instead of 32 byte stores: 5-6 ns
 * an id against 23-26 ns (random ids, so the 256 KB table is read cold). Built from HEX_CODES.
 */
const HEX4 = new Uint32Array(65536);
for (let v = 0; v < 65536; v++) {
  const high = v >>> 8;
  const low = v & 255;
  HEX4[v] = HEX_CODES[2 * high] | (HEX_CODES[2 * high + 1] << 8) | (HEX_CODES[2 * low] << 16) | (HEX_CODES[2 * low + 1] << 24);
}

/** Writes the 32 hex digits of sign-flipped stored words at byte `at` of `text` (the dashes are left as they are). */
function writeStoredId(text: DataView, at: number, w0: number, w1: number, w2: number, w3: number): void {
  const a = (w0 ^ SIGN_FLIP) >>> 0;
  const b = (w1 ^ SIGN_FLIP) >>> 0;
  const c = (w2 ^ SIGN_FLIP) >>> 0;
  const d = (w3 ^ SIGN_FLIP) >>> 0;
  text.setUint32(at, HEX4[a >>> 16], true);
  text.setUint32(at + 4, HEX4[a & 0xffff], true);
  text.setUint32(at + 9, HEX4[b >>> 16], true);
  text.setUint32(at + 14, HEX4[b & 0xffff], true);
  text.setUint32(at + 19, HEX4[c >>> 16], true);
  text.setUint32(at + 24, HEX4[c & 0xffff], true);
  text.setUint32(at + 28, HEX4[d >>> 16], true);
  text.setUint32(at + 32, HEX4[d & 0xffff], true);
}

/** A buffer of `ids` ids, dashes in place, and the DataView that writes its digits. */
function idText(ids: number): { bytes: Buffer; view: DataView } {
  const bytes = Buffer.alloc(36 * ids, 45);
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.length) };
}

interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}

/**
 * Formats sign-flipped stored words as a lowercase UUID: the hex digits go into one reused Buffer,
 * read out by `latin1Slice` as one flat string (52 ns here, against 81 ns for
 * String.fromCharCode.apply over an array of codes; concatenating 17 pieces made a rope that cost
 * 2.4 us to build and 5x longer to read back).
 */
export function formatStoredId(w0: number, w1: number, w2: number, w3: number): DocumentId {
  writeStoredId(single.view, 0, w0, w1, w2, w3);
  return (single.bytes as unknown as Latin1Slicer).latin1Slice(0, 36);
}

const single = idText(1);
// The ids of one batch side by side: grown to the largest batch formatted.
let batch = idText(64);

/**
 * Formats the `n` stored keys at columns at..at+n-1 of key words laid out in columns `stride`
 * apart (a leaf's: word j of key i at at + j * stride + i) into out[0..n). One latin1Slice for the
 * whole batch, then a substring per id: each call into latin1Slice costs ~90 ns here, most of
 * what formatting an id took alone, while a substring of a flat string is a ~8 ns slice. A slice
 * keeps its batch's string (36 bytes an id) alive while it lives.
 */
export function formatStoredIds(w: Int32Array, at: number, stride: number, n: number, out: string[]): void {
  if (36 * n > batch.bytes.length) batch = idText(n);
  const view = batch.view;
  for (let i = 0; i < n; i++) writeStoredId(view, 36 * i, w[at + i], w[at + stride + i], w[at + 2 * stride + i], w[at + 3 * stride + i]);
  const all = (batch.bytes as unknown as Latin1Slicer).latin1Slice(0, 36 * n);
  for (let i = 0; i < n; i++) out[i] = all.substring(36 * i, 36 * i + 36);
}

/** Formats four unsigned words (as returned by `parseDocumentId`) as a lowercase UUID. */
export function formatDocumentId(words: ArrayLike<number>): DocumentId {
  return formatStoredId(words[0] ^ SIGN_FLIP, words[1] ^ SIGN_FLIP, words[2] ^ SIGN_FLIP, words[3] ^ SIGN_FLIP);
}

/** The canonical lowercase form of `id`. Throws `INVALID_ID`. */
export function normalizeDocumentId(id: DocumentId): DocumentId {
  if (!parseIdInto(id, scratchId, 0)) throw invalidIdError(id);
  return formatStoredId(scratchId[0], scratchId[1], scratchId[2], scratchId[3]);
}

/** True when `id` is a valid, non-nil UUID string. */
export function isDocumentId(id: unknown): id is DocumentId {
  return parseIdInto(id, scratchId, 0);
}
