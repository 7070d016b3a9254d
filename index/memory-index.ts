/**
 * The in-memory primary index: UUID strings and path strings at the API, a BTree of key words and
 * a byte heap of paths inside.
 */
import { IndexError } from './errors.js';
import { type DocumentId, invalidIdError, parseIdInto } from './id.js';
import { HotIds } from './hot-ids.js';
import { RangeIterator } from './range.js';
import { asArray, checkBulkId, checkLimit, checkPair } from './validate.js';
import { invalidPathError, isValidPath } from './path.js';
import { BTree, NONE } from './tree/btree.js';
import {
  buildFromRows,
  dedupeSortedRows,
  deleteSortedRows,
  filterRows,
  gatherRows,
  insertSortedRows,
  mergeRows,
  probeSortedRows,
} from './tree/bulk.js';
import type { PathHeap } from './tree/heap.js';
import type { SharedMemory } from './tree/buffers.js';
import { STRIDE, sortRows } from './tree/sort.js';
import { growInts, growRows, releaseScratch, scratchBytes } from './tree/scratch.js';
import { analyzeTree, bytesAllocated, bytesUsed, measureBalance } from './tree/analysis.js';
import type {
  BulkDeleteResult,
  BulkGetResult,
  BulkInsertResult,
  BulkPhases,
  BulkStrategy,
  CompactResult,
  IdPathPair,
  PrimaryIndex,
  TreeAnalysis,
} from './types.js';

/**
 * Default max keys per node. Measured with `npm run bench:order` at 1M random ids (individual
 * insert, get, delete and bulk insert): see the README's "Choosing the node order".
 */
export const DEFAULT_ORDER = 63;

/**
 * A bulk batch at least this share of the tree's size is applied by merging and rebuilding
 * (O(n + k)); smaller batches go key by key with a finger (O(k log n)).
 */
export const REBUILD_SHARE = 1 / 8;

export interface MemoryIndexOptions {
  /** Max keys per node (3..4096). Default 63. */
  order?: number;
  /** Expected number of entries, to size the memory up front. */
  expectedEntries?: number;
  /** Called whenever the arena or heap memory grows or is replaced; reader pools re-attach on it. */
  onBufferReplaced?: () => void;
  /**
   * Keep the hot-id table (default true): gets and updates of recently used ids skip the parse and
   * the descent, for 40 bytes of arrays and two strings a line (4 more once updated in place), one
   * line per entry up to 16,384 (see hot-ids.ts and `analyze().cacheBytes`). Off: every call
   * parses and descends.
   */
  hotIds?: boolean;
}

const key = new Int32Array(4);
const lineKey = new Int32Array(4);

/** Taken around every change when reader threads share the tree (see concurrent/pool.ts). */
export interface WriteGuard {
  acquire(): void;
  release(): void;
}

/** What a reader thread needs to search the tree: its shared memories and layout. */
export interface SharedTreeHandles {
  arena: SharedMemory;
  heap: SharedMemory;
  meta: SharedArrayBuffer;
  order: number;
  pageWords: number;
  slotAt: number;
}

/** What `MemoryIndex.counters` exposes. */
export interface TreeCounters {
  readonly size: number;
  readonly order: number;
  readonly pagesInUse: number;
  readonly heap: { readonly top: number; readonly freeWords: number };
}

function now(): number {
  return performance.now();
}

function phases(): BulkPhases {
  return { parseMs: 0, encodeMs: 0, sortMs: 0, applyMs: 0, decodeMs: 0, logMs: 0 };
}

export class MemoryIndex implements PrimaryIndex {
  /** The tree; its heap may lag behind the hot lines' deferred updates (see hot-ids.ts). */
  private readonly btree: BTree;
  private guard: WriteGuard | null = null;
  /** Hot ids straight to their blocks (see hot-ids.ts): every change below keeps it exact. */
  private readonly hot: HotIds;
  private readonly replaceListeners = new Set<() => void>();

  constructor(options: MemoryIndexOptions = {}) {
    const order = options.order ?? DEFAULT_ORDER;
    if (!Number.isInteger(order) || order < 3 || order > 4096) {
      throw new IndexError('INVALID_ARGUMENT', `order must be an integer from 3 to 4096, got ${String(order)}`);
    }
    if (options.onBufferReplaced) this.replaceListeners.add(options.onBufferReplaced);
    if (options.hotIds !== undefined && typeof options.hotIds !== 'boolean') throw new IndexError('INVALID_ARGUMENT', `hotIds must be true or false, got ${String(options.hotIds)}`);
    this.hot = new HotIds(options.hotIds ?? true, (line) => this.writeLine(line, this.hot.pathOf(line)));
    const expected = Math.max(0, Math.floor(options.expectedEntries ?? 0));
    this.btree = new BTree({
      order,
      onReplace: () => {
        for (const listener of this.replaceListeners) listener();
      },
      initialPages: Math.ceil(expected / (order * 0.69)) + 1,
      initialHeapWords: expected * 14,
    });
  }

  /**
   * @internal The tree, for invariant checks, analysis, snapshots and reader pools, with every
   * deferred update written into its heap first.
   */
  get tree(): BTree {
    this.hot.flushAll();
    return this.btree;
  }

  /**
   * @internal The tree's counters, read without writing deferred updates back: the OptimizedIndex
   * reads them every 32 writes to decide on maintenance, and going through `tree` there wrote every
   * dirty line back each time (ycsb-a with the OptimizedIndex 0.66x the bare index, against 0.9x).
   * Typed to what a deferred update cannot make wrong enough to matter (heap words lag by the
   * blocks of paths not yet written back).
   */
  get counters(): TreeCounters {
    return this.btree;
  }

  get size(): number {
    return this.btree.size;
  }

  get order(): number {
    return this.btree.order;
  }

  get heap(): PathHeap {
    return this.tree.heap;
  }

  get(id: DocumentId): string | undefined {
    const tree = this.btree;
    if (this.hot.hit(id)) return this.hot.lastPath();
    if (!parseIdInto(id, key, 0)) throw invalidIdError(id);
    // Another spelling of a hot id misses the table: its deferred update must reach the heap.
    this.hot.flushKey(key[0], key[3]);
    const at = tree.findAt(key[0], key[1], key[2], key[3]);
    if (at === NONE) return undefined;
    const block = tree.arena.words[at];
    const path = tree.heap.read(block);
    this.hot.rememberRead(id, block, path, at, tree.version, tree.size);
    return path;
  }

  has(id: DocumentId): boolean {
    if (this.hot.hit(id)) return true;
    if (!parseIdInto(id, key, 0)) throw invalidIdError(id);
    return this.btree.find(key[0], key[1], key[2], key[3]) !== NONE;
  }

  insert(id: DocumentId, path: string): boolean {
    // The hot update lives in its own method, so that an insert of a new id runs the table's
    // lookup and nothing more of it: with the update inlined, 1,000 individual inserts in a fresh
    // process (bulk-vs-individual) measured 1.4x the index before the table even with it off.
    if (this.hot.hit(id)) return this.updateHot(path);
    if (!parseIdInto(id, key, 0)) throw invalidIdError(id);
    if (!isValidPath(path)) throw invalidPathError(path);
    const tree = this.btree;
    const guard = this.guard;
    guard?.acquire();
    try {
      this.hot.flushKey(key[0], key[3]);
      // One descent (see BTree.locate): replace the value of an existing id, or store the path
      // and insert where the descent ended.
      const at = tree.locate(key[0], key[1], key[2], key[3]);
      if (at === NONE) {
        // A new key has no line to keep exact (lines hold present keys), and admitting it here
        // cost every insert a second tag and a random read of the table: a later get admits it
        // (and grows the table then, see HotIds.fitTo).
        tree.insertLocated(key[0], key[1], key[2], key[3], tree.heap.store(path));
        return true;
      }
      const w = tree.arena.words;
      const block = (w[at] = tree.heap.replace(w[at], path));
      this.hot.growFor(tree.size);
      this.hot.remember(id, block, path, at, tree.version);
      return false;
    } finally {
      guard?.release();
    }
  }

  /**
   * An update of the id of the last hit, taking neither the parse nor a descent: ycsb-a and f
   * update the ids they read.
   */
  private updateHot(path: string): boolean {
    if (!isValidPath(path)) throw invalidPathError(path);
    const guard = this.guard;
    // Alone with the tree: defer the heap write to the line (see hot-ids.ts). Reader threads read
    // the heap itself, so with them every update is written through.
    if (guard === null) {
      this.hot.deferLastPath(path);
      return false;
    }
    guard.acquire();
    try {
      this.writeLine(this.hot.lastLine, path);
      return false;
    } finally {
      guard.release();
    }
  }

  /**
   * Writes `path` into the heap for the key of hot line `line`: a path of its block's size
   * overwrites it; another size moves to a new block, written into the key's slot where the line
   * last found it if no key has moved since (the slot must still hold the old block), else found
   * again. For a write-through update, and for a deferred one written back.
   */
  private writeLine(line: number, path: string): void {
    const tree = this.btree;
    const hot = this.hot;
    const old = hot.blockOf(line);
    const block = tree.heap.replace(old, path);
    let at = hot.slotOffsetOf(line, tree.version);
    if (block !== old) {
      const w = tree.arena.words;
      if (at < 0 || w[at] !== old) {
        // Its own scratch: a write-back can run inside an operation that parsed into `key`.
        parseIdInto(hot.idOf(line), lineKey, 0);
        at = tree.findAt(lineKey[0], lineKey[1], lineKey[2], lineKey[3]);
        // A dirty line outlived its key: a caller broke the rule in hot-ids.ts. Refuse rather than
        // write a block into no slot.
        if (at === NONE) throw new Error('internal error: a deferred update lost its key (the write-back rule of hot-ids.ts)');
      }
      w[at] = block;
    }
    hot.placed(line, path, block, at, tree.version);
  }

  delete(id: DocumentId): boolean {
    if (!parseIdInto(id, key, 0)) throw invalidIdError(id);
    return this.deleteEncoded(key[0], key[1], key[2], key[3]);
  }

  range(from?: DocumentId, to?: DocumentId, limit?: number): IterableIterator<[DocumentId, string]> {
    const left = checkLimit(limit);
    const lower = new Int32Array(4);
    const upper = new Int32Array(4);
    if (from !== undefined && !parseIdInto(from, lower, 0)) throw invalidIdError(from, ' (range start)');
    if (to !== undefined && !parseIdInto(to, upper, 0)) throw invalidIdError(to, ' (range end)');
    return new RangeIterator(this.btree, from !== undefined ? lower : undefined, to !== undefined ? upper : undefined, left, this.hot);
  }

  bulkInsert(pairs: Iterable<IdPathPair>): BulkInsertResult {
    const started = now();
    const allocatedBefore = bytesAllocated(this.btree);
    const times = phases();
    const list = asArray(pairs, 'bulkInsert pairs');
    const n = list.length;
    const rows = growRows('rows', n);
    let units = 0;
    for (let i = 0; i < n; i++) units += checkPair(list[i], i, rows, i * STRIDE).length;
    times.parseMs = now() - started;

    const { strategy, inserted, updated } = this.insertRows((i) => list[i][1], n, rows, units, times);
    return { operation: 'bulkInsert', ...this.finish(n, started, allocatedBefore, strategy, times), inserted, updated };
  }

  /**
   * Stores, sorts and applies validated pairs whose key words are in `rows`, under the write
   * guard; records phase times in `times` when given. Shared by bulkInsert and group commits.
   */
  private insertRows(pathAt: (i: number) => string, n: number, rows: Int32Array, units: number, times: BulkPhases | null): { strategy: BulkStrategy; inserted: number; updated: number } {
    this.guard?.acquire();
    try {
      this.forgetRows(rows, n);
      let t = now();
      const heap = this.btree.heap;
      // UTF-16 units are a lower bound of UTF-8 bytes, so one growth step covers an ASCII batch.
      heap.reserve(Math.ceil((units + 5 * n) / 4));
      // In input order, not key order, though a range scan reads paths stored in key order faster
      // (129 against 157 ns an entry at 100k entries): storing them after the sort read the input
      // strings in random order, and a bulk insert of 1M random ids took 1,600 ns a pair against 800.
      // compact() lays the heap out in key order.
      for (let i = 0; i < n; i++) rows[i * STRIDE + 4] = heap.store(pathAt(i));
      if (times) times.encodeMs = now() - t;
      t = now();
      sortRows(rows, growRows('spare', n), n);
      const unique = dedupeSortedRows(rows, n, (slot) => heap.release(slot));
      if (times) times.sortMs = now() - t;
      t = now();
      let updated = n - unique;
      const onReplaced = (slot: number): void => {
        heap.release(slot);
        updated++;
      };
      let strategy: BulkStrategy;
      let inserted: number;
      if (unique === 0) {
        strategy = 'empty';
        inserted = 0;
      } else if (this.btree.size === 0) {
        strategy = 'build';
        buildFromRows(this.btree, rows, unique);
        inserted = unique;
      } else if (unique >= this.btree.size * REBUILD_SHARE) {
        strategy = 'merge';
        inserted = mergeRows(this.btree, rows, unique, onReplaced);
      } else {
        strategy = 'sorted';
        inserted = insertSortedRows(this.btree, rows, unique, onReplaced);
      }
      if (times) times.applyMs = now() - t;
      this.hot.fitTo(this.btree.size);
      return { strategy, inserted, updated };
    } finally {
      this.guard?.release();
    }
  }

  bulkDelete(ids: Iterable<DocumentId>): BulkDeleteResult {
    const started = now();
    const allocatedBefore = bytesAllocated(this.btree);
    const times = phases();
    const list = asArray(ids, 'bulkDelete ids');
    const n = list.length;
    const rows = this.parseIds(list, 'bulkDelete');
    times.parseMs = now() - started;
    const { strategy, deleted } = this.deleteRows(rows, n, times);
    return { operation: 'bulkDelete', ...this.finish(n, started, allocatedBefore, strategy, times), deleted };
  }

  bulkGet(ids: Iterable<DocumentId>): BulkGetResult {
    const started = now();
    const allocatedBefore = bytesAllocated(this.btree);
    const times = phases();
    const list = asArray(ids, 'bulkGet ids');
    const n = list.length;
    const rows = this.parseIds(list, 'bulkGet');
    this.hot.flushAll();
    let t = now();
    times.parseMs = t - started;
    sortRows(rows, growRows('spare', n), n);
    times.sortMs = now() - t;
    t = now();
    const slots = growInts('slots', n);
    const found = probeSortedRows(this.btree, rows, n, slots);
    times.applyMs = now() - t;
    t = now();
    const values = this.decodeFound(rows, slots, n);
    times.decodeMs = now() - t;
    return { operation: 'bulkGet', ...this.finish(n, started, allocatedBefore, 'sorted', times), found, values };
  }

  /**
   * Decodes found paths into input order. The answers are retained in the returned array, and
   * then the decode order that measured fastest at 1M here is input order (sequential writes into
   * the answer array, reads scattered over the heap): 451-486 ms against 535-577 ms in heap order
   * with scattered writes. Heap order only won for strings that are dropped at once (140-217 ms
   * against 299-337 ms), which is not what a caller of bulkGet does.
   */
  private decodeFound(rows: Int32Array, slots: Int32Array, n: number): (string | undefined)[] {
    const byInput = growInts('decode-slot', n);
    for (let i = 0; i < n; i++) byInput[rows[i * STRIDE + 4]] = slots[i];
    const heap = this.btree.heap;
    const values = new Array<string | undefined>(n);
    for (let i = 0; i < n; i++) {
      const slot = byInput[i];
      values[i] = slot === NONE ? undefined : heap.read(slot);
    }
    return values;
  }

  /** Sorts parsed ids and removes them under the write guard; records phase times in `times` when given. */
  private deleteRows(rows: Int32Array, n: number, times: BulkPhases | null): { strategy: BulkStrategy; deleted: number } {
    let t = now();
    sortRows(rows, growRows('spare', n), n);
    const unique = dedupeSortedRows(rows, n, () => {});
    if (times) times.sortMs = now() - t;
    t = now();
    const heap = this.btree.heap;
    const release = (slot: number): void => heap.release(slot);
    this.guard?.acquire();
    try {
      this.forgetRows(rows, unique);
      let result: { strategy: BulkStrategy; deleted: number };
      if (unique === 0 || this.btree.size === 0) result = { strategy: 'empty', deleted: 0 };
      else if (unique >= this.btree.size * REBUILD_SHARE) result = { strategy: 'merge', deleted: filterRows(this.btree, rows, unique, release) };
      else result = { strategy: 'sorted', deleted: deleteSortedRows(this.btree, rows, unique, release) };
      if (times) times.applyMs = now() - t;
      return result;
    } finally {
      this.guard?.release();
    }
  }

  /** Parses every id into scratch rows with its input position as payload; throws on the first bad one. */
  private parseIds(list: readonly DocumentId[], what: string): Int32Array {
    const n = list.length;
    const rows = growRows('rows', n);
    for (let i = 0; i < n; i++) {
      checkBulkId(list[i], i, what, rows, i * STRIDE);
      rows[i * STRIDE + 4] = i;
    }
    return rows;
  }

  /**
   * @internal Applies a write group of the OptimizedIndex: inserts and deletes of distinct ids
   * whose key words were parsed (and paths validated) when the writes were issued, four words per
   * id in `insertKeys` and `deleteKeys`. With the bulk algorithms but without a BulkResult:
   * measuring the balance factor walks the tree, which per small group cost more than the group.
   */
  applyParsedGroup(insertKeys: Int32Array, insertPaths: readonly string[], deleteKeys: Int32Array): void {
    const inserts = insertPaths.length;
    if (inserts > 0) {
      const rows = rowsOf(insertKeys, inserts, 'rows');
      let units = 0;
      for (let i = 0; i < inserts; i++) units += insertPaths[i].length;
      this.insertRows((i) => insertPaths[i], inserts, rows, units, null);
    }
    const deletes = deleteKeys.length >> 2;
    if (deletes > 0) this.deleteRows(rowsOf(deleteKeys, deletes, 'rows'), deletes, null);
  }

  /**
   * Forgets the hot lines of the keys in `rows` (a small group: each line) or every line (a batch
   * of at least an eighth of its lines, where one fill is about as cheap as n line clears).
   */
  private forgetRows(rows: Int32Array, n: number): void {
    if (n >= this.hot.lines / 8) {
      this.hot.forgetAll();
      return;
    }
    for (let i = 0; i < n; i++) this.hot.forgetKey(rows[i * STRIDE], rows[i * STRIDE + 3]);
  }

  private finish(n: number, started: number, allocatedBefore: number, strategy: BulkStrategy, phasesMs: BulkPhases) {
    const balanceFactor = measureBalance(this.btree);
    const durationMs = now() - started;
    return {
      operations: n,
      durationMs,
      opsPerSec: durationMs > 0 ? (n / durationMs) * 1000 : Infinity,
      memoryDeltaBytes: bytesAllocated(this.btree) - allocatedBefore,
      scratchBytes: scratchBytes(),
      balanceFactor,
      strategy,
      phasesMs,
    };
  }

  // ---------------------------------------------------------------- raw entry points
  // For the storage layer: keys as sign-flipped words, paths as UTF-8 bytes already validated or
  // read back from a checksummed file. No string is made.

  /** @internal Inserts or replaces key (k0..k3) with `length` path bytes from `source` at `offset`. */
  insertEncoded(k0: number, k1: number, k2: number, k3: number, source: Uint8Array, offset: number, length: number): boolean {
    const tree = this.btree;
    const guard = this.guard;
    guard?.acquire();
    try {
      this.hot.forgetKey(k0, k3);
      const replaced = tree.insert(k0, k1, k2, k3, tree.heap.storeBytes(source, offset, length));
      if (replaced === NONE) return true;
      tree.heap.release(replaced);
      return false;
    } finally {
      guard?.release();
    }
  }

  /** @internal Removes key (k0..k3); returns whether it existed. */
  deleteEncoded(k0: number, k1: number, k2: number, k3: number): boolean {
    const guard = this.guard;
    guard?.acquire();
    try {
      // Before the delete: a dirty line is written back while its key is still there.
      this.hot.forgetKey(k0, k3);
      const slot = this.btree.delete(k0, k1, k2, k3);
      if (slot === NONE) return false;
      this.btree.heap.release(slot);
      return true;
    } finally {
      guard?.release();
    }
  }

  /**
   * @internal Makes every change take `guard` (reader threads then never see a half-applied one);
   * null removes it. One guard at a time.
   */
  setWriteGuard(guard: WriteGuard | null): void {
    if (guard !== null && this.guard !== null) throw new IndexError('INVALID_ARGUMENT', 'this index is already shared with a reader pool');
    // Readers read the heap: from now on updates are written through.
    this.hot.flushAll();
    this.guard = guard;
  }

  /** @internal Calls `listener` whenever the arena or heap memory grows or is replaced; returns an unsubscribe. */
  onMemoryReplaced(listener: () => void): () => void {
    this.replaceListeners.add(listener);
    return () => this.replaceListeners.delete(listener);
  }

  /** @internal The shared memories and layout a reader thread needs. */
  sharedHandles(): SharedTreeHandles {
    const tree = this.tree;
    return { arena: tree.arena.handle, heap: tree.heap.handle, meta: tree.meta.buffer as SharedArrayBuffer, order: tree.order, pageWords: tree.pageWords, slotAt: tree.slotAt };
  }

  /**
   * @internal Replaces the contents of an empty index with `n` sorted, unique rows whose payload
   * words are heap blocks already stored with `heap.storeBytes` (loading a snapshot).
   */
  buildFromStoredRows(rows: Int32Array, n: number): void {
    if (this.btree.size !== 0) throw new IndexError('INVALID_ARGUMENT', 'buildFromStoredRows needs an empty index');
    this.hot.forgetAll();
    buildFromRows(this.btree, rows, n);
    this.hot.fitTo(n);
  }

  analyze(): TreeAnalysis {
    const seen = new Set<string>();
    return analyzeTree(this.tree, this.hot.bytesHeld(seen) + this.btree.heap.cacheBytesHeld(seen));
  }

  /**
   * Rebuilds the tree with full leaves into an arena of exactly the pages needed, and copies the
   * paths into a new heap in key order (so range scans then decode sequentially), dropping every
   * free block. Also releases the bulk scratch buffers.
   */
  compact(): CompactResult {
    this.guard?.acquire();
    try {
      return this.compactNow();
    } finally {
      this.guard?.release();
    }
  }

  private compactNow(): CompactResult {
    const started = now();
    const tree = this.btree;
    this.hot.forgetAll(); // every block moves (deferred updates are written back first)
    const allocatedBefore = bytesAllocated(tree);
    const usedBefore = bytesUsed(tree);
    const n = tree.size;
    this.hot.fitTo(n);
    const rows = growRows('merge', n);
    gatherRows(tree, rows, 0);
    const old = tree.heap;
    const fresh = tree.createHeap(old.liveWords);
    for (let i = 0; i < n; i++) rows[i * STRIDE + 4] = fresh.copyFrom(old, rows[i * STRIDE + 4]);
    tree.replaceHeap(fresh);
    buildFromRows(tree, rows, n, true);
    releaseScratch();
    return {
      bytesAllocatedBefore: allocatedBefore,
      bytesAllocatedAfter: bytesAllocated(tree),
      bytesUsedBefore: usedBefore,
      bytesUsedAfter: bytesUsed(tree),
      durationMs: now() - started,
    };
  }
}

/** Scratch rows (see sort.ts) holding `n` keys of four words each from `keys`. */
function rowsOf(keys: Int32Array, n: number, name: string): Int32Array {
  const rows = growRows(name, n);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < 4; q++) rows[i * STRIDE + q] = keys[4 * i + q];
  }
  return rows;
}

/** Creates an empty in-memory primary index. */
export function createMemoryIndex(options?: MemoryIndexOptions): MemoryIndex {
  return new MemoryIndex(options);
}
