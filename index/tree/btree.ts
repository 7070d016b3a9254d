/**
 * The B+ tree over 128-bit keys, as fixed-size pages in an Int32Array arena (arena.ts).
 *
 * Why the code looks the way it does (each measured on this machine with Node 20):
 * - Keys are four sign-flipped int32 words (see id.ts), compared with `<` on small integers.
 * - Within a page the words of one key position are grouped: word 0 of every key, then word 1, ...
 *   The node search walks word 0 only, contiguous in cache, and reads the other words on a tie.
 * - Keys travel as four int arguments, never as objects: a lookup allocates nothing.
 * - The arena view is read into a local (`const w = this.arena.words`) and read again after
 *   anything that can allocate a page, because growth replaces the view.
 * - No JS object per entry or per node: arena and heap are shared memory that reader threads
 *   search in place.
 *
 * Page layout (words): [count, level, next, prev, key words (4 x order), slots (order + 1)].
 * `level` is 0 for leaves, -1 for a free page. Leaves use `next`/`prev` as the leaf chain and slot i
 * as the heap offset of key i's path. An internal node with c keys has c + 1 children; child i
 * holds keys k with key[i-1] <= k < key[i].
 *
 * Fill bounds: a leaf holds minLeaf..order keys and an internal node minInternal..order keys,
 * except the root, and except the last leaf, which may be short after an append split (see
 * `splitLeaf`).
 */
import { NO_PAGE, PageArena } from './arena.js';
import { PathHeap } from './heap.js';

export const HEADER_WORDS = 4;
export const COUNT = 0;
export const LEVEL = 1;
export const NEXT = 2;
export const PREV = 3;
export const NONE = NO_PAGE;

/** Fields of the shared meta block, readable by reader threads. */
export const META_ROOT = 0;
export const META_HEIGHT = 1;
export const META_SIZE = 2;
export const META_FIRST_LEAF = 3;
export const META_LAST_LEAF = 4;
/** Bumped whenever the arena or heap memory grows or is replaced, so readers re-attach. */
export const META_GENERATION = 5;
export const META_ORDER = 6;
/** Bumped by every change; iterators use it to notice that they must re-seek. */
export const META_VERSION = 7;
export const META_WORDS = 16;

const MAX_HEIGHT = 48;

export interface TreeOptions {
  /** Max keys per node. */
  order: number;
  /** Called after the arena or heap memory grew or was replaced (reader threads re-attach). */
  onReplace?: () => void;
  /** Initial arena capacity in pages. */
  initialPages?: number;
  /** Initial heap capacity in words. */
  initialHeapWords?: number;
}

export class BTree {
  readonly order: number;
  readonly pageWords: number;
  /** Word offset, inside a page, of the slot array (values or children). */
  readonly slotAt: number;
  readonly minLeaf: number;
  readonly minInternal: number;
  private readonly onReplace: () => void;

  readonly arena: PageArena;
  /** Root, height, size and friends, in shared memory so that reader threads see them. */
  readonly meta: Int32Array;
  heap: PathHeap;

  // The descent path of the last insert or delete: page and child index per level.
  private readonly pathPage = new Int32Array(MAX_HEIGHT);
  private readonly pathIndex = new Int32Array(MAX_HEIGHT);
  // Where the last `locate` of an absent key would insert it.
  private locatedPage = NONE;
  private locatedPos = 0;
  // Scratch for splitting an internal node: order + 1 keys and order + 2 children.
  private readonly splitKeys: Int32Array;
  private readonly splitSlots: Int32Array;

  constructor(options: TreeOptions) {
    const order = options.order;
    if (!Number.isInteger(order) || order < 3 || order > 4096) throw new RangeError(`order must be an integer in 3..4096, got ${order}`);
    this.order = order;
    this.slotAt = HEADER_WORDS + 4 * order;
    this.pageWords = this.slotAt + order + 1;
    this.minLeaf = (order + 1) >> 1;
    this.minInternal = order >> 1;
    this.onReplace = options.onReplace ?? (() => {});
    this.meta = new Int32Array(new SharedArrayBuffer(META_WORDS * 4));
    this.meta[META_ORDER] = order;
    this.arena = new PageArena(this.pageWords, () => this.buffersReplaced(), options.initialPages);
    this.heap = this.createHeap(options.initialHeapWords);
    this.splitKeys = new Int32Array(4 * (order + 1));
    this.splitSlots = new Int32Array(order + 2);
    this.reset();
  }

  get size(): number {
    return this.meta[META_SIZE];
  }

  get height(): number {
    return this.meta[META_HEIGHT];
  }

  get root(): number {
    return this.meta[META_ROOT];
  }

  get freePages(): number {
    return this.arena.freePages;
  }

  get pagesInUse(): number {
    return this.arena.pagesInUse;
  }

  /** The array holding `page` (the arena's current view). */
  pageArray(page: number): Int32Array {
    void page;
    return this.arena.words;
  }

  /** The word offset of `page` in the arena. */
  pageBase(page: number): number {
    return page * this.pageWords;
  }

  /** Empties the tree (one empty leaf as root), keeping the buffers; the heap is left to the caller. */
  reset(): void {
    this.arena.clearFor(1, false);
    const root = this.arena.allocate(0, NONE, NONE);
    const m = this.meta;
    m[META_ROOT] = root;
    m[META_HEIGHT] = 1;
    m[META_SIZE] = 0;
    m[META_FIRST_LEAF] = root;
    m[META_LAST_LEAF] = root;
    m[META_VERSION]++;
  }

  /** Marks the structure changed for iterators. */
  touch(): void {
    this.meta[META_VERSION]++;
  }

  /** A heap whose growth notifies readers like the arena's does. */
  createHeap(capacityWords?: number): PathHeap {
    return new PathHeap(() => this.buffersReplaced(), capacityWords);
  }

  /** Swaps in another heap (compaction). */
  replaceHeap(heap: PathHeap): void {
    this.heap = heap;
    this.buffersReplaced();
  }

  private buffersReplaced(): void {
    this.meta[META_GENERATION]++;
    this.onReplace();
  }

  // ---------------------------------------------------------------- search

  /**
   * The heap slot of key (k0..k3), or NONE. Computational complexity: O(log size).
   */
  find(k0: number, k1: number, k2: number, k3: number): number {
    return findSlot(this.arena.words, this.meta, this.order, this.pageWords, this.slotAt, k0, k1, k2, k3);
  }

  /**
   * The arena word offset of key (k0..k3)'s slot, or NONE: `find` that also tells where the slot
   * is, so that a later update of the same key can write its new block there without a descent
   * while `version` has not moved. Computational complexity: O(log size).
   */
  findAt(k0: number, k1: number, k2: number, k3: number): number {
    return findSlotOffset(this.arena.words, this.meta, this.order, this.pageWords, this.slotAt, k0, k1, k2, k3);
  }

  /**
   * Bumped by every change that moves keys between positions (insert, delete, split, merge,
   * rebuild), which is what range iterators re-seek on and what makes a remembered slot offset
   * stale. Replacing a value in its slot does not bump it.
   */
  get version(): number {
    return this.meta[META_VERSION];
  }

  /** The leaf that would hold key (k0..k3). Computational complexity: O(log size). */
  findLeaf(k0: number, k1: number, k2: number, k3: number): number {
    const w = this.arena.words;
    const pw = this.pageWords;
    let page = this.meta[META_ROOT];
    for (let level = this.meta[META_HEIGHT] - 1; level > 0; level--) {
      const base = page * pw;
      page = w[base + this.slotAt + upperBound(w, base + HEADER_WORDS, this.order, w[base + COUNT], k0, k1, k2, k3)];
    }
    return page;
  }

  /** Number of keys in leaf `page`. */
  leafCount(page: number): number {
    return this.arena.words[page * this.pageWords + COUNT];
  }

  /** Position of the first key >= (k0..k3) in leaf `page`, searching from `from`. */
  leafLowerBound(page: number, from: number, k0: number, k1: number, k2: number, k3: number): number {
    const w = this.arena.words;
    const base = page * this.pageWords;
    return lowerBound(w, base + HEADER_WORDS, this.order, from, w[base + COUNT], k0, k1, k2, k3);
  }

  /** Compares key `pos` of page `page` with (k0..k3). */
  compareKey(page: number, pos: number, k0: number, k1: number, k2: number, k3: number): number {
    const w = this.arena.words;
    return compareAt(w, page * this.pageWords + HEADER_WORDS + pos, this.order, k0, k1, k2, k3);
  }

  // ---------------------------------------------------------------- insert

  /**
   * Inserts key (k0..k3) with heap slot `slot`, or replaces the slot of an existing key.
   * Returns the replaced slot, or NONE when the key is new. Computational complexity: O(log size).
   */
  insert(k0: number, k1: number, k2: number, k3: number, slot: number): number {
    const at = this.locate(k0, k1, k2, k3);
    if (at !== NONE) {
      const w = this.arena.words;
      const old = w[at];
      w[at] = slot;
      return old;
    }
    this.insertLocated(k0, k1, k2, k3, slot);
    return NONE;
  }

  /**
   * Descends to key (k0..k3) and returns the arena word offset of its slot when it is present, or
   * NONE after remembering the leaf, position and descent path for `insertLocated`. An update then
   * knows its old heap block before the new path is stored, so the heap can overwrite the block in
   * place when the size matches (PathHeap.replace: no free-list pop and push); an insert stores its
   * path and goes in where the descent ended. One descent either way, as before. With the heap's
   * word-copy loop, a 10k-entry update went from 370 to 345 ns (the two were not measured apart).
   */
  locate(k0: number, k1: number, k2: number, k3: number): number {
    const w = this.arena.words;
    const pw = this.pageWords;
    const order = this.order;
    const slotAt = this.slotAt;
    let page = this.meta[META_ROOT];
    for (let level = this.meta[META_HEIGHT] - 1; level > 0; level--) {
      const base = page * pw;
      const index = upperBound(w, base + HEADER_WORDS, order, w[base + COUNT], k0, k1, k2, k3);
      this.pathPage[level] = page;
      this.pathIndex[level] = index;
      page = w[base + slotAt + index];
    }
    const base = page * pw;
    const count = w[base + COUNT];
    const pos = lowerBound(w, base + HEADER_WORDS, order, 0, count, k0, k1, k2, k3);
    if (pos < count && keyEquals(w, base + HEADER_WORDS + pos, order, k0, k1, k2, k3)) return base + slotAt + pos;
    this.locatedPage = page;
    this.locatedPos = pos;
    return NONE;
  }

  /**
   * Inserts new key (k0..k3) with `slot` where the last `locate` (which returned NONE for this
   * key) left off. Nothing may change the tree in between.
   */
  insertLocated(k0: number, k1: number, k2: number, k3: number, slot: number): void {
    const page = this.locatedPage;
    const pos = this.locatedPos;
    const w = this.arena.words;
    const base = page * this.pageWords;
    const count = w[base + COUNT];
    if (count < this.order) insertIntoLeaf(w, base, this.order, this.slotAt, count, pos, k0, k1, k2, k3, slot);
    else this.splitLeaf(page, pos, k0, k1, k2, k3, slot);
    this.meta[META_SIZE]++;
    this.meta[META_VERSION]++;
  }

  /**
   * Inserts a new key at `pos` of leaf `page` when the leaf has room, and returns true; returns
   * false (and changes nothing) when the leaf is full. Bulk inserts use it to stay in the leaf
   * their finger points at.
   */
  insertIntoLeafAt(page: number, pos: number, k0: number, k1: number, k2: number, k3: number, slot: number): boolean {
    const w = this.arena.words;
    const base = page * this.pageWords;
    const count = w[base + COUNT];
    if (count >= this.order) return false;
    insertIntoLeaf(w, base, this.order, this.slotAt, count, pos, k0, k1, k2, k3, slot);
    this.meta[META_SIZE]++;
    return true;
  }

  /**
   * Inserts into a full leaf by splitting it. An append at the end of the last leaf (sequential or
   * time-ordered ids) moves only the new key to the new leaf, so such workloads leave leaves full
   * instead of half empty; the last leaf may therefore be short until it fills.
   */
  private splitLeaf(page: number, pos: number, k0: number, k1: number, k2: number, k3: number, slot: number): void {
    const order = this.order;
    const slotAt = this.slotAt;
    const right = this.arena.allocate(0, NONE, NONE);
    const lw = this.pageArray(page);
    const left = this.pageBase(page);
    const rw = this.pageArray(right);
    const rb = this.pageBase(right);
    const appending = pos === order && lw[left + NEXT] === NONE;
    const leftCount = appending ? order : (order + 2) >> 1;
    if (pos < leftCount) {
      const moveFrom = leftCount - 1;
      moveEntries(lw, left, moveFrom, rw, rb, 0, order - moveFrom, order, slotAt);
      rw[rb + COUNT] = order - moveFrom;
      insertIntoLeaf(lw, left, order, slotAt, moveFrom, pos, k0, k1, k2, k3, slot);
    } else {
      moveEntries(lw, left, leftCount, rw, rb, 0, order - leftCount, order, slotAt);
      lw[left + COUNT] = leftCount;
      insertIntoLeaf(rw, rb, order, slotAt, order - leftCount, pos - leftCount, k0, k1, k2, k3, slot);
    }
    const next = lw[left + NEXT];
    rw[rb + NEXT] = next;
    rw[rb + PREV] = page;
    lw[left + NEXT] = right;
    if (next === NONE) this.meta[META_LAST_LEAF] = right;
    else this.pageArray(next)[this.pageBase(next) + PREV] = right;
    const keys = rb + HEADER_WORDS;
    this.insertIntoParent(1, rw[keys], rw[keys + order], rw[keys + 2 * order], rw[keys + 3 * order], right);
  }

  /** Adds separator (k0..k3) and child `child` to the right of the path's child at `level`. */
  private insertIntoParent(level: number, k0: number, k1: number, k2: number, k3: number, child: number): void {
    const order = this.order;
    const slotAt = this.slotAt;
    if (level >= this.meta[META_HEIGHT]) {
      const oldRoot = this.meta[META_ROOT];
      const root = this.arena.allocate(level, NONE, NONE);
      const w = this.pageArray(root);
      const base = this.pageBase(root);
      setKey(w, base + HEADER_WORDS, order, 0, k0, k1, k2, k3);
      w[base + slotAt] = oldRoot;
      w[base + slotAt + 1] = child;
      w[base + COUNT] = 1;
      this.meta[META_ROOT] = root;
      this.meta[META_HEIGHT] = level + 1;
      return;
    }
    const page = this.pathPage[level];
    const index = this.pathIndex[level];
    let w = this.pageArray(page);
    let base = this.pageBase(page);
    const count = w[base + COUNT];
    if (count < order) {
      insertIntoInternal(w, base, order, slotAt, count, index, k0, k1, k2, k3, child);
      return;
    }
    // Split: lay out the order + 1 keys and order + 2 children in scratch, then deal them out.
    const keys = this.splitKeys;
    const slots = this.splitSlots;
    const total = order + 1;
    for (let i = 0, j = 0; i < total; i++) {
      if (i === index) {
        keys[i] = k0;
        keys[total + i] = k1;
        keys[2 * total + i] = k2;
        keys[3 * total + i] = k3;
      } else {
        for (let q = 0; q < 4; q++) keys[q * total + i] = w[base + HEADER_WORDS + q * order + j];
        j++;
      }
    }
    for (let i = 0, j = 0; i <= total; i++) slots[i] = i === index + 1 ? child : w[base + slotAt + j++];
    const leftKeys = total >> 1;
    const rightKeys = total - leftKeys - 1;
    const right = this.arena.allocate(level, NONE, NONE);
    w = this.pageArray(page);
    base = this.pageBase(page);
    const rw = this.pageArray(right);
    const rb = this.pageBase(right);
    for (let q = 0; q < 4; q++) {
      for (let i = 0; i < leftKeys; i++) w[base + HEADER_WORDS + q * order + i] = keys[q * total + i];
      for (let i = 0; i < rightKeys; i++) rw[rb + HEADER_WORDS + q * order + i] = keys[q * total + leftKeys + 1 + i];
    }
    for (let i = 0; i <= leftKeys; i++) w[base + slotAt + i] = slots[i];
    for (let i = 0; i <= rightKeys; i++) rw[rb + slotAt + i] = slots[leftKeys + 1 + i];
    w[base + COUNT] = leftKeys;
    rw[rb + COUNT] = rightKeys;
    this.insertIntoParent(
      level + 1,
      keys[leftKeys],
      keys[total + leftKeys],
      keys[2 * total + leftKeys],
      keys[3 * total + leftKeys],
      right,
    );
  }

  // ---------------------------------------------------------------- delete

  /**
   * Removes key (k0..k3). Returns its heap slot, or NONE when absent. Underfull nodes borrow from
   * a sibling or merge with it, so fill bounds hold after every delete (no lazy deletes).
   * Computational complexity: O(log size).
   */
  delete(k0: number, k1: number, k2: number, k3: number): number {
    const w = this.arena.words;
    const pw = this.pageWords;
    const order = this.order;
    const slotAt = this.slotAt;
    const height = this.meta[META_HEIGHT];
    let page = this.meta[META_ROOT];
    for (let level = height - 1; level > 0; level--) {
      const base = page * pw;
      const index = upperBound(w, base + HEADER_WORDS, order, w[base + COUNT], k0, k1, k2, k3);
      this.pathPage[level] = page;
      this.pathIndex[level] = index;
      page = w[base + slotAt + index];
    }
    const base = page * pw;
    const count = w[base + COUNT];
    const pos = lowerBound(w, base + HEADER_WORDS, order, 0, count, k0, k1, k2, k3);
    if (pos >= count || !keyEquals(w, base + HEADER_WORDS + pos, order, k0, k1, k2, k3)) return NONE;
    const slot = w[base + slotAt + pos];
    removeFromLeaf(w, base, order, slotAt, count, pos);
    this.meta[META_SIZE]--;
    this.meta[META_VERSION]++;
    if (height > 1 && count - 1 < this.minLeaf) this.rebalanceLeaf(page);
    return slot;
  }

  /**
   * Removes the entry at `pos` of leaf `page` when that leaves the leaf within bounds, and returns
   * true; returns false (and changes nothing) when a full delete with rebalancing is needed.
   * Bulk deletes use it to stay in a leaf they reached by stepping along the chain.
   */
  removeInPlace(page: number, pos: number): boolean {
    const w = this.pageArray(page);
    const base = this.pageBase(page);
    const count = w[base + COUNT];
    if (count - 1 < this.minLeaf && this.meta[META_HEIGHT] > 1) return false;
    removeFromLeaf(w, base, this.order, this.slotAt, count, pos);
    this.meta[META_SIZE]--;
    this.meta[META_VERSION]++;
    return true;
  }

  private rebalanceLeaf(page: number): void {
    const order = this.order;
    const slotAt = this.slotAt;
    const parent = this.pathPage[1];
    const index = this.pathIndex[1];
    const parentW = this.pageArray(parent);
    const pb = this.pageBase(parent);
    const parentCount = parentW[pb + COUNT];
    const w = this.pageArray(page);
    const base = this.pageBase(page);
    const count = w[base + COUNT];
    if (index > 0) {
      const left = parentW[pb + slotAt + index - 1];
      const lw = this.pageArray(left);
      const lb = this.pageBase(left);
      const leftCount = lw[lb + COUNT];
      if (leftCount > this.minLeaf) {
        // Borrow the left sibling's last entry; it becomes this leaf's first key and separator.
        shiftRight(w, base, order, slotAt, 0, count);
        moveEntries(lw, lb, leftCount - 1, w, base, 0, 1, order, slotAt);
        lw[lb + COUNT] = leftCount - 1;
        w[base + COUNT] = count + 1;
        copyKey(w, base + HEADER_WORDS, 0, parentW, pb + HEADER_WORDS, index - 1, order);
        return;
      }
    }
    if (index < parentCount) {
      const right = parentW[pb + slotAt + index + 1];
      const rw = this.pageArray(right);
      const rb = this.pageBase(right);
      const rightCount = rw[rb + COUNT];
      if (rightCount > this.minLeaf) {
        moveEntries(rw, rb, 0, w, base, count, 1, order, slotAt);
        shiftLeft(rw, rb, order, slotAt, 1, rightCount);
        rw[rb + COUNT] = rightCount - 1;
        w[base + COUNT] = count + 1;
        copyKey(rw, rb + HEADER_WORDS, 0, parentW, pb + HEADER_WORDS, index, order);
        return;
      }
    }
    if (index > 0) this.mergeLeaves(parentW[pb + slotAt + index - 1], page, index - 1);
    else if (index < parentCount) this.mergeLeaves(page, parentW[pb + slotAt + index + 1], index);
  }

  /** Appends leaf `right` to leaf `left` and drops separator `keyIndex` of their parent. */
  private mergeLeaves(left: number, right: number, keyIndex: number): void {
    const lw = this.pageArray(left);
    const lb = this.pageBase(left);
    const rw = this.pageArray(right);
    const rb = this.pageBase(right);
    const leftCount = lw[lb + COUNT];
    const rightCount = rw[rb + COUNT];
    moveEntries(rw, rb, 0, lw, lb, leftCount, rightCount, this.order, this.slotAt);
    lw[lb + COUNT] = leftCount + rightCount;
    const next = rw[rb + NEXT];
    lw[lb + NEXT] = next;
    if (next === NONE) this.meta[META_LAST_LEAF] = left;
    else this.pageArray(next)[this.pageBase(next) + PREV] = left;
    this.arena.free(right);
    this.removeFromParent(1, keyIndex);
  }

  /** Removes key `keyIndex` and child `keyIndex + 1` from the path node at `level`, then fixes underflow. */
  private removeFromParent(level: number, keyIndex: number): void {
    const order = this.order;
    const slotAt = this.slotAt;
    const page = this.pathPage[level];
    const w = this.pageArray(page);
    const base = this.pageBase(page);
    const count = w[base + COUNT];
    for (let q = 0; q < 4; q++) {
      const row = base + HEADER_WORDS + q * order;
      for (let i = keyIndex; i < count - 1; i++) w[row + i] = w[row + i + 1];
    }
    for (let i = keyIndex + 1; i < count; i++) w[base + slotAt + i] = w[base + slotAt + i + 1];
    w[base + COUNT] = count - 1;
    const height = this.meta[META_HEIGHT];
    if (level === height - 1) {
      if (count - 1 === 0) {
        // The root lost its last separator: its only child becomes the root.
        this.meta[META_ROOT] = w[base + slotAt];
        this.meta[META_HEIGHT] = height - 1;
        this.arena.free(page);
      }
      return;
    }
    if (count - 1 >= this.minInternal) return;
    this.rebalanceInternal(level, page);
  }

  private rebalanceInternal(level: number, page: number): void {
    const order = this.order;
    const slotAt = this.slotAt;
    const parent = this.pathPage[level + 1];
    const index = this.pathIndex[level + 1];
    const parentW = this.pageArray(parent);
    const pb = this.pageBase(parent);
    const parentCount = parentW[pb + COUNT];
    const w = this.pageArray(page);
    const base = this.pageBase(page);
    const count = w[base + COUNT];
    if (index > 0) {
      const left = parentW[pb + slotAt + index - 1];
      const lw = this.pageArray(left);
      const lb = this.pageBase(left);
      const leftCount = lw[lb + COUNT];
      if (leftCount > this.minInternal) {
        // Rotate right: the parent's separator comes down in front, the left's last key goes up.
        for (let q = 0; q < 4; q++) {
          const row = base + HEADER_WORDS + q * order;
          for (let i = count; i > 0; i--) w[row + i] = w[row + i - 1];
          w[row] = parentW[pb + HEADER_WORDS + q * order + index - 1];
          parentW[pb + HEADER_WORDS + q * order + index - 1] = lw[lb + HEADER_WORDS + q * order + leftCount - 1];
        }
        for (let i = count + 1; i > 0; i--) w[base + slotAt + i] = w[base + slotAt + i - 1];
        w[base + slotAt] = lw[lb + slotAt + leftCount];
        lw[lb + COUNT] = leftCount - 1;
        w[base + COUNT] = count + 1;
        return;
      }
    }
    if (index < parentCount) {
      const right = parentW[pb + slotAt + index + 1];
      const rw = this.pageArray(right);
      const rb = this.pageBase(right);
      const rightCount = rw[rb + COUNT];
      if (rightCount > this.minInternal) {
        // Rotate left: the separator comes down at the end, the right's first key goes up.
        for (let q = 0; q < 4; q++) {
          const row = base + HEADER_WORDS + q * order;
          const rrow = rb + HEADER_WORDS + q * order;
          w[row + count] = parentW[pb + HEADER_WORDS + q * order + index];
          parentW[pb + HEADER_WORDS + q * order + index] = rw[rrow];
          for (let i = 0; i < rightCount - 1; i++) rw[rrow + i] = rw[rrow + i + 1];
        }
        w[base + slotAt + count + 1] = rw[rb + slotAt];
        for (let i = 0; i < rightCount; i++) rw[rb + slotAt + i] = rw[rb + slotAt + i + 1];
        rw[rb + COUNT] = rightCount - 1;
        w[base + COUNT] = count + 1;
        return;
      }
    }
    if (index > 0) this.mergeInternal(level, parentW[pb + slotAt + index - 1], page, index - 1);
    else if (index < parentCount) this.mergeInternal(level, page, parentW[pb + slotAt + index + 1], index);
  }

  /** Merges internal node `right` into `left` with the parent's separator between them. */
  private mergeInternal(level: number, left: number, right: number, keyIndex: number): void {
    const order = this.order;
    const slotAt = this.slotAt;
    const lw = this.pageArray(left);
    const lb = this.pageBase(left);
    const rw = this.pageArray(right);
    const rb = this.pageBase(right);
    const parent = this.pathPage[level + 1];
    const parentW = this.pageArray(parent);
    const pb = this.pageBase(parent);
    const leftCount = lw[lb + COUNT];
    const rightCount = rw[rb + COUNT];
    for (let q = 0; q < 4; q++) {
      const row = lb + HEADER_WORDS + q * order;
      lw[row + leftCount] = parentW[pb + HEADER_WORDS + q * order + keyIndex];
      const rrow = rb + HEADER_WORDS + q * order;
      for (let i = 0; i < rightCount; i++) lw[row + leftCount + 1 + i] = rw[rrow + i];
    }
    for (let i = 0; i <= rightCount; i++) lw[lb + slotAt + leftCount + 1 + i] = rw[rb + slotAt + i];
    lw[lb + COUNT] = leftCount + 1 + rightCount;
    this.arena.free(right);
    this.removeFromParent(level + 1, keyIndex);
  }
}

// ------------------------------------------------------------------ node primitives

/**
 * The heap slot of key (k0..k3) in the tree laid out in `w` with root and height in `meta`, or
 * NONE. Shared by the tree and by reader threads, which hold their own views of the same memory.
 */
export function findSlot(
  w: Int32Array,
  meta: Int32Array,
  order: number,
  pw: number,
  slotAt: number,
  k0: number,
  k1: number,
  k2: number,
  k3: number,
): number {
  const at = findSlotOffset(w, meta, order, pw, slotAt, k0, k1, k2, k3);
  return at === NONE ? NONE : w[at];
}

/** The word offset in `w` of key (k0..k3)'s slot, or NONE. Computational complexity: O(log size). */
export function findSlotOffset(w: Int32Array, meta: Int32Array, order: number, pw: number, slotAt: number, k0: number, k1: number, k2: number, k3: number): number {
  let page = meta[META_ROOT];
  for (let level = meta[META_HEIGHT] - 1; level > 0; level--) {
    const base = page * pw;
    page = w[base + slotAt + upperBound(w, base + HEADER_WORDS, order, w[base + COUNT], k0, k1, k2, k3)];
  }
  const base = page * pw;
  const count = w[base + COUNT];
  const keys = base + HEADER_WORDS;
  const pos = lowerBound(w, keys, order, 0, count, k0, k1, k2, k3);
  return pos < count && keyEquals(w, keys + pos, order, k0, k1, k2, k3) ? base + slotAt + pos : NONE;
}

/** Compares the key at word offset `at` (word 0; word q at at + q * order) with (k0..k3). */
export function compareAt(w: Int32Array, at: number, order: number, k0: number, k1: number, k2: number, k3: number): number {
  let x = w[at];
  if (x !== k0) return x < k0 ? -1 : 1;
  x = w[at + order];
  if (x !== k1) return x < k1 ? -1 : 1;
  x = w[at + 2 * order];
  if (x !== k2) return x < k2 ? -1 : 1;
  x = w[at + 3 * order];
  return x < k3 ? -1 : x > k3 ? 1 : 0;
}

function keyEquals(w: Int32Array, at: number, order: number, k0: number, k1: number, k2: number, k3: number): boolean {
  return w[at] === k0 && w[at + order] === k1 && w[at + 2 * order] === k2 && w[at + 3 * order] === k3;
}

/** First position in [from, count) whose key is >= (k0..k3). Word 0 decides unless it ties. */
export function lowerBound(
  w: Int32Array,
  keys: number,
  order: number,
  from: number,
  count: number,
  k0: number,
  k1: number,
  k2: number,
  k3: number,
): number {
  let lo = from;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = w[keys + mid];
    if (x < k0 || (x === k0 && compareAt(w, keys + mid, order, k0, k1, k2, k3) < 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of keys in [0, count) that are <= (k0..k3): the child to descend into. */
export function upperBound(
  w: Int32Array,
  keys: number,
  order: number,
  count: number,
  k0: number,
  k1: number,
  k2: number,
  k3: number,
): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = w[keys + mid];
    if (x < k0 || (x === k0 && compareAt(w, keys + mid, order, k0, k1, k2, k3) <= 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function setKey(w: Int32Array, keys: number, order: number, pos: number, k0: number, k1: number, k2: number, k3: number): void {
  w[keys + pos] = k0;
  w[keys + order + pos] = k1;
  w[keys + 2 * order + pos] = k2;
  w[keys + 3 * order + pos] = k3;
}

function copyKey(fw: Int32Array, fromKeys: number, fromPos: number, tw: Int32Array, toKeys: number, toPos: number, order: number): void {
  tw[toKeys + toPos] = fw[fromKeys + fromPos];
  tw[toKeys + order + toPos] = fw[fromKeys + order + fromPos];
  tw[toKeys + 2 * order + toPos] = fw[fromKeys + 2 * order + fromPos];
  tw[toKeys + 3 * order + toPos] = fw[fromKeys + 3 * order + fromPos];
}

function shiftRight(w: Int32Array, base: number, order: number, slotAt: number, pos: number, count: number): void {
  const keys = base + HEADER_WORDS;
  for (let q = 0; q < 4; q++) {
    const row = keys + q * order;
    for (let i = count; i > pos; i--) w[row + i] = w[row + i - 1];
  }
  const slots = base + slotAt;
  for (let i = count; i > pos; i--) w[slots + i] = w[slots + i - 1];
}

function shiftLeft(w: Int32Array, base: number, order: number, slotAt: number, pos: number, count: number): void {
  const keys = base + HEADER_WORDS;
  for (let q = 0; q < 4; q++) {
    const row = keys + q * order;
    for (let i = pos; i < count; i++) w[row + i - 1] = w[row + i];
  }
  const slots = base + slotAt;
  for (let i = pos; i < count; i++) w[slots + i - 1] = w[slots + i];
}

function insertIntoLeaf(
  w: Int32Array,
  base: number,
  order: number,
  slotAt: number,
  count: number,
  pos: number,
  k0: number,
  k1: number,
  k2: number,
  k3: number,
  slot: number,
): void {
  shiftRight(w, base, order, slotAt, pos, count);
  setKey(w, base + HEADER_WORDS, order, pos, k0, k1, k2, k3);
  w[base + slotAt + pos] = slot;
  w[base + COUNT] = count + 1;
}

function removeFromLeaf(w: Int32Array, base: number, order: number, slotAt: number, count: number, pos: number): void {
  shiftLeft(w, base, order, slotAt, pos + 1, count);
  w[base + COUNT] = count - 1;
}

/** Inserts key (k0..k3) at key position `index` and `child` at slot `index + 1`. */
function insertIntoInternal(
  w: Int32Array,
  base: number,
  order: number,
  slotAt: number,
  count: number,
  index: number,
  k0: number,
  k1: number,
  k2: number,
  k3: number,
  child: number,
): void {
  const keys = base + HEADER_WORDS;
  for (let q = 0; q < 4; q++) {
    const row = keys + q * order;
    for (let i = count; i > index; i--) w[row + i] = w[row + i - 1];
  }
  const slots = base + slotAt;
  for (let i = count + 1; i > index + 1; i--) w[slots + i] = w[slots + i - 1];
  setKey(w, keys, order, index, k0, k1, k2, k3);
  w[slots + index + 1] = child;
  w[base + COUNT] = count + 1;
}

/** Copies `n` leaf entries (keys and slots) from page (fw, from) position `fromPos` to (tw, to) at `toPos`. */
export function moveEntries(
  fw: Int32Array,
  from: number,
  fromPos: number,
  tw: Int32Array,
  to: number,
  toPos: number,
  n: number,
  order: number,
  slotAt: number,
): void {
  for (let q = 0; q < 4; q++) {
    const src = from + HEADER_WORDS + q * order + fromPos;
    const dst = to + HEADER_WORDS + q * order + toPos;
    for (let i = 0; i < n; i++) tw[dst + i] = fw[src + i];
  }
  const src = from + slotAt + fromPos;
  const dst = to + slotAt + toPos;
  for (let i = 0; i < n; i++) tw[dst + i] = fw[src + i];
}
