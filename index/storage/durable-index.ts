/**
 * The durable primary index: the in-memory index plus a write-ahead log and snapshots in a
 * directory. Every change is validated, then written to the log (and, by durability mode,
 * fsynced) before it is applied and acknowledged:
 *
 * - `sync`: one fsync per acknowledged call, individual or bulk.
 * - `group`: bulk calls fsync; individual calls are written but fsynced by the next `flush()`,
 *   bulk call or checkpoint (the OptimizedIndex's group commit uses bulk calls).
 * - `none`: written, never fsynced (a process crash loses nothing, a power cut may).
 *
 * The contract: a call that returns is acknowledged and survives any crash, full disk or I/O
 * error; a call that throws was not applied (the log is undone), or its error says it may
 * reappear. Opening recovers exactly the acknowledged writes or refuses (recovery.ts).
 */
import { IndexError, describeValue } from '../errors.js';
import { type DocumentId, invalidIdError, parseIdInto } from '../id.js';
import { invalidPathError, isValidPath } from '../path.js';
import { MemoryIndex } from '../memory-index.js';
import type {
  BulkDeleteResult,
  BulkGetResult,
  BulkInsertResult,
  CompactResult,
  IdPathPair,
  PrimaryIndex,
  TreeAnalysis,
} from '../types.js';
import { asArray, checkBulkId, checkPair } from '../validate.js';
import { type FileSystem, nodeFileSystem } from './file-system.js';
import { Files, ioError } from './files.js';
import { DEFAULT_EXTENT_BYTES, MAX_EXTENT_BYTES, MIN_EXTENT_BYTES, RECORD, RecordWriter, SNAPSHOT_FILE, WAL_FILE } from './format.js';
import { DirectoryLock } from './lock.js';
import { type LogFile, openLogFile, writeLogFile } from './log-file.js';
import { type RecoveryReport, recover } from './recovery.js';
import { writeSnapshotFile } from './snapshot.js';
import { join } from 'node:path';

export type { RecoveryReport, RepairReport } from './recovery.js';
export type { FileSystem, FileInfo, OpenMode } from './file-system.js';

export type Durability = 'sync' | 'group' | 'none';

export interface DurableIndexOptions {
  /** Default 'sync'. */
  durability?: Durability;
  /** Max keys per node of the tree (default 63). */
  order?: number;
  /** The in-memory tree's hot-id table (MemoryIndexOptions.hotIds, default true). */
  hotIds?: boolean;
  /** Checkpoint automatically when the log passes this many bytes (default 64 MiB; 1 KiB to 1 GiB). */
  checkpointBytes?: number;
  /** Allocation unit of a new log: a power of two from 4 KiB to 64 MiB (default 64 KiB). */
  extentBytes?: number;
  /**
   * Open past damage to the log: keep the records before it, drop the rest (reported in
   * `recovery.repaired`, the damaged file kept beside the new one). Default false: damage refuses.
   */
  repair?: boolean;
  /** The file-system calls to use (default: node:fs). For fault-injection tests. */
  fileSystem?: FileSystem;
}

/** Counters of what reached the disk, for tests and metrics. */
export interface StorageStats {
  fsyncs: number;
  logRecords: number;
  logBytes: number;
  /** Times the log grew by an extent. */
  extents: number;
  checkpoints: number;
  /** Automatic checkpoints that failed (each is retried later; the writes stay in the log). */
  checkpointFailures: number;
  lastCheckpointError: string | null;
}

export const DEFAULT_CHECKPOINT_BYTES = 64 * 1024 * 1024;
export const MAX_CHECKPOINT_BYTES = 1 << 30;
const key = new Int32Array(4);

function checkOptions(options: DurableIndexOptions): Required<Omit<DurableIndexOptions, 'order' | 'hotIds'>> & Pick<DurableIndexOptions, 'order' | 'hotIds'> {
  if (options === null || typeof options !== 'object') throw new IndexError('INVALID_ARGUMENT', `options must be an object, got ${describeValue(options)}`);
  const durability = options.durability ?? 'sync';
  if (!['sync', 'group', 'none'].includes(durability)) {
    throw new IndexError('INVALID_ARGUMENT', `durability must be 'sync', 'group' or 'none', got ${describeValue(durability)}`);
  }
  const checkpointBytes = options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES;
  if (!Number.isInteger(checkpointBytes) || checkpointBytes < 1024 || checkpointBytes > MAX_CHECKPOINT_BYTES) {
    throw new IndexError('INVALID_ARGUMENT', `checkpointBytes must be an integer from 1024 to ${MAX_CHECKPOINT_BYTES}, got ${describeValue(checkpointBytes)}`);
  }
  const extentBytes = options.extentBytes ?? DEFAULT_EXTENT_BYTES;
  if (!Number.isInteger(extentBytes) || extentBytes < MIN_EXTENT_BYTES || extentBytes > MAX_EXTENT_BYTES || (extentBytes & (extentBytes - 1)) !== 0) {
    throw new IndexError('INVALID_ARGUMENT', `extentBytes must be a power of two from ${MIN_EXTENT_BYTES} to ${MAX_EXTENT_BYTES}, got ${describeValue(extentBytes)}`);
  }
  const repair = options.repair ?? false;
  if (typeof repair !== 'boolean') throw new IndexError('INVALID_ARGUMENT', `repair must be true or false, got ${describeValue(repair)}`);
  const fileSystem = options.fileSystem ?? nodeFileSystem;
  return { durability, checkpointBytes, extentBytes, repair, fileSystem, order: options.order, hotIds: options.hotIds };
}

export class DurableIndex implements PrimaryIndex {
  readonly memory: MemoryIndex;
  readonly recovery: RecoveryReport;
  readonly stats: StorageStats = { fsyncs: 0, logRecords: 0, logBytes: 0, extents: 0, checkpoints: 0, checkpointFailures: 0, lastCheckpointError: null };
  private log: LogFile;
  private generation: number;
  private readonly storeId: string;
  private closed = false;
  /** Why writes are refused (the state on disk is only known after a reopen), or null. */
  private failed: string | null = null;
  /** A group is logged but not yet fsynced and applied (see logGroup). */
  private groupInFlight = false;
  /** Log size past which the next automatic checkpoint is tried. */
  private checkpointAt: number;
  private readonly writer = new RecordWriter();
  private readonly files: Files;

  private constructor(
    readonly directory: string,
    readonly durability: Durability,
    private readonly checkpointBytes: number,
    private readonly extentBytes: number,
    private readonly lock: DirectoryLock,
    files: Files,
    memoryOptions: Pick<DurableIndexOptions, 'order' | 'hotIds'>,
    repair: boolean,
  ) {
    this.files = files;
    this.memory = new MemoryIndex(memoryOptions);
    const started = performance.now();
    const recovered = recover(files, directory, this.memory, { repair, extentBytes }, this.stats);
    this.log = recovered.log;
    this.storeId = recovered.storeId;
    this.generation = recovered.generation;
    this.recovery = recovered.report;
    this.recovery.durationMs = performance.now() - started;
    this.checkpointAt = checkpointBytes;
  }

  /** Opens (creating if missing) the index stored in `dir`. See openPrimaryIndex. */
  static open(dir: string, options: DurableIndexOptions = {}): DurableIndex {
    if (typeof dir !== 'string' || dir.length === 0 || dir.includes('\0')) {
      throw new IndexError('INVALID_ARGUMENT', `the directory must be a non-empty path, got ${describeValue(dir)}`);
    }
    const o = checkOptions(options);
    const files = new Files(o.fileSystem);
    files.ensureDirectory(dir);
    const lock = DirectoryLock.acquire(files, dir);
    try {
      return new DurableIndex(dir, o.durability, o.checkpointBytes, o.extentBytes, lock, files, { order: o.order, hotIds: o.hotIds }, o.repair);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  // ---------------------------------------------------------------- writing

  private check(): void {
    if (this.closed) throw new IndexError('CLOSED', `the index in ${this.directory} is closed`);
  }

  /** Why writes are refused until the index is reopened, or null when it takes writes. */
  get failure(): string | null {
    return this.failed ?? this.log.failure;
  }

  private checkWritable(): void {
    this.check();
    const failure = this.failure;
    if (failure) throw new IndexError('IO', `the index in ${this.directory} takes no more writes (${failure}); reopen it to recover what is on disk`);
    if (this.groupInFlight) throw new IndexError('INVALID_ARGUMENT', `the index in ${this.directory} has a group commit in flight; wait for it before writing directly`);
  }

  /** Appends the writer's records; fsyncs when `sync`. Throws IO with nothing applied. */
  private append(sync: boolean): void {
    this.log.append(this.writer.bytes(), this.writer.records, sync);
  }

  /**
   * Checkpoints when the log has grown past checkpointBytes. Called after a change is applied to
   * memory, never between logging and applying it: the snapshot must hold the change that the
   * fresh log no longer does. A failure here does not fail the write that triggered it, which is
   * already durable in the log: it is counted in `stats` and tried again later.
   */
  private maybeCheckpoint(): void {
    if (this.log.used <= this.checkpointAt) return;
    try {
      this.checkpoint();
      this.checkpointAt = this.checkpointBytes;
    } catch (error) {
      this.stats.checkpointFailures++;
      this.stats.lastCheckpointError = (error as Error).message;
      // Try again once the log has grown by another quarter (a full disk is not retried per write).
      this.checkpointAt = this.log.used + this.checkpointBytes / 4;
    }
  }

  get size(): number {
    this.check();
    return this.memory.size;
  }

  get order(): number {
    return this.memory.order;
  }

  get(id: DocumentId): string | undefined {
    this.check();
    return this.memory.get(id);
  }

  has(id: DocumentId): boolean {
    this.check();
    return this.memory.has(id);
  }

  insert(id: DocumentId, path: string): boolean {
    this.checkWritable();
    if (!parseIdInto(id, key, 0)) throw invalidIdError(id);
    if (!isValidPath(path)) throw invalidPathError(path);
    const w = this.writer;
    w.reset(this.log.seq);
    w.begin(RECORD.insert);
    w.id(key[0], key[1], key[2], key[3]);
    const pathAt = w.length + 2;
    w.path(path);
    w.end();
    const length = w.length - pathAt - 2;
    const k0 = key[0], k1 = key[1], k2 = key[2], k3 = key[3];
    this.append(this.durability === 'sync');
    const inserted = this.memory.insertEncoded(k0, k1, k2, k3, w.bytes(), pathAt, length);
    this.maybeCheckpoint();
    return inserted;
  }

  delete(id: DocumentId): boolean {
    this.checkWritable();
    if (!parseIdInto(id, key, 0)) throw invalidIdError(id);
    // Deleting an absent id changes nothing: nothing to log or sync.
    if (!this.memory.has(id)) return false;
    const k0 = key[0], k1 = key[1], k2 = key[2], k3 = key[3];
    this.writer.reset(this.log.seq);
    this.writer.begin(RECORD.delete);
    this.writer.id(k0, k1, k2, k3);
    this.writer.end();
    this.append(this.durability === 'sync');
    const deleted = this.memory.deleteEncoded(k0, k1, k2, k3);
    this.maybeCheckpoint();
    return deleted;
  }

  range(from?: DocumentId, to?: DocumentId, limit?: number): IterableIterator<[DocumentId, string]> {
    this.check();
    return this.memory.range(from, to, limit);
  }

  bulkInsert(pairs: Iterable<IdPathPair>): BulkInsertResult {
    this.checkWritable();
    const started = performance.now();
    const list = asArray(pairs, 'bulkInsert pairs');
    const w = this.writer;
    w.reset(this.log.seq);
    w.begin(RECORD.bulkInsert);
    w.u32(list.length);
    for (let i = 0; i < list.length; i++) {
      const path = checkPair(list[i], i, key, 0);
      w.id(key[0], key[1], key[2], key[3]);
      w.path(path);
    }
    w.end();
    if (list.length > 0) this.append(this.durability !== 'none');
    const logMs = performance.now() - started;
    const result = this.withLogTime(this.memory.bulkInsert(list), started, logMs);
    this.maybeCheckpoint();
    return result;
  }

  bulkDelete(ids: Iterable<DocumentId>): BulkDeleteResult {
    this.checkWritable();
    const started = performance.now();
    const list = asArray(ids, 'bulkDelete ids');
    const w = this.writer;
    w.reset(this.log.seq);
    w.begin(RECORD.bulkDelete);
    w.u32(list.length);
    for (let i = 0; i < list.length; i++) {
      checkBulkId(list[i], i, 'bulkDelete', key, 0);
      w.id(key[0], key[1], key[2], key[3]);
    }
    w.end();
    if (list.length > 0) this.append(this.durability !== 'none');
    const logMs = performance.now() - started;
    const result = this.withLogTime(this.memory.bulkDelete(list), started, logMs);
    this.maybeCheckpoint();
    return result;
  }

  /** @internal Whether a write group must be fsynced before it is acknowledged. */
  get groupsNeedSync(): boolean {
    return this.durability !== 'none';
  }

  /**
   * @internal Logs a write group of the OptimizedIndex (inserts and deletes of distinct ids, so
   * their order does not matter, parsed and validated when issued: four key words per id in
   * `insertKeys` and `deleteKeys`) as one log write, without an fsync; returns
   * false when there was nothing to log. The group commit then runs one fsync for the whole
   * group (`syncLoggedNow` on this thread, or `syncLogged` on the thread pool) and `applyLogged`. Until then the index takes no other
   * change: a checkpoint in between would drop the group from the log before memory held it.
   */
  logGroup(insertKeys: Int32Array, insertPaths: readonly string[], deleteKeys: Int32Array): boolean {
    this.checkWritable();
    const w = this.writer;
    w.reset(this.log.seq);
    if (insertPaths.length > 0) {
      w.begin(RECORD.bulkInsert);
      w.u32(insertPaths.length);
      for (let i = 0; i < insertPaths.length; i++) {
        w.id(insertKeys[4 * i], insertKeys[4 * i + 1], insertKeys[4 * i + 2], insertKeys[4 * i + 3]);
        w.path(insertPaths[i]);
      }
      w.end();
    }
    const deletes = deleteKeys.length >> 2;
    if (deletes > 0) {
      w.begin(RECORD.bulkDelete);
      w.u32(deletes);
      for (let i = 0; i < deletes; i++) w.id(deleteKeys[4 * i], deleteKeys[4 * i + 1], deleteKeys[4 * i + 2], deleteKeys[4 * i + 3]);
      w.end();
    }
    if (w.records === 0) return false;
    this.append(false);
    this.groupInFlight = true;
    return true;
  }

  /** @internal fdatasync of the logged group on libuv's thread pool. A failure stops the log (see `failure`). */
  syncLogged(): Promise<void> {
    return this.log.syncAsync();
  }

  /** @internal fdatasync of the logged group on this thread. A failure stops the log (see `failure`). */
  syncLoggedNow(): void {
    this.log.sync();
  }

  /** @internal Applies the logged group to memory (after its fsync, when one is due) and checkpoints if due. */
  applyLogged(insertKeys: Int32Array, insertPaths: readonly string[], deleteKeys: Int32Array): void {
    this.groupInFlight = false;
    this.memory.applyParsedGroup(insertKeys, insertPaths, deleteKeys);
    this.maybeCheckpoint();
  }

  private withLogTime<T extends BulkInsertResult | BulkDeleteResult>(result: T, started: number, logMs: number): T {
    const durationMs = performance.now() - started;
    return { ...result, durationMs, opsPerSec: durationMs > 0 ? (result.operations / durationMs) * 1000 : Infinity, phasesMs: { ...result.phasesMs, logMs } };
  }

  bulkGet(ids: Iterable<DocumentId>): BulkGetResult {
    this.check();
    return this.memory.bulkGet(ids);
  }

  analyze(): TreeAnalysis {
    this.check();
    return this.memory.analyze();
  }

  compact(): CompactResult {
    this.checkWritable();
    return this.memory.compact();
  }

  /** Makes every acknowledged write durable (an fsync, when any is pending). */
  flush(): void {
    this.checkWritable();
    if (this.log.unsynced) this.log.sync();
  }

  /**
   * Writes a snapshot of everything and starts a fresh log. All or nothing: the new snapshot and
   * log are written, fsynced and verified under temporary names first; a failure there (a full
   * disk, an I/O error) removes them and leaves the index as it was, still taking writes. Only
   * the two renames remain after that; a failure between them leaves a directory that reopens to
   * the same contents, and the index stops taking writes until it is reopened.
   */
  checkpoint(): void {
    this.checkWritable();
    const next = this.generation + 1;
    const snapshotPath = join(this.directory, SNAPSHOT_FILE);
    const walPath = join(this.directory, WAL_FILE);
    const snapshotTemp = `${snapshotPath}.tmp`;
    const walTemp = `${walPath}.tmp`;
    const header = { generation: next, storeId: this.storeId, extentBytes: this.extentBytes };
    let used: number;
    try {
      writeSnapshotFile(this.files, snapshotTemp, this.memory, { generation: next, storeId: this.storeId, coveredRecords: this.log.seq });
      used = writeLogFile(this.files, walTemp, header, { entries: this.memory.size });
    } catch (error) {
      this.files.removeQuietly(snapshotTemp);
      this.files.removeQuietly(walTemp);
      throw new IndexError('IO', `${this.directory}: checkpoint failed, nothing was changed and the index still takes writes: ${(error as Error).message}`, { cause: error });
    }
    try {
      this.files.rename(snapshotTemp, snapshotPath);
    } catch (error) {
      let renamed = true;
      try {
        renamed = this.files.stat(snapshotTemp) === null;
      } catch {
        /* cannot tell: treat it as renamed, the safe side */
      }
      if (!renamed) {
        this.files.removeQuietly(snapshotTemp);
        this.files.removeQuietly(walTemp);
        throw new IndexError('IO', `${this.directory}: checkpoint failed, nothing was changed and the index still takes writes: ${(error as Error).message}`, { cause: error });
      }
      // The rename may have happened: the old log may now be stale, so it takes no more writes.
    }
    // From here the new snapshot may be in place, and records added to the old log would be
    // dropped with it on reopen: any failure stops writes.
    try {
      this.files.syncDirectory(this.directory);
      this.files.rename(walTemp, walPath);
      this.files.syncDirectory(this.directory);
      const log = openLogFile(this.files, walPath, header, used, 1, this.stats);
      this.log.closeQuietly();
      this.log = log;
      this.generation = next;
    } catch (error) {
      this.failed = `a checkpoint could not finish: ${(error as Error).message}`;
      throw ioError(this.directory, 'finish a checkpoint (the directory reopens to everything acknowledged; reopen it)', error);
    }
    this.stats.checkpoints++;
  }

  /** Flushes, closes the log and releases the directory. Later calls fail with CLOSED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.failure && this.log.unsynced) this.log.sync();
    } finally {
      this.log.closeQuietly();
      this.lock.release();
    }
  }
}

/**
 * Opens the durable primary index in `dir` (created if missing): recovers it from its snapshot and
 * log, and holds the directory until `close()`. Throws IndexError LOCKED (another process holds
 * it), CORRUPT (damage, naming file and offset; nothing is changed), UNSUPPORTED_VERSION, or IO.
 */
export function openPrimaryIndex(dir: string, options?: DurableIndexOptions): DurableIndex {
  return DurableIndex.open(dir, options);
}
