/**
 * What the OptimizedIndex needs from the index underneath, memory or durable: the one place that
 * tells them apart (the index and its write grouping call these, never `instanceof`).
 */
import { MemoryIndex } from '../memory-index.js';
import { DurableIndex } from '../storage/durable-index.js';
import { NONE } from '../tree/btree.js';
import type { DocumentId } from '../id.js';

export type InnerIndex = MemoryIndex | DurableIndex;

/** A group reduced to each id's last write: key words four per id, and the inserts' paths. */
export interface ParsedGroup {
  insertKeys: Int32Array;
  insertPaths: string[];
  deleteKeys: Int32Array;
}

export interface Backing {
  /** The in-memory index (a durable index's memory). */
  readonly memory: MemoryIndex;
  /** A write group is acknowledged only after an fsync (durable, `sync` or `group`). */
  readonly needsSync: boolean;
  /** Whether the id with key words `k` is stored (applied writes only). */
  has(k: Int32Array): boolean;
  insert(id: DocumentId, path: string): boolean;
  delete(id: DocumentId): boolean;
  /** Writes the group to the log (nothing in memory); false when there is nothing to log. */
  log(group: ParsedGroup): boolean;
  sync(): Promise<void>;
  syncNow(): void;
  /** Applies a logged (and, when needed, synced) group to memory. */
  apply(group: ParsedGroup): void;
  /** Makes every acknowledged write durable (an fsync when one is due); nothing in memory. */
  flush(): void;
  close(): void;
  /** Why a durable index takes no more writes, and its checkpoint failures; null in memory. */
  storageHealth(): { failure: string | null; checkpointFailures: number; lastCheckpointError: string | null } | null;
}

export function backingOf(inner: InnerIndex): Backing {
  const memory = inner instanceof DurableIndex ? inner.memory : inner;
  const tree = memory.tree;
  const has = (k: Int32Array) => tree.find(k[0], k[1], k[2], k[3]) !== NONE;
  if (inner instanceof DurableIndex) {
    return {
      memory,
      needsSync: inner.groupsNeedSync,
      has,
      insert: (id, path) => inner.insert(id, path),
      delete: (id) => inner.delete(id),
      log: (g) => inner.logGroup(g.insertKeys, g.insertPaths, g.deleteKeys),
      sync: () => inner.syncLogged(),
      syncNow: () => inner.syncLoggedNow(),
      apply: (g) => inner.applyLogged(g.insertKeys, g.insertPaths, g.deleteKeys),
      flush: () => inner.flush(),
      close: () => inner.close(),
      storageHealth: () => ({ failure: inner.failure, checkpointFailures: inner.stats.checkpointFailures, lastCheckpointError: inner.stats.lastCheckpointError }),
    };
  }
  return {
    memory,
    needsSync: false,
    has,
    insert: (id, path) => inner.insert(id, path),
    delete: (id) => inner.delete(id),
    log: () => true,
    sync: () => Promise.resolve(),
    syncNow: () => {},
    apply: (g) => inner.applyParsedGroup(g.insertKeys, g.insertPaths, g.deleteKeys),
    flush: () => {},
    close: () => {},
    storageHealth: () => null,
  };
}
