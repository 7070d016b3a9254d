/** The public contract of a primary index: document id -> path. */
import type { DocumentId } from './id.js';

/** How a bulk call applied its batch. */
export type BulkStrategy =
  | 'build' // empty tree: bottom-up build from the sorted batch
  | 'merge' // large batch: merge with the tree's entries and rebuild
  | 'sorted' // small batch: applied in key order, reusing the leaf of the previous key
  | 'empty'; // nothing to do

/** Wall-clock time of each phase of a bulk call, in milliseconds (measured with performance.now). */
export interface BulkPhases {
  /** Parsing ids and validating paths (all input, before anything changes). */
  parseMs: number;
  /** Writing paths into the byte heap. */
  encodeMs: number;
  /** Sorting the batch by key (and dropping duplicate ids). */
  sortMs: number;
  /** Changing or searching the tree. */
  applyMs: number;
  /** Turning stored paths back into strings (bulkGet). */
  decodeMs: number;
  /** Writing (and syncing) the write-ahead log record of a durable index; 0 in memory. */
  logMs: number;
}

interface BulkResultBase {
  /** Items in the input, duplicates included. */
  operations: number;
  durationMs: number;
  /** operations / duration. */
  opsPerSec: number;
  /** Change of the bytes the index holds (arena and heap capacity). */
  memoryDeltaBytes: number;
  /** Bytes of reusable scratch buffers held by bulk calls in this thread after the call. */
  scratchBytes: number;
  /** Min leaf depth / max leaf depth, measured by walking the tree after the call. */
  balanceFactor: number;
  strategy: BulkStrategy;
  phasesMs: BulkPhases;
}

export interface BulkInsertResult extends BulkResultBase {
  operation: 'bulkInsert';
  /** Ids that were not in the index before. */
  inserted: number;
  /** Ids whose path was replaced (including duplicates inside the batch). */
  updated: number;
}

export interface BulkDeleteResult extends BulkResultBase {
  operation: 'bulkDelete';
  /** Ids that were present and are now removed. */
  deleted: number;
}

export interface BulkGetResult extends BulkResultBase {
  operation: 'bulkGet';
  found: number;
  /** One answer per input id, in input order; undefined where the id is absent. */
  values: (string | undefined)[];
}

export type BulkResult = BulkInsertResult | BulkDeleteResult | BulkGetResult;

/** Structure and memory figures, all computed by walking the real tree. */
export interface TreeAnalysis {
  entries: number;
  order: number;
  /** Levels from root to leaves (1 for a tree that is a single leaf). */
  depth: number;
  internalNodes: number;
  leafNodes: number;
  /** Pages on the free list (freed by merges, reused by splits). */
  freePages: number;
  /** Mean of count / order over leaves. */
  meanLeafFill: number;
  /** Lowest count / order of any leaf. */
  minLeafFill: number;
  /** Keys held over key capacity, across all nodes. */
  fillFactor: number;
  /** Min leaf depth / max leaf depth (1.0 for a valid B+ tree). */
  balanceFactor: number;
  /** Bytes of the heap between its start and its bump pointer. */
  heapBytes: number;
  /** Bytes of freed blocks inside the heap, waiting for reuse. */
  heapFreeBytes: number;
  /** heapFreeBytes / heapBytes. */
  heapFragmentation: number;
  /** Bytes of pages in use and live heap blocks: what the entries occupy. */
  bytesUsed: number;
  /** Bytes of the arena and heap buffers: what the process holds for the index. */
  bytesAllocated: number;
  /** 16 bytes per id plus the UTF-8 bytes of every path. */
  rawBytes: number;
  /** bytesUsed / rawBytes. */
  overhead: number;
  /** bytesAllocated / rawBytes. */
  allocatedOverhead: number;
  /**
   * Bytes of the decoded-string caches, outside bytesAllocated: the hot-id table (16,384 lines) and
   * the path cache (4,096), their arrays and an estimate of the strings they keep alive. Bounded
   * (at most ~0.8 MiB of arrays plus the strings of 20k lines) whatever the size of the index.
   */
  cacheBytes: number;
}

export interface CompactResult {
  bytesAllocatedBefore: number;
  bytesAllocatedAfter: number;
  bytesUsedBefore: number;
  bytesUsedAfter: number;
  durationMs: number;
}

/** A pair as accepted by bulkInsert: [id, path]. A Map or an array of tuples both work. */
export type IdPathPair = readonly [DocumentId, string];

export interface PrimaryIndex {
  /** Number of entries. Computational complexity: O(1). */
  readonly size: number;
  /** Max keys per node of the tree. */
  readonly order: number;
  /** The path stored for `id`, or undefined. Throws INVALID_ID. O(log n). */
  get(id: DocumentId): string | undefined;
  /** Whether `id` is present. Throws INVALID_ID. O(log n). */
  has(id: DocumentId): boolean;
  /** Inserts or replaces. Returns true when `id` was new. Throws INVALID_ID / INVALID_PATH. O(log n). */
  insert(id: DocumentId, path: string): boolean;
  /** Removes `id`; returns whether it existed. Throws INVALID_ID. O(log n). */
  delete(id: DocumentId): boolean;
  /**
   * Entries with from <= id < to in id order (both bounds optional), at most `limit` of them (a
   * non-negative integer; default no limit, INVALID_ARGUMENT otherwise). A limit lets the scan
   * decode no entry it will not return. The iterator survives changes to the index between steps:
   * it resumes after the last id it returned.
   */
  range(from?: DocumentId, to?: DocumentId, limit?: number): IterableIterator<[DocumentId, string]>;
  /** Inserts or replaces many; duplicate ids in one batch: the last wins. All input is validated first. */
  bulkInsert(pairs: Iterable<IdPathPair>): BulkInsertResult;
  /** Removes many; absent ids are ignored. All input is validated first. */
  bulkDelete(ids: Iterable<DocumentId>): BulkDeleteResult;
  /** Looks up many; answers in input order. */
  bulkGet(ids: Iterable<DocumentId>): BulkGetResult;
  /** Structure and memory figures. O(n). */
  analyze(): TreeAnalysis;
  /** Rebuilds tree and heap densely and shrinks the buffers. O(n). */
  compact(): CompactResult;
}
