/**
 * Bulk algorithms on a BTree, over sorted stride-5 rows (four key words, one payload word).
 *
 * - `buildFromRows`: bottom-up build. Leaves are written left to right, full but evenly dealt so
 *   that every leaf meets the fill bound, then each internal level from the one below.
 * - `mergeRows` / `filterRows`: when a batch is a large share of the tree, merging it with the
 *   tree's rows and rebuilding is O(n + k) sequential work, cheaper than k descents.
 * - `insertSortedRows` / `deleteSortedRows` / `probeSortedRows`: otherwise the batch is applied in
 *   key order, reusing the leaf found for the previous key (a "finger") instead of descending
 *   from the root each time.
 */
import {
  type BTree,
  COUNT,
  HEADER_WORDS,
  META_FIRST_LEAF,
  META_HEIGHT,
  META_LAST_LEAF,
  META_ROOT,
  META_SIZE,
  NEXT,
  NONE,
  compareAt,
  lowerBound,
  upperBound,
} from './btree.js';
import { STRIDE, compareRows } from './sort.js';
import { growRows } from './scratch.js';

/** Pages a bottom-up build of `n` entries needs: leaves plus every internal level. */
export function pagesForBuild(n: number, order: number): number {
  let nodes = Math.max(1, Math.ceil(n / order));
  let total = nodes;
  while (nodes > 1) {
    nodes = Math.ceil(nodes / (order + 1));
    total += nodes;
  }
  return total;
}

/**
 * Replaces the whole tree with rows [0, n) of `rows`, which must be sorted with unique keys; the
 * payload words become the leaf slots. The arena is resized to exactly the pages needed when it
 * is too small, or when `exact` asks for it (compaction). Computational complexity: O(n).
 */
export function buildFromRows(tree: BTree, rows: Int32Array, n: number, exact = false): void {
  const order = tree.order;
  const arena = tree.arena;
  arena.clearFor(pagesForBuild(n, order), exact);
  const slotAt = tree.slotAt;

  // Level rows: the first key of each node of the level being built, and its page.
  let nodes = Math.max(1, Math.ceil(n / order));
  const level = growRows('level', nodes);
  let perNode = Math.floor(n / nodes);
  let extra = n % nodes;
  let row = 0;
  let previous = NONE;
  let previousW: Int32Array | null = null;
  let previousBase = 0;
  for (let node = 0; node < nodes; node++) {
    const take = perNode + (node < extra ? 1 : 0);
    const page = arena.allocate(0, NONE, previous);
    const w = tree.pageArray(page);
    const base = tree.pageBase(page);
    w[base + COUNT] = take;
    if (previousW !== null) previousW[previousBase + NEXT] = page;
    previous = page;
    previousW = w;
    previousBase = base;
    const keys = base + HEADER_WORDS;
    for (let i = 0; i < take; i++, row++) {
      const r = row * STRIDE;
      w[keys + i] = rows[r];
      w[keys + order + i] = rows[r + 1];
      w[keys + 2 * order + i] = rows[r + 2];
      w[keys + 3 * order + i] = rows[r + 3];
      w[base + slotAt + i] = rows[r + 4];
    }
    const l = node * STRIDE;
    const first = (row - take) * STRIDE;
    level[l] = rows[first];
    level[l + 1] = rows[first + 1];
    level[l + 2] = rows[first + 2];
    level[l + 3] = rows[first + 3];
    level[l + 4] = page;
  }
  const m = tree.meta;
  m[META_FIRST_LEAF] = level[4];
  m[META_LAST_LEAF] = previous;

  let height = 1;
  let children = nodes;
  while (children > 1) {
    nodes = Math.ceil(children / (order + 1));
    perNode = Math.floor(children / nodes);
    extra = children % nodes;
    let child = 0;
    // The parents' first keys overwrite the level rows in place: parent i is written after its
    // children (all at positions >= i) were read.
    for (let node = 0; node < nodes; node++) {
      const take = perNode + (node < extra ? 1 : 0);
      const page = arena.allocate(height, NONE, NONE);
      const w = tree.pageArray(page);
      const base = tree.pageBase(page);
      const keys = base + HEADER_WORDS;
      const firstChild = child * STRIDE;
      const k0 = level[firstChild], k1 = level[firstChild + 1], k2 = level[firstChild + 2], k3 = level[firstChild + 3];
      for (let i = 0; i < take; i++, child++) {
        const c = child * STRIDE;
        if (i > 0) {
          w[keys + i - 1] = level[c];
          w[keys + order + i - 1] = level[c + 1];
          w[keys + 2 * order + i - 1] = level[c + 2];
          w[keys + 3 * order + i - 1] = level[c + 3];
        }
        w[base + slotAt + i] = level[c + 4];
      }
      w[base + COUNT] = take - 1;
      const l = node * STRIDE;
      level[l] = k0;
      level[l + 1] = k1;
      level[l + 2] = k2;
      level[l + 3] = k3;
      level[l + 4] = page;
    }
    children = nodes;
    height++;
  }
  m[META_ROOT] = level[4];
  m[META_HEIGHT] = height;
  m[META_SIZE] = n;
  tree.touch();
}

/** Copies every entry, in key order, into `rows` from row `at` on. Returns the count. O(n). */
export function gatherRows(tree: BTree, rows: Int32Array, at: number): number {
  const order = tree.order;
  const slotAt = tree.slotAt;
  let row = at;
  for (let page = tree.meta[META_FIRST_LEAF]; page !== NONE; ) {
    const w = tree.pageArray(page);
    const base = tree.pageBase(page);
    const keys = base + HEADER_WORDS;
    const count = w[base + COUNT];
    for (let i = 0; i < count; i++, row++) {
      const r = row * STRIDE;
      rows[r] = w[keys + i];
      rows[r + 1] = w[keys + order + i];
      rows[r + 2] = w[keys + 2 * order + i];
      rows[r + 3] = w[keys + 3 * order + i];
      rows[r + 4] = w[base + slotAt + i];
    }
    page = w[base + NEXT];
  }
  return row - at;
}

/**
 * Drops all but the last row of each run of equal keys in sorted rows [0, n), calling
 * `onDropped(payload)` for each dropped row. Returns the new count.
 */
export function dedupeSortedRows(rows: Int32Array, n: number, onDropped: (payload: number) => void): number {
  if (n < 2) return n;
  let out = 0;
  for (let i = 0; i < n; i++) {
    const r = i * STRIDE;
    if (i + 1 < n) {
      const s = r + STRIDE;
      if (rows[r] === rows[s] && rows[r + 1] === rows[s + 1] && rows[r + 2] === rows[s + 2] && rows[r + 3] === rows[s + 3]) {
        onDropped(rows[r + 4]);
        continue;
      }
    }
    if (out !== i) rows.copyWithin(out * STRIDE, r, r + STRIDE);
    out++;
  }
  return out;
}

/**
 * Merges sorted unique batch rows [0, k) into the tree by rebuilding: the tree's rows are gathered
 * behind room for the batch, then merged forward in place (the write position never passes the
 * read position). On equal keys the batch wins and `onReplaced(oldPayload)` is called.
 * Returns the number of new keys. Computational complexity: O(n + k).
 */
export function mergeRows(tree: BTree, batch: Int32Array, k: number, onReplaced: (payload: number) => void): number {
  const n = tree.size;
  const merged = growRows('merge', n + k);
  gatherRows(tree, merged, k);
  let i = 0;
  let j = k;
  const end = k + n;
  let out = 0;
  while (i < k && j < end) {
    const c = compareRows(batch, i, merged, j);
    if (c < 0) copyRow(batch, i++, merged, out++);
    else if (c > 0) copyRow(merged, j++, merged, out++);
    else {
      onReplaced(merged[j * STRIDE + 4]);
      j++;
      copyRow(batch, i++, merged, out++);
    }
  }
  while (i < k) copyRow(batch, i++, merged, out++);
  while (j < end) copyRow(merged, j++, merged, out++);
  buildFromRows(tree, merged, out);
  return out - n;
}

/**
 * Removes the keys of sorted unique rows [0, k) by filtering the tree's rows and rebuilding;
 * `onRemoved(payload)` is called for each removed entry. Returns the removed count. O(n + k).
 */
export function filterRows(tree: BTree, batch: Int32Array, k: number, onRemoved: (payload: number) => void): number {
  const n = tree.size;
  const kept = growRows('merge', n);
  gatherRows(tree, kept, 0);
  let i = 0;
  let out = 0;
  for (let j = 0; j < n; j++) {
    while (i < k && compareRows(batch, i, kept, j) < 0) i++;
    if (i < k && compareRows(batch, i, kept, j) === 0) {
      onRemoved(kept[j * STRIDE + 4]);
      i++;
      continue;
    }
    if (out !== j) copyRow(kept, j, kept, out);
    out++;
  }
  buildFromRows(tree, kept, out);
  return n - out;
}

/** Scratch for the finger's upper bound: four key words and a flag. */
const fingerBound = new Int32Array(5);

/**
 * Inserts sorted unique rows [0, k) one by one in key order. While the next key is below the
 * current leaf's upper separator it goes straight into that leaf; a split (or a key beyond the
 * bound) costs one descent from the root. On equal keys the batch wins and `onReplaced` is called.
 * Returns the number of new keys. Computational complexity: O(k log n), with most descents saved.
 */
export function insertSortedRows(tree: BTree, rows: Int32Array, k: number, onReplaced: (payload: number) => void): number {
  let leaf = NONE;
  let added = 0;
  const order = tree.order;
  const slotAt = tree.slotAt;
  for (let i = 0; i < k; i++) {
    const r = i * STRIDE;
    const k0 = rows[r], k1 = rows[r + 1], k2 = rows[r + 2], k3 = rows[r + 3], slot = rows[r + 4];
    if (leaf !== NONE && fingerBound[4] === 1 && compareAt(fingerBound, 0, 1, k0, k1, k2, k3) <= 0) leaf = NONE;
    if (leaf === NONE) leaf = descendWithBound(tree, k0, k1, k2, k3);
    const w = tree.pageArray(leaf);
    const base = tree.pageBase(leaf);
    const count = w[base + COUNT];
    const pos = lowerBound(w, base + HEADER_WORDS, order, 0, count, k0, k1, k2, k3);
    if (pos < count && compareAt(w, base + HEADER_WORDS + pos, order, k0, k1, k2, k3) === 0) {
      onReplaced(w[base + slotAt + pos]);
      w[base + slotAt + pos] = slot;
      continue;
    }
    added++;
    if (count < order) {
      tree.insertIntoLeafAt(leaf, pos, k0, k1, k2, k3, slot);
    } else {
      tree.insert(k0, k1, k2, k3, slot);
      leaf = NONE; // the split moved keys: find the leaf again for the next key
    }
  }
  tree.touch();
  return added;
}

/** Descends to the leaf for (k0..k3) and records in `fingerBound` the tightest separator above it. */
function descendWithBound(tree: BTree, k0: number, k1: number, k2: number, k3: number): number {
  const order = tree.order;
  fingerBound[4] = 0;
  let page = tree.meta[META_ROOT];
  for (let level = tree.meta[META_HEIGHT] - 1; level > 0; level--) {
    const w = tree.pageArray(page);
    const base = tree.pageBase(page);
    const count = w[base + COUNT];
    const index = upperBound(w, base + HEADER_WORDS, order, count, k0, k1, k2, k3);
    if (index < count) {
      const at = base + HEADER_WORDS + index;
      fingerBound[0] = w[at];
      fingerBound[1] = w[at + order];
      fingerBound[2] = w[at + 2 * order];
      fingerBound[3] = w[at + 3 * order];
      fingerBound[4] = 1;
    }
    page = w[base + tree.slotAt + index];
  }
  return page;
}

/** How many leaves a sorted probe steps along the chain before it descends from the root instead. */
const MAX_LEAF_STEPS = 2;

/**
 * A cursor for probes in ascending key order. Since leaves partition the keys in order, a key
 * above the current leaf's last key is either in a following leaf or absent, so the cursor steps
 * along the leaf chain and descends from the root only after a longer jump.
 */
export class SortedProbe {
  leaf = NONE;
  pos = 0;

  constructor(private readonly tree: BTree) {}

  /** Positions the cursor on (k0..k3); returns true when the key is present. */
  seek(k0: number, k1: number, k2: number, k3: number): boolean {
    const tree = this.tree;
    const order = tree.order;
    let leaf = this.leaf;
    let from = this.pos;
    if (leaf !== NONE) {
      let steps = 0;
      for (;;) {
        const w = tree.pageArray(leaf);
        const base = tree.pageBase(leaf);
        const count = w[base + COUNT];
        if (count > 0 && compareAt(w, base + HEADER_WORDS + count - 1, order, k0, k1, k2, k3) >= 0) break;
        const next = w[base + NEXT];
        if (next === NONE || ++steps > MAX_LEAF_STEPS) {
          leaf = NONE;
          break;
        }
        leaf = next;
        from = 0;
      }
    }
    if (leaf === NONE) {
      leaf = tree.findLeaf(k0, k1, k2, k3);
      from = 0;
    }
    const w = tree.pageArray(leaf);
    const base = tree.pageBase(leaf);
    const count = w[base + COUNT];
    const pos = lowerBound(w, base + HEADER_WORDS, order, from, count, k0, k1, k2, k3);
    this.leaf = leaf;
    this.pos = pos;
    return pos < count && compareAt(w, base + HEADER_WORDS + pos, order, k0, k1, k2, k3) === 0;
  }

  /** The slot under the cursor (valid after a successful seek). */
  slot(): number {
    return this.tree.pageArray(this.leaf)[this.tree.pageBase(this.leaf) + this.tree.slotAt + this.pos];
  }

  /** Forgets the position (after a structural change). */
  invalidate(): void {
    this.leaf = NONE;
    this.pos = 0;
  }
}

/**
 * Looks up sorted rows [0, k) and writes each row's slot (or NONE) into `slots[i]`.
 * Returns the number found. Computational complexity: O(k + leaves stepped), O(k log n) at worst.
 */
export function probeSortedRows(tree: BTree, rows: Int32Array, k: number, slots: Int32Array): number {
  const probe = new SortedProbe(tree);
  let found = 0;
  for (let i = 0; i < k; i++) {
    const r = i * STRIDE;
    if (probe.seek(rows[r], rows[r + 1], rows[r + 2], rows[r + 3])) {
      slots[i] = probe.slot();
      found++;
    } else {
      slots[i] = NONE;
    }
  }
  return found;
}

/**
 * Deletes the keys of sorted unique rows [0, k) in key order, stepping along leaves; a delete
 * that would underfill its leaf goes through the full delete with rebalancing. Returns the
 * number removed; `onRemoved(payload)` is called for each. Computational complexity: O(k log n).
 */
export function deleteSortedRows(tree: BTree, rows: Int32Array, k: number, onRemoved: (payload: number) => void): number {
  const probe = new SortedProbe(tree);
  let removed = 0;
  for (let i = 0; i < k; i++) {
    const r = i * STRIDE;
    const k0 = rows[r], k1 = rows[r + 1], k2 = rows[r + 2], k3 = rows[r + 3];
    if (!probe.seek(k0, k1, k2, k3)) continue;
    const slot = probe.slot();
    if (!tree.removeInPlace(probe.leaf, probe.pos)) {
      tree.delete(k0, k1, k2, k3);
      probe.invalidate();
    }
    onRemoved(slot);
    removed++;
  }
  return removed;
}

function copyRow(from: Int32Array, i: number, to: Int32Array, j: number): void {
  const x = i * STRIDE;
  const y = j * STRIDE;
  to[y] = from[x];
  to[y + 1] = from[x + 1];
  to[y + 2] = from[x + 2];
  to[y + 3] = from[x + 3];
  to[y + 4] = from[x + 4];
}
