/**
 * lmdb (lmdb-js 3.x): LMDB, a memory-mapped copy-on-write B+ tree, as a peer in the job's fresh
 * directory. Reads are synchronous (`get` decodes from the map); writes are lmdb-js's async
 * batched `put`/`remove` (one transaction per turn of the event loop, the way it is meant to be
 * used), or one synchronous transaction per write with `syncPut`.
 *
 * Durability, mapped honestly onto the scenario's mode:
 * - `sync`: overlappingSync off, so a write's promise resolves (or putSync returns) only once its
 *   transaction is flushed to disk;
 * - `group`: overlappingSync on, lmdb-js's default: a write resolves when its transaction commits,
 *   and the flush to disk follows (a crash may lose the last commits, never corrupt);
 * - `none`: noSync: nothing is flushed (the OS writes the map back when it pleases).
 */
import { open } from 'lmdb';
import type { Durability, Implementation, ImplementationFactory, KnobValues, OpenContext } from './types.js';

type Database = ReturnType<typeof open<string, string>>;

/** The map's pages in use: what the store holds for its entries (it lives outside the JS heap). */
function pagesInUse(db: Database): number {
  const stats = db.getStats() as { pageSize: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
  return (stats.treeBranchPageCount + stats.treeLeafPageCount + stats.overflowPages) * stats.pageSize;
}

class LmdbImplementation implements Implementation {
  readonly isAsync: boolean;

  constructor(
    readonly spec: string,
    readonly config: Readonly<Record<string, unknown>>,
    private readonly db: Database,
    private readonly syncPut: boolean,
  ) {
    this.isAsync = !syncPut;
  }

  load(ids: readonly string[], paths: readonly string[]): void {
    // One synchronous transaction: lmdb-js's fastest load.
    this.db.transactionSync(() => {
      for (let i = 0; i < ids.length; i++) this.db.putSync(ids[i], paths[i]);
    });
  }

  get(id: string): string | undefined {
    return this.db.get(id);
  }

  put(id: string, path: string): void | Promise<void> {
    if (this.syncPut) this.db.putSync(id, path);
    else return this.db.put(id, path) as Promise<unknown> as Promise<void>;
  }

  /** Whether it existed: lmdb-js's async remove resolves true for an absent key too (the adapter test caught it). */
  delete(id: string): boolean | Promise<boolean> {
    if (this.syncPut) return this.db.removeSync(id);
    if (!this.db.doesExist(id)) return false;
    return this.db.remove(id).then(() => true);
  }

  scan(from: string, count: number): number {
    let read = 0;
    if (count <= 0) return 0;
    for (const entry of this.db.getRange({ start: from, limit: count })) {
      void entry;
      read++;
    }
    return read;
  }

  bulkInsert(pairs: [string, string][]): void | Promise<void> {
    if (this.syncPut) {
      this.db.transactionSync(() => {
        for (const [id, path] of pairs) this.db.putSync(id, path);
      });
      return;
    }
    return this.db.batch(() => {
      for (const [id, path] of pairs) void this.db.put(id, path);
    }) as Promise<unknown> as Promise<void>;
  }

  bulkDelete(ids: string[]): void | Promise<void> {
    if (this.syncPut) {
      this.db.transactionSync(() => {
        for (const id of ids) this.db.removeSync(id);
      });
      return;
    }
    return this.db.batch(() => {
      for (const id of ids) void this.db.remove(id);
    }) as Promise<unknown> as Promise<void>;
  }

  bulkGet(ids: string[]): number {
    let found = 0;
    for (const id of ids) if (this.db.get(id) !== undefined) found++;
    return found;
  }

  memoryBytes(): number {
    return pagesInUse(this.db);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

const DURABILITY: Record<Durability, { overlappingSync: boolean; noSync: boolean }> = {
  sync: { overlappingSync: false, noSync: false },
  group: { overlappingSync: true, noSync: false },
  none: { overlappingSync: false, noSync: true },
};

export const lmdbFactory: ImplementationFactory = {
  name: 'lmdb',
  description: 'LMDB through lmdb-js: a memory-mapped B+ tree in the job directory (async batched writes; syncPut: one transaction per write)',
  knobs: {
    syncPut: { type: 'boolean', default: false, description: 'one synchronous transaction per write (putSync) instead of async batched put' },
    commitDelay: { type: 'integer', min: 0, max: 100, default: 0, description: 'ms an async batch waits for more writes before it commits' },
    pageSizeLog2: { type: 'integer', min: 12, max: 16, default: 12, description: 'database page size as a power of two (12: 4 KiB ... 16: 64 KiB)' },
    cache: { type: 'boolean', default: false, description: "lmdb-js's cache of decoded values" },
  },
  durability: ['none', 'group', 'sync'],
  // The map lives outside the JS heap; B+ tree pages at ~70% fill over 16-byte-ish keys.
  memoryPerEntry: { bytes: 120, perPathByte: 1.6, jsHeap: false },
  open: (knobs: KnobValues, context: OpenContext) => {
    const pageSize = 2 ** (knobs.pageSizeLog2 as number);
    const mode = DURABILITY[context.durability];
    const db = open<string, string>({
      path: context.directory,
      encoding: 'string',
      compression: false,
      pageSize,
      commitDelay: knobs.commitDelay as number,
      cache: knobs.cache as boolean,
      ...mode,
    });
    const config = { ...knobs, durability: context.durability, ...mode };
    return new LmdbImplementation(context.spec, config, db, knobs.syncPut as boolean);
  },
};
