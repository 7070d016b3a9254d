/**
 * The ordered iterator behind `range(from, to, limit)`: entries with from <= id < to, at most
 * `limit` of them. A class, not a generator: resuming a generator per entry measured as the largest
 * single cost of a scan.
 *
 * It decodes a leaf's entries in batches (formatStoredIds, PathHeap.readMany): the two strings an
 * entry needs were ~160 of a scan's ~170 ns an entry when each was its own latin1Slice call; a
 * batch makes one call for its ids and one for its paths and cuts them with substrings. Batches
 * grow from FIRST_BATCH, doubling up to MAX_BATCH within a leaf, so that a short scan without a
 * limit decodes few entries it will not return; with a limit, a batch never passes it.
 *
 * If the index changes between two steps, the next step finds its place again by key and resumes
 * after the last id it returned (what was decoded and not yet returned is decoded again).
 */
import { type DocumentId, formatStoredIds, parseIdInto } from './id.js';
import { type BTree, COUNT, HEADER_WORDS, META_FIRST_LEAF, META_VERSION, NEXT, NONE } from './tree/btree.js';

const FIRST_BATCH = 16;
const MAX_BATCH = 256;
const DONE: IteratorResult<[DocumentId, string]> = Object.freeze({ done: true, value: undefined });

export class RangeIterator implements IterableIterator<[DocumentId, string]> {
  private readonly ids: string[] = [];
  private readonly paths: string[] = [];
  /** Entries of the current batch handed out, and in it. */
  private taken = 0;
  private filled = 0;
  /** The id returned last (re-parsed only when the index changed under the iterator). */
  private lastId: string | undefined = undefined;
  private leaf = NONE;
  /** The next position in `leaf` to decode. */
  private pos = 0;
  private version = -1;
  private batch = FIRST_BATCH;
  private done = false;

  constructor(
    private readonly tree: BTree,
    private readonly lower: Int32Array | undefined,
    private readonly upper: Int32Array | undefined,
    /** Entries still to decode before the limit (Infinity without one). */
    private left: number,
    /** Updates not yet in the heap (hot-ids.ts), written back before each batch is decoded. */
    private readonly deferred: { flushAll(): void } | null = null,
  ) {
    if (left <= 0) this.done = true;
  }

  [Symbol.iterator](): this {
    return this;
  }

  private seek(): void {
    const tree = this.tree;
    this.version = tree.meta[META_VERSION];
    this.taken = this.filled = 0;
    let key = this.lower;
    if (this.lastId !== undefined) {
      key = new Int32Array(4);
      parseIdInto(this.lastId, key, 0);
    }
    if (key === undefined) {
      this.leaf = tree.meta[META_FIRST_LEAF];
      this.pos = 0;
      return;
    }
    this.leaf = tree.findLeaf(key[0], key[1], key[2], key[3]);
    this.pos = tree.leafLowerBound(this.leaf, 0, key[0], key[1], key[2], key[3]);
    if (this.lastId !== undefined && this.pos < tree.leafCount(this.leaf) && tree.compareKey(this.leaf, this.pos, key[0], key[1], key[2], key[3]) === 0) this.pos++;
  }

  next(): IteratorResult<[DocumentId, string]> {
    if (this.done) return DONE;
    if (this.tree.meta[META_VERSION] !== this.version) {
      // What was decoded and not returned may be stale: decode again from after the last id.
      this.left += this.filled - this.taken;
      this.seek();
    }
    if (this.taken === this.filled && !this.fill()) return this.finish();
    const i = this.taken++;
    const id = this.ids[i];
    this.lastId = id;
    return { done: false, value: [id, this.paths[i]] };
  }

  /** Decodes the next batch; false at the end of the range. */
  private fill(): boolean {
    this.deferred?.flushAll();
    const tree = this.tree;
    const order = tree.order;
    for (;;) {
      if (this.left <= 0 || this.leaf === NONE) return false;
      const w = tree.arena.words;
      const base = this.leaf * tree.pageWords;
      const count = w[base + COUNT];
      if (this.pos >= count) {
        this.leaf = w[base + NEXT];
        this.pos = 0;
        continue;
      }
      const pos = this.pos;
      let n = Math.min(count - pos, this.batch, this.left);
      const upper = this.upper;
      if (upper !== undefined) {
        let inRange = 0;
        while (inRange < n && tree.compareKey(this.leaf, pos + inRange, upper[0], upper[1], upper[2], upper[3]) < 0) inRange++;
        if (inRange < n) {
          n = inRange;
          this.left = n; // the range ends inside this batch
          if (n === 0) return false;
        }
      }
      formatStoredIds(w, base + HEADER_WORDS + pos, order, n, this.ids);
      tree.heap.readMany(w, base + tree.slotAt + pos, n, this.paths);
      this.pos = pos + n;
      this.left -= n;
      this.taken = 0;
      this.filled = n;
      if (this.batch < MAX_BATCH) this.batch *= 2;
      return true;
    }
  }

  return(): IteratorResult<[DocumentId, string]> {
    return this.finish();
  }

  private finish(): IteratorResult<[DocumentId, string]> {
    this.done = true;
    // A finished iterator a caller keeps should not keep its last batch's strings alive.
    this.ids.length = 0;
    this.paths.length = 0;
    return DONE;
  }
}
