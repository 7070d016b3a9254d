/**
 * Recently used entries by the caller's id string: a direct-mapped table from an id string to the
 * heap block of its path, so that a get or an update of a hot id skips the parse (58 ns at 10k
 * entries here) and the descent (94 ns). A zipfian workload asks for a few ids again and again;
 * sorted-btree answers those from nodes in L1, and this is what lets ours do the same.
 *
 * A line is found from characters 4-7 and 32-35 of the id (case-folded), which vary in v1 (time),
 * v4 (random) and v7 (milliseconds, random) UUIDs alike, and the same line is computed from the
 * key words, so that writes arriving as parsed words (log replay, write groups) forget their line.
 * A hit needs the identical string (V8 compares a string with itself by reference, another copy
 * by its characters); any other spelling misses and takes the parse. Correctness rests on one rule:
 * whoever changes the block of a key, or frees it, forgets that key's line, and anything that
 * changes many keys or moves blocks forgets every line (`forgetAll`).
 *
 * Deferred updates: an update of a hot id (no reader threads sharing the tree) only puts its
 * path in the line and marks the line dirty; the heap block keeps the old bytes until the line is
 * written back through the index's `writeBack` (MemoryIndex.writeLine). Encoding a path into the
 * heap and moving its block cost ~200 of an update's ~320 ns at 10k entries (ycsb-a), and a
 * zipfian workload writes the same ids again and again, so most of those writes never reach the
 * heap. The rule that keeps it exact:
 * a dirty line is written back before anything else reads or changes its key's block (the index
 * writes back the line of the key an operation is about to touch, and every line before a bulk
 * operation, a scan, an analysis or handing the tree to readers), and whenever it would be
 * forgotten here (`clear`, `allocate`); another key is refused the line meanwhile (`admit`). A line
 * is written back only while its key and block are intact, which is what every caller of forgetKey
 * and forgetAll guarantees (they call before the change).
 *
 * Bounded: one line per entry of the index, rounded up to a power of two, from MIN_LINE_BITS to
 * MAX_LINE_BITS lines (`fitTo`): up to that many references to id strings the caller made (the
 * index makes none here) and to paths. At a fixed 16,384 lines an empty index carried 640 KiB of
 * arrays, and an index of 1,000 entries made one at a time took 1.3x as long (the gate).
 */
import { SIGN_FLIP } from './id.js';
import { stringArrayBytes } from './string-bytes.js';

const MIN_LINE_BITS = 6;
const MIN_DIRTY_LINES = 1 << MIN_LINE_BITS;
const MAX_LINE_BITS = 14;
/**
 * Bypass: lookups are judged in windows of this many; a window with fewer than
 * BYPASS_BELOW_HITS hits (1 in 16, where a miss's extra cache line costs about what the hits
 * save at 1M entries: ~45 ns against ~600) makes the next BYPASS_LOOKUPS lookups skip the table,
 * then a window probes again. Uniform gets over 1M ids hit ~1%: with the table looked up on every
 * one they took 786 ns against 741 without it (bench:get).
 */
const WINDOW = 4096;
const BYPASS_BELOW_HITS = WINDOW / 16;
const BYPASS_LOOKUPS = 16 * WINDOW;
/**
 * A window with this many admissions refused by dirty lines writes every dirty line back (see
 * `admit`): one in 16 lookups kept from a line. ycsb-a at 10k refuses ~1 in 55 and never reaches it.
 */
const FLUSH_AT_REFUSALS = WINDOW / 16;

/** A 32-bit tag of four character codes of characters 4-7 (`a`) and 32-35 (`b`), case-folded. */
function tagOfCodes(a: number, b: number): number {
  return a ^ Math.imul(b, 0x85ebca6b);
}

/** The line of a tag in a table of 2^(32 - shift) lines. */
function lineOf(tag: number, shift: number): number {
  return Math.imul(tag, 0x9e3779b1) >>> shift;
}

/** The four lowercase hex codes of the low 16 bits of `u`, packed as tagOfCodes wants them. */
function codesOfLow16(u: number): number {
  const code = (nibble: number): number => (nibble < 10 ? 48 + nibble : 87 + nibble);
  return (code((u >>> 12) & 15) << 24) | (code((u >>> 8) & 15) << 16) | (code((u >>> 4) & 15) << 8) | code(u & 15);
}

/**
 * Two empty string slots per line, made one way only: the table's arrays are replaced when it
 * resizes, and an array of another elements kind (a `[]` literal) there made V8 generalize the
 * field and slowed every get after a resize.
 */
function emptyStrings(lines: number): (string | undefined)[] {
  return new Array<string | undefined>(2 * lines).fill(undefined);
}

function packed(id: string, i: number): number {
  // `| 32` lower-cases A-F and leaves digits alone, so every spelling of a key shares its line.
  return ((id.charCodeAt(i) | 32) << 24) | ((id.charCodeAt(i + 1) | 32) << 16) | ((id.charCodeAt(i + 2) | 32) << 8) | (id.charCodeAt(i + 3) | 32);
}

/**
 * Laid out for few cache lines per hit, which is what decides when the index shares the CPU with
 * other work: the id and its path sit side by side in one array (a get touches that pair only),
 * the numbers four to a line in another. With six separate arrays a 10k-entry ycsb-a step cost
 * 490 ns against sorted-btree's 340 when the two took turns every 2,000 operations.
 */
export class HotIds {
  /** [id, path] per line: the caller's id string and the path it holds, as a string. */
  private strings = emptyStrings(1 << MIN_LINE_BITS);
  /**
   * [block, slot offset, tree version, dirty] per line (see `remember`); dirty is 0 for a line whose
   * block holds its path, else 1 + the line's place in `dirtyLines`.
   */
  private numbers = new Int32Array(4 << MIN_LINE_BITS);
  /**
   * [tag, seen] per line, side by side (one cache line for a miss). The tag of the id the line
   * holds is checked before the strings: a miss then reads 128 KiB of tags, not the 256 KiB of
   * string references (which a large tree has pushed out of the caches). `seen`, for admission:
   * the tag of the last id looked up in the line that the line does not hold. An id is remembered
   * the second time it comes, so a lookup of an id never asked for again leaves no string behind.
   * Remembering every one made each uniform get at 1M entries keep its decoded path alive through
   * a scavenge (promoted, then collected): 1,322 ns a get against 980 without the table
   * (bench:get). A hot id pays one more miss before it hits.
   */
  private tags = new Int32Array(2 << MIN_LINE_BITS);
  /** 32 minus the bits of a line number (lineOf). */
  private shift = 32 - MIN_LINE_BITS;
  /**
   * Whether a line may hold an id (false after a resize or forgetAll until one is filled): then
   * nothing needs forgetting, and a delete or a bulk change skips the table. Without it, deletes
   * from an index never read paid the line's tag (1.08x in bulk-vs-individual at 20,000).
   */
  private filled = false;
  /** Entries past which the table grows (2^30 at its largest: never). */
  private growAbove = 1 << MIN_LINE_BITS;
  /** The id and tag of the last lookup that missed, which rememberRead reuses (see there). */
  private missId: string | undefined = undefined;
  private missTag = 0;
  /**
   * The dirty lines, in dirtyLines[0..dirtyCount): a set with O(1) removal (see `numbers`). Grown
   * as lines get dirty, so that an index nobody updates in place carries 256 bytes of it, not 4
   * a line (64 KiB at 16,384 lines, 3.5% of the bytes per entry at 10k).
   */
  private dirtyLines = new Int32Array(MIN_DIRTY_LINES);
  /** Lines whose path is not yet in the heap. */
  dirtyCount = 0;
  /** Admissions refused in this window because the line held another key's deferred update (see `admit`). */
  private windowRefusals = 0;

  /**
   * `enabled` false: no line is ever filled (MemoryIndexOptions.hotIds) and every lookup bypasses.
   * `writeBack(line)` writes a dirty line's path into the heap and then calls `placed`.
   */
  constructor(
    private readonly enabled = true,
    private readonly writeBack: (line: number) => void = () => {
      throw new Error('internal error: a hot line was deferred without a writeBack');
    },
  ) {
    if (!enabled) this.bypassLeft = Infinity;
  }

  /** The number of lines. */
  get lines(): number {
    return this.tags.length >> 1;
  }

  /**
   * Sizes the table for an index of `entries` (every line forgotten when the size changes): after
   * bulk changes and compaction, and from growFor as gets find the index grown. Called after every
   * insert instead, the doubling arrays made 1,000 individual inserts 1.2-1.5x slower
   * (bulk-vs-individual).
   */
  fitTo(entries: number): void {
    if (!this.enabled) return;
    const bits = Math.min(MAX_LINE_BITS, Math.max(MIN_LINE_BITS, 32 - Math.clz32(Math.max(1, entries - 1))));
    if (bits !== 32 - this.shift) this.allocate(bits);
  }

  /**
   * Grows the table once the index holds more than its lines (never shrinks: compaction refits).
   * Called where an id is about to be remembered, not as inserts add entries (see fitTo).
   */
  growFor(entries: number): void {
    if (entries > this.growAbove) this.fitTo(entries);
  }

  private allocate(bits: number): void {
    this.flushAll();
    const lines = 1 << bits;
    this.strings = emptyStrings(lines);
    this.numbers = new Int32Array(4 * lines);
    this.tags = new Int32Array(2 * lines);
    this.dirtyLines = new Int32Array(Math.min(MIN_DIRTY_LINES, lines));
    this.shift = 32 - bits;
    this.filled = false;
    this.growAbove = bits < MAX_LINE_BITS ? lines : 1 << 30;
  }
  /** The line of the last `hit`, which the other calls about "the last hit" read. */
  private last = 0;
  /** Lookups left in this window, and its hits; while bypassing, lookups left to skip. */
  private windowLeft = WINDOW;
  private windowHits = 0;
  private bypassLeft = 0;

  /**
   * Whether exactly this string has a line; if so it becomes the last hit. Never throws. False
   * without looking while the table is bypassed (its lines are still kept exact meanwhile).
   */
  hit(id: unknown): boolean {
    if (this.bypassLeft > 0) {
      this.bypassLeft--;
      return false;
    }
    if (--this.windowLeft === 0) this.judgeWindow();
    if (typeof id !== 'string' || id.length !== 36) return false;
    const tag = tagOfCodes(packed(id, 4), packed(id, 32));
    const line = lineOf(tag, this.shift);
    if (this.tags[2 * line] !== tag || this.strings[2 * line] !== id) {
      this.missId = id;
      this.missTag = tag;
      return false;
    }
    this.last = line;
    this.windowHits++;
    return true;
  }

  /** Whether lookups skip the table now (see WINDOW). */
  get bypassed(): boolean {
    return this.bypassLeft > 0;
  }

  private judgeWindow(): void {
    if (this.windowRefusals >= FLUSH_AT_REFUSALS) this.flushAll();
    this.windowRefusals = 0;
    if (this.windowHits < BYPASS_BELOW_HITS) this.bypassLeft = BYPASS_LOOKUPS;
    this.windowLeft = WINDOW;
    this.windowHits = 0;
  }

  /** The path of the last hit. */
  lastPath(): string {
    return this.strings[2 * this.last + 1]!;
  }

  /** The line of the last hit. */
  get lastLine(): number {
    return this.last;
  }

  /** The last hit's key now holds `path`, which is not yet in its block: the line is dirty until written back. */
  deferLastPath(path: string): void {
    const line = this.last;
    this.strings[2 * line + 1] = path;
    if (this.numbers[4 * line + 3] === 0) {
      if (this.dirtyCount === this.dirtyLines.length) this.growDirtyLines();
      this.dirtyLines[this.dirtyCount] = line;
      this.numbers[4 * line + 3] = ++this.dirtyCount;
    }
  }

  /** Doubles the dirty set's array (at most one entry per line). */
  private growDirtyLines(): void {
    const grown = new Int32Array(Math.min(2 * this.dirtyLines.length, this.lines));
    grown.set(this.dirtyLines);
    this.dirtyLines = grown;
  }

  /** Writes back every dirty line (see the class comment). */
  flushAll(): void {
    while (this.dirtyCount > 0) this.writeBack(this.dirtyLines[this.dirtyCount - 1]);
  }

  /** Writes back the line of the key with sign-flipped words w0..w3 if it is dirty (before an operation on that key). */
  flushKey(w0: number, w3: number): void {
    if (this.dirtyCount === 0) return;
    const line = this.lineOfKey(w0, w3);
    if (line >= 0 && this.numbers[4 * line + 3] !== 0) this.writeBack(line);
  }

  /** The id, path, block and slot offset (at tree version `version`, else -1) of `line`. */
  idOf(line: number): string {
    return this.strings[2 * line]!;
  }

  pathOf(line: number): string {
    return this.strings[2 * line + 1]!;
  }

  blockOf(line: number): number {
    return this.numbers[4 * line];
  }

  slotOffsetOf(line: number, version: number): number {
    const at = 4 * line;
    return this.numbers[at + 2] === version ? this.numbers[at + 1] : -1;
  }

  /**
   * `path` of the key of `line` is now in the heap, in `block`, its slot at `slotOffset` in tree
   * version `version` (by a write-through update, or a write-back, which leaves the line clean).
   */
  placed(line: number, path: string, block: number, slotOffset: number, version: number): void {
    this.setHolding(line, path, block, slotOffset, version);
    const at = 4 * line;
    if (this.numbers[at + 3] === 0) return;
    const place = this.numbers[at + 3] - 1;
    const moved = this.dirtyLines[--this.dirtyCount];
    this.dirtyLines[place] = moved;
    this.numbers[4 * moved + 3] = place + 1;
    this.numbers[at + 3] = 0;
  }

  /**
   * After a write: `id` (a valid id) now holds `path` in `block`, its slot at `slotOffset` in tree
   * version `version` (NONE and NONE when not known).
   */
  remember(id: string, block: number, path: string, slotOffset: number, version: number): void {
    if (!this.enabled) return;
    const tag = tagOfCodes(packed(id, 4), packed(id, 32));
    const line = lineOf(tag, this.shift);
    if (this.bypassLeft > 0) {
      // Not filling while bypassed, but a line still holding this key must not outlive the change.
      if (this.filled && this.tags[2 * line] === tag) this.clear(line);
      return;
    }
    this.admit(id, tag, line, block, path, slotOffset, version);
  }

  /**
   * After a get found `id` (a valid id) holding `path` in `block` (as `remember`). A read changes
   * no block, so while bypassed the lines stay exact untouched. Treated as a write, each bypassed
   * get cleared its id's line: repeated passes over 10k ids in one order never hit once (every
   * window's admissions were cleared by the bypass after it), and paid the tag on every get,
   * 360-380 ns a get against 310-330 with the table off.
   */
  rememberRead(id: string, block: number, path: string, slotOffset: number, version: number, entries: number): void {
    // Only after a lookup of this id that missed (not when the bypass ended on its lookup): its tag
    // is then at hand, and there is no branch that runs once in 65,536 lookups, whose first run
    // deoptimized get and left the next ~10,000 gets slower (bench: bulk-vs-individual at 20,000).
    if (this.bypassLeft > 0 || id !== this.missId) return;
    this.growFor(entries);
    const tag = this.missTag;
    this.admit(id, tag, lineOf(tag, this.shift), block, path, slotOffset, version);
  }

  private admit(id: string, tag: number, line: number, block: number, path: string, slotOffset: number, version: number): void {
    // Not the key the line holds (by tag), and not seen here since another was: admit it next time.
    const tags = this.tags;
    if (tags[2 * line] !== tag && tags[2 * line + 1] !== tag) {
      tags[2 * line + 1] = tag;
      return;
    }
    if (this.numbers[4 * line + 3] !== 0) {
      if (tags[2 * line] !== tag) {
        // Another key's update waits in the line: keep it, and refuse this key. Writing it back
        // to admit this key put a heap write on 1 in 4 misses and moved p99 of ycsb-a at 10k from
        // 1.5 to 1.7 us (reads of ycsb-f from 1.4 to 1.7); writing back 32 dirty lines every 32
        // refusals moved p99.9 from 2.3 to 12 us instead. A refusal costs nothing now, but a line
        // whose key is never updated again would keep its successors out, so a window of lookups
        // with many refusals (see judgeWindow) writes every dirty line back, and they give way.
        this.windowRefusals++;
        return;
      }
      // This key's line (or one of its tag) was written back when the operation began; should it
      // still be dirty, its path reaches the heap before the line is rewritten.
      this.writeBack(line);
    }
    tags[2 * line] = tag;
    this.filled = true;
    this.strings[2 * line] = id;
    this.setHolding(line, path, block, slotOffset, version);
  }

  /** What the key of `line` holds: `path` in `block`, its slot at `slotOffset` in tree version `version`. */
  private setHolding(line: number, path: string, block: number, slotOffset: number, version: number): void {
    this.strings[2 * line + 1] = path;
    const at = 4 * line;
    this.numbers[at] = block;
    this.numbers[at + 1] = slotOffset;
    this.numbers[at + 2] = version;
  }

  /** Forgets the line of the key with sign-flipped words w0..w3 (only w0 and w3 place it). */
  forgetKey(w0: number, w3: number): void {
    if (!this.filled) return;
    const line = this.lineOfKey(w0, w3);
    // Another tag: the line holds another key. Reading first spares a delete the two stores.
    if (line >= 0) this.clear(line);
  }

  /** The line whose tag is that of the key with sign-flipped words w0..w3 (only w0 and w3 place it), or -1. */
  private lineOfKey(w0: number, w3: number): number {
    const tag = tagOfCodes(codesOfLow16(w0 ^ SIGN_FLIP), codesOfLow16(w3 ^ SIGN_FLIP));
    const line = lineOf(tag, this.shift);
    return this.tags[2 * line] === tag ? line : -1;
  }

  /**
   * Forgets every line, writing back the dirty ones first: for large bulk changes, compaction and
   * anything that moves blocks, called before the change.
   */
  forgetAll(): void {
    this.flushAll();
    if (!this.filled) return;
    this.strings.fill(undefined);
    this.filled = false;
  }

  /** The table's arrays and the strings its lines hold (each string not in `seen` once), in bytes. */
  bytesHeld(seen: Set<string>): number {
    return stringArrayBytes(this.strings, seen) + this.numbers.byteLength + this.tags.byteLength + this.dirtyLines.byteLength;
  }

  /** Forgets `line`; a dirty one is written back first (its key is intact, see forgetKey's callers). */
  private clear(line: number): void {
    if (this.numbers[4 * line + 3] !== 0) this.writeBack(line);
    this.strings[2 * line] = undefined;
    this.strings[2 * line + 1] = undefined;
  }
}
