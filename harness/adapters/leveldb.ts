/**
 * LevelDB (classic-level 3.x: Google's LevelDB, an LSM tree) as a peer, in the job's fresh
 * directory. Reads are synchronous (`getSync`, new in classic-level 3); writes are its async
 * `put`/`del`/`batch`, which run on libuv's thread pool, where LevelDB merges the writes of
 * concurrent writers into one log write (and one fsync with `sync`), its own group commit.
 *
 * Durability, mapped honestly onto the scenario's mode:
 * - `sync`: every put, del and batch with `sync: true`: acknowledged once its log record is on disk;
 * - `group`: writes with `sync: false` (in the OS once acknowledged), bulk calls with `sync: true`
 *   (this project's `group`: on disk after the next bulk call);
 * - `none`: everything with `sync: false`. LevelDB cannot skip its log, so this is `group` without
 *   the synced bulk calls.
 *
 * classic-level is an optional dependency (it ships prebuilt binaries for Linux, macOS and
 * Windows): when it does not load, the registry leaves LevelDB out and says why.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassicLevel } from 'classic-level';
import { optionalModule } from './optional.js';
import type { Durability, Implementation, ImplementationFactory, KnobValues, OpenContext } from './types.js';

type Database = ClassicLevel<string, string>;

/** Bytes of the database's files: what it stores (its data lives outside the JS heap). */
function filesBytes(directory: string): number {
  let bytes = 0;
  for (const name of readdirSync(directory)) bytes += statSync(join(directory, name)).size;
  return bytes;
}

const BATCH = 10_000;

class LevelImplementation implements Implementation {
  readonly isAsync = true;

  constructor(
    readonly spec: string,
    readonly config: Readonly<Record<string, unknown>>,
    private readonly db: Database,
    private readonly directory: string,
    private readonly syncWrites: boolean,
    private readonly syncBulk: boolean,
  ) {}

  async load(ids: readonly string[], paths: readonly string[]): Promise<void> {
    // Batches of 10k: one native call each, LevelDB's fastest load short of building tables.
    for (let start = 0; start < ids.length; start += BATCH) {
      const end = Math.min(ids.length, start + BATCH);
      const batch = this.db.batch();
      for (let i = start; i < end; i++) batch.put(ids[i], paths[i]);
      await batch.write({ sync: this.syncBulk });
    }
  }

  get(id: string): string | undefined {
    return this.db.getSync(id);
  }

  put(id: string, path: string): Promise<void> {
    return this.db.put(id, path, { sync: this.syncWrites });
  }

  /** Whether it existed: LevelDB's del does not say, so a synchronous read asks first. */
  delete(id: string): boolean | Promise<boolean> {
    if (this.db.getSync(id) === undefined) return false;
    return this.db.del(id, { sync: this.syncWrites }).then(() => true);
  }

  async scan(from: string, count: number): Promise<number> {
    if (count <= 0) return 0;
    const iterator = this.db.iterator({ gte: from, limit: count });
    try {
      return (await iterator.nextv(count)).length;
    } finally {
      await iterator.close();
    }
  }

  bulkInsert(pairs: [string, string][]): Promise<void> {
    const batch = this.db.batch();
    for (const [id, path] of pairs) batch.put(id, path);
    return batch.write({ sync: this.syncBulk });
  }

  bulkDelete(ids: string[]): Promise<void> {
    const batch = this.db.batch();
    for (const id of ids) batch.del(id);
    return batch.write({ sync: this.syncBulk });
  }

  async bulkGet(ids: string[]): Promise<number> {
    let found = 0;
    for (const value of await this.db.getMany(ids)) if (value !== undefined) found++;
    return found;
  }

  memoryBytes(): number {
    return filesBytes(this.directory);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

const DURABILITY: Record<Durability, { syncWrites: boolean; syncBulk: boolean }> = {
  sync: { syncWrites: true, syncBulk: true },
  group: { syncWrites: false, syncBulk: true },
  none: { syncWrites: false, syncBulk: false },
};

const MiB = 1024 * 1024;

const classic = optionalModule<{ ClassicLevel: typeof ClassicLevel }>('classic-level');

/** Why LevelDB cannot run here, or undefined when it can. */
export const leveldbUnavailable = classic.unavailable;

export const leveldbFactory: ImplementationFactory = {
  name: 'leveldb',
  description: 'LevelDB through classic-level 3.x: an LSM tree in the job directory (sync reads, async writes on the thread pool)',
  knobs: {
    cacheSizeMiB: { type: 'integer', min: 0, max: 1024, default: 8, description: 'LRU cache of uncompressed blocks, MiB' },
    writeBufferSizeMiB: { type: 'integer', min: 1, max: 256, default: 4, description: 'memtable (and log) size before it is written out as a sorted table, MiB' },
    blockSizeKiB: { type: 'integer', min: 1, max: 256, default: 4, description: 'approximate size of a table block, KiB' },
    compression: { type: 'boolean', default: true, description: 'Snappy compression of table blocks' },
  },
  durability: ['none', 'group', 'sync'],
  // Outside the JS heap: a memtable of up to two write buffers, then compressed tables on disk.
  memoryPerEntry: { bytes: 100, perPathByte: 1.2, jsHeap: false },
  open: async (knobs: KnobValues, context: OpenContext) => {
    if (!classic.module) throw new Error(classic.unavailable);
    const options = {
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
      cacheSize: (knobs.cacheSizeMiB as number) * MiB,
      writeBufferSize: (knobs.writeBufferSizeMiB as number) * MiB,
      blockSize: (knobs.blockSizeKiB as number) * 1024,
      compression: knobs.compression as boolean,
    } as const;
    const db = new classic.module.ClassicLevel<string, string>(context.directory, options);
    await db.open();
    const mode = DURABILITY[context.durability];
    return new LevelImplementation(context.spec, { ...knobs, durability: context.durability, ...mode }, db, context.directory, mode.syncWrites, mode.syncBulk);
  },
};
