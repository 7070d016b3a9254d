/**
 * The ordered iterator behind `range(from, to)`: entries with from <= id < to. A class, not a
 * generator: resuming a generator per entry measured as the largest single cost of a scan.
 * If the index changes between two steps, the next step finds its place again by key and resumes
 * after the last id it returned.
 */
import { type DocumentId, formatStoredId } from './id.js';
import { type BTree, COUNT, HEADER_WORDS, META_FIRST_LEAF, META_VERSION, NEXT, NONE } from './tree/btree.js';

export class RangeIterator implements IterableIterator<[DocumentId, string]> {
  private readonly last = new Int32Array(4);
  private hasLast = false;
  private leaf = NONE;
  private pos = 0;
  private version = -1;
  private done = false;

  constructor(
    private readonly tree: BTree,
    private readonly lower: Int32Array | undefined,
    private readonly upper: Int32Array | undefined,
  ) {}

  [Symbol.iterator](): this {
    return this;
  }

  private seek(): void {
    const tree = this.tree;
    this.version = tree.meta[META_VERSION];
    const key = this.hasLast ? this.last : this.lower;
    if (key === undefined) {
      this.leaf = tree.meta[META_FIRST_LEAF];
      this.pos = 0;
      return;
    }
    this.leaf = tree.findLeaf(key[0], key[1], key[2], key[3]);
    this.pos = tree.leafLowerBound(this.leaf, 0, key[0], key[1], key[2], key[3]);
    if (this.hasLast && this.pos < tree.leafCount(this.leaf) && tree.compareKey(this.leaf, this.pos, key[0], key[1], key[2], key[3]) === 0) this.pos++;
  }

  next(): IteratorResult<[DocumentId, string]> {
    if (this.done) return { done: true, value: undefined };
    const tree = this.tree;
    if (tree.meta[META_VERSION] !== this.version) this.seek();
    const order = tree.order;
    for (;;) {
      const w = tree.arena.words;
      const base = this.leaf * tree.pageWords;
      if (this.pos >= w[base + COUNT]) {
        this.leaf = w[base + NEXT];
        this.pos = 0;
        if (this.leaf === NONE) return this.finish();
        continue;
      }
      const at = base + HEADER_WORDS + this.pos;
      const k0 = w[at], k1 = w[at + order], k2 = w[at + 2 * order], k3 = w[at + 3 * order];
      const upper = this.upper;
      if (upper !== undefined && tree.compareKey(this.leaf, this.pos, upper[0], upper[1], upper[2], upper[3]) >= 0) return this.finish();
      const slot = w[base + tree.slotAt + this.pos];
      this.pos++;
      const last = this.last;
      last[0] = k0;
      last[1] = k1;
      last[2] = k2;
      last[3] = k3;
      this.hasLast = true;
      const heap = tree.heap;
      const path = heap.read(slot);
      let id = heap.cachedIdOf(slot);
      if (id === undefined) {
        id = formatStoredId(k0, k1, k2, k3);
        heap.cacheId(slot, id);
      }
      return { done: false, value: [id, path] };
    }
  }

  return(): IteratorResult<[DocumentId, string]> {
    return this.finish();
  }

  private finish(): IteratorResult<[DocumentId, string]> {
    this.done = true;
    return { done: true, value: undefined };
  }
}
