/**
 * SQLite (better-sqlite3 12.x, which builds from source in about a minute here: its prebuilt
 * download is not reachable) as a peer: one table keyed by id (`WITHOUT ROWID`, so the table is
 * the primary-key B-tree), WAL mode, every call synchronous with prepared statements, the way
 * better-sqlite3 is meant to be used.
 *
 * Durability through `PRAGMA synchronous`, mapped honestly onto the scenario's mode:
 * - `sync`: FULL: in WAL mode every commit fsyncs the WAL before it returns;
 * - `group`: NORMAL: commits reach the WAL in the OS; the fsync comes at checkpoints (a power loss
 *   may drop the last commits, never corrupt; a process crash loses nothing);
 * - `none`: OFF: no fsync at all.
 * Each put or delete is its own transaction (autocommit); bulk calls and the load are one
 * transaction each.
 */
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { optionalModule } from './optional.js';
import type { Durability, Implementation, ImplementationFactory, KnobValues, OpenContext } from './types.js';

type Database = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement;

class SqliteImplementation implements Implementation {
  readonly isAsync = false;
  private readonly selectPath: Statement;
  private readonly upsert: Statement;
  private readonly remove: Statement;
  private readonly range: Statement;
  private readonly putMany: (pairs: readonly (readonly [string, string])[]) => void;
  private readonly removeMany: (ids: readonly string[]) => void;

  constructor(
    readonly spec: string,
    readonly config: Readonly<Record<string, unknown>>,
    private readonly db: Database,
  ) {
    this.selectPath = db.prepare('SELECT path FROM entries WHERE id = ?').pluck();
    this.upsert = db.prepare('INSERT INTO entries (id, path) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET path = excluded.path');
    this.remove = db.prepare('DELETE FROM entries WHERE id = ?');
    // Only the ids: a scan reads entries in order; the count is what the runner consumes.
    this.range = db.prepare('SELECT id FROM entries WHERE id >= ? ORDER BY id LIMIT ?').pluck().raw();
    this.putMany = db.transaction((pairs: readonly (readonly [string, string])[]) => {
      for (const [id, path] of pairs) this.upsert.run(id, path);
    });
    this.removeMany = db.transaction((ids: readonly string[]) => {
      for (const id of ids) this.remove.run(id);
    });
  }

  load(ids: readonly string[], paths: readonly string[]): void {
    this.putMany(ids.map((id, i) => [id, paths[i]] as const));
  }

  get(id: string): string | undefined {
    return this.selectPath.get(id) as string | undefined;
  }

  put(id: string, path: string): void {
    this.upsert.run(id, path);
  }

  delete(id: string): boolean {
    return this.remove.run(id).changes > 0;
  }

  scan(from: string, count: number): number {
    if (count <= 0) return 0;
    let read = 0;
    for (const row of this.range.iterate(from, count)) {
      void row;
      read++;
    }
    return read;
  }

  bulkInsert(pairs: [string, string][]): void {
    this.putMany(pairs);
  }

  bulkDelete(ids: string[]): void {
    this.removeMany(ids);
  }

  bulkGet(ids: string[]): number {
    let found = 0;
    for (const id of ids) if (this.selectPath.get(id) !== undefined) found++;
    return found;
  }

  /** The database's pages in use (its data lives outside the JS heap). */
  memoryBytes(): number {
    const pages = (this.db.pragma('page_count', { simple: true }) as number) - (this.db.pragma('freelist_count', { simple: true }) as number);
    return pages * (this.db.pragma('page_size', { simple: true }) as number);
  }

  close(): void {
    this.db.close();
  }
}

const SYNCHRONOUS: Record<Durability, 'FULL' | 'NORMAL' | 'OFF'> = { sync: 'FULL', group: 'NORMAL', none: 'OFF' };

const sqlite = optionalModule<typeof BetterSqlite3>('better-sqlite3');

/** Why SQLite cannot run here, or undefined when it can. */
export const sqliteUnavailable = sqlite.unavailable;

export const sqliteFactory: ImplementationFactory = {
  name: 'sqlite',
  description: 'SQLite through better-sqlite3 12.x: a WITHOUT ROWID table keyed by id in WAL mode, synchronous calls, PRAGMA synchronous from the durability',
  knobs: {
    cacheSizeMiB: { type: 'integer', min: 1, max: 1024, default: 2, description: 'page cache (PRAGMA cache_size), MiB' },
    pageSizeLog2: { type: 'integer', min: 9, max: 16, default: 12, description: 'page size as a power of two (PRAGMA page_size; 12: 4 KiB)' },
    mmapSizeMiB: { type: 'integer', min: 0, max: 4096, default: 0, description: 'memory-mapped I/O (PRAGMA mmap_size), MiB; 0: off' },
    walAutocheckpoint: { type: 'integer', min: 0, max: 100_000, default: 1000, description: 'WAL pages before an automatic checkpoint (PRAGMA wal_autocheckpoint; 0: never)' },
  },
  durability: ['none', 'group', 'sync'],
  // Outside the JS heap: B-tree pages of (id, path) rows with ~10 bytes of record overhead.
  memoryPerEntry: { bytes: 90, perPathByte: 1.3, jsHeap: false },
  open: (knobs: KnobValues, context: OpenContext) => {
    if (!sqlite.module) throw new Error(sqlite.unavailable);
    const db = new sqlite.module(join(context.directory, 'entries.sqlite'));
    // page_size must be set before the first table exists (and before WAL mode fixes it).
    db.pragma(`page_size = ${2 ** (knobs.pageSizeLog2 as number)}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${SYNCHRONOUS[context.durability]}`);
    db.pragma(`cache_size = -${(knobs.cacheSizeMiB as number) * 1024}`);
    db.pragma(`mmap_size = ${(knobs.mmapSizeMiB as number) * 1024 * 1024}`);
    db.pragma(`wal_autocheckpoint = ${knobs.walAutocheckpoint as number}`);
    db.exec('CREATE TABLE IF NOT EXISTS entries (id TEXT PRIMARY KEY, path TEXT NOT NULL) WITHOUT ROWID');
    return new SqliteImplementation(context.spec, { ...knobs, durability: context.durability, synchronous: SYNCHRONOUS[context.durability] }, db);
  },
};
