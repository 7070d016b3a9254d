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
 * Recovery on open loads the snapshot with a bottom-up build, replays the log, truncates a torn
 * tail and refuses anything else that is damaged, changing no file.
 */
import { closeSync, existsSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
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
import { DirectoryLock } from './lock.js';
import { RECORD, RecordWriter, SNAPSHOT_FILE, WAL_FILE, corrupt, encodeWalHeader } from './format.js';
import { fsyncDirectory, loadSnapshot, writeSnapshot } from './snapshot.js';
import { type LogRecord, PayloadReader, scanLog } from './wal.js';

export type Durability = 'sync' | 'group' | 'none';

export interface DurableIndexOptions {
  /** Default 'sync'. */
  durability?: Durability;
  /** Max keys per node of the tree (default 63). */
  order?: number;
  /** Checkpoint automatically when the log passes this many bytes (default 64 MiB). */
  checkpointBytes?: number;
}

/** What opening found and did. */
export interface RecoveryReport {
  snapshotEntries: number;
  generation: number;
  /** Log records replayed on top of the snapshot. */
  replayedRecords: number;
  /** Bytes of a torn record at the end of the log that were truncated. */
  truncatedBytes: number;
  /** A log older than the snapshot (a crash between the two steps of a checkpoint) was dropped. */
  staleLogDropped: boolean;
  warnings: string[];
  durationMs: number;
}

/** Counters of what reached the disk, for tests and metrics. */
export interface StorageStats {
  fsyncs: number;
  logRecords: number;
  logBytes: number;
  checkpoints: number;
}

const DEFAULT_CHECKPOINT_BYTES = 64 * 1024 * 1024;
const key = new Int32Array(4);

function ioError(dir: string, action: string, error: unknown): IndexError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOTDIR' || code === 'EEXIST' ? 'not a directory' : code === 'ENOSPC' ? 'no space left on the device' : (error as Error).message;
  return new IndexError('IO', `${dir}: cannot ${action}: ${why}`, { cause: error });
}

export class DurableIndex implements PrimaryIndex {
  readonly memory: MemoryIndex;
  readonly recovery: RecoveryReport;
  readonly stats: StorageStats = { fsyncs: 0, logRecords: 0, logBytes: 0, checkpoints: 0 };
  private fd = -1;
  private logSize = 0;
  private generation = 0;
  private unsynced = false;
  private closed = false;
  private failed: string | null = null;
  private readonly writer = new RecordWriter();
  private readonly walPath: string;

  private constructor(
    readonly directory: string,
    readonly durability: Durability,
    private readonly checkpointBytes: number,
    private readonly lock: DirectoryLock,
    order: number | undefined,
  ) {
    this.walPath = join(directory, WAL_FILE);
    this.memory = new MemoryIndex({ order });
    const started = performance.now();
    this.recovery = this.recover();
    this.recovery.durationMs = performance.now() - started;
  }

  /** Opens (creating if missing) the index stored in `dir`. See openPrimaryIndex. */
  static open(dir: string, options: DurableIndexOptions = {}): DurableIndex {
    const durability = options.durability ?? 'sync';
    if (!['sync', 'group', 'none'].includes(durability)) {
      throw new IndexError('INVALID_ARGUMENT', `durability must be 'sync', 'group' or 'none', got ${describeValue(durability)}`);
    }
    const checkpointBytes = options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES;
    if (!Number.isInteger(checkpointBytes) || checkpointBytes < 1024) {
      throw new IndexError('INVALID_ARGUMENT', `checkpointBytes must be an integer of at least 1024, got ${describeValue(checkpointBytes)}`);
    }
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw ioError(dir, 'create the directory', error);
    }
    if (!statSync(dir).isDirectory()) throw new IndexError('IO', `${dir}: cannot open: not a directory`);
    let lock: DirectoryLock;
    try {
      lock = DirectoryLock.acquire(dir);
    } catch (error) {
      if (error instanceof IndexError) throw error;
      throw ioError(dir, 'write its lock file', error);
    }
    try {
      return new DurableIndex(dir, durability, checkpointBytes, lock, options.order);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  // ---------------------------------------------------------------- recovery

  private recover(): RecoveryReport {
    const report: RecoveryReport = { snapshotEntries: 0, generation: 0, replayedRecords: 0, truncatedBytes: 0, staleLogDropped: false, warnings: [], durationMs: 0 };
    const snapshotPath = join(this.directory, SNAPSHOT_FILE);
    const hasSnapshot = existsSync(snapshotPath);
    if (hasSnapshot) {
      const loaded = loadSnapshot(snapshotPath, this.memory);
      report.snapshotEntries = loaded.entries;
      report.generation = loaded.generation;
    }
    let rewriteLog = true;
    let truncateTo = -1;
    if (existsSync(this.walPath)) {
      const buffer = readFileSync(this.walPath);
      const scan = scanLog(buffer, this.walPath);
      if (scan.generation === null) {
        report.warnings.push(`${this.walPath}: the log was torn while being created (${scan.tornBytes} bytes); it starts over`);
      } else if (scan.generation < report.generation) {
        report.staleLogDropped = true;
        report.warnings.push(`${this.walPath}: log generation ${scan.generation} predates snapshot generation ${report.generation} (a checkpoint was interrupted); its changes are in the snapshot`);
      } else if (scan.generation > report.generation) {
        throw corrupt(this.walPath, 12, `log generation ${scan.generation} needs snapshot generation ${scan.generation}, but ${hasSnapshot ? `the snapshot has generation ${report.generation}` : 'there is no snapshot'}`);
      } else {
        for (const record of scan.records) this.apply(buffer, record, report);
        report.replayedRecords = scan.records.length;
        rewriteLog = false;
        this.logSize = scan.validEnd;
        if (scan.tornBytes > 0) {
          truncateTo = scan.validEnd;
          report.truncatedBytes = scan.tornBytes;
          report.warnings.push(`${this.walPath}: dropped a torn record of ${scan.tornBytes} bytes at the end of the log (a write cut short by a crash; it was never acknowledged)`);
        }
      }
    }
    // Everything checked out: only now change files.
    this.generation = report.generation;
    try {
      rmSync(join(this.directory, `${SNAPSHOT_FILE}.tmp`), { force: true });
      rmSync(`${this.walPath}.tmp`, { force: true });
      if (rewriteLog) this.writeFreshLog();
      else if (truncateTo >= 0) {
        const fd = openSync(this.walPath, 'r+');
        try {
          ftruncateSync(fd, truncateTo);
          fdatasyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
      this.fd = openSync(this.walPath, 'a');
    } catch (error) {
      if (error instanceof IndexError) throw error;
      throw ioError(this.directory, 'write its log', error);
    }
    return report;
  }

  /** Applies one log record to memory, checking its payload; a malformed record is damage. */
  private apply(buffer: Buffer, record: LogRecord, report: RecoveryReport): void {
    const r = new PayloadReader(buffer, record, this.walPath);
    const m = this.memory;
    switch (record.type) {
      case RECORD.insert: {
        r.id(key);
        const [at, length] = r.path();
        r.done();
        m.insertEncoded(key[0], key[1], key[2], key[3], buffer, at, length);
        return;
      }
      case RECORD.delete:
        r.id(key);
        r.done();
        m.deleteEncoded(key[0], key[1], key[2], key[3]);
        return;
      case RECORD.bulkInsert: {
        const count = r.u32();
        for (let i = 0; i < count; i++) {
          r.id(key);
          const [at, length] = r.path();
          m.insertEncoded(key[0], key[1], key[2], key[3], buffer, at, length);
        }
        r.done();
        return;
      }
      case RECORD.bulkDelete: {
        const count = r.u32();
        for (let i = 0; i < count; i++) {
          r.id(key);
          m.deleteEncoded(key[0], key[1], key[2], key[3]);
        }
        r.done();
        return;
      }
      case RECORD.checkpoint: {
        const generation = r.u32();
        const entries = r.u32() + r.u32() * 2 ** 32;
        r.done();
        if (generation !== report.generation || entries !== report.snapshotEntries) {
          throw corrupt(this.walPath, record.offset, `the log follows snapshot generation ${generation} of ${entries} entries, the snapshot is generation ${report.generation} of ${report.snapshotEntries}`);
        }
      }
    }
  }

  /** Replaces the log with one holding only its header and a checkpoint record (temp, fsync, rename). */
  private writeFreshLog(): void {
    const temp = `${this.walPath}.tmp`;
    this.writer.reset();
    this.writer.begin(RECORD.checkpoint);
    this.writer.u32(this.generation);
    this.writer.u32(this.memory.size % 2 ** 32);
    this.writer.u32(Math.floor(this.memory.size / 2 ** 32));
    this.writer.end();
    const header = encodeWalHeader({ generation: this.generation });
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, header);
      writeSync(fd, this.writer.bytes());
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.walPath);
    fsyncDirectory(this.directory);
    this.logSize = header.length + this.writer.length;
  }

  // ---------------------------------------------------------------- writing

  private check(): void {
    if (this.closed) throw new IndexError('CLOSED', `the index in ${this.directory} is closed`);
  }

  private checkWritable(): void {
    this.check();
    if (this.failed) throw new IndexError('IO', `the index in ${this.directory} cannot write its log any more (${this.failed}); reopen it`);
  }

  /** Appends the writer's record; fsyncs when `sync`. On failure, cuts the log back to where it was. */
  private append(sync: boolean): void {
    const bytes = this.writer.bytes();
    const before = this.logSize;
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
      this.logSize += bytes.length;
      this.stats.logRecords += this.writer.records;
      this.stats.logBytes += bytes.length;
      this.unsynced = true;
      if (sync) this.sync();
    } catch (error) {
      try {
        ftruncateSync(this.fd, before);
        this.logSize = before;
      } catch {
        this.failed = (error as Error).message;
      }
      throw ioError(this.directory, 'write its log', error);
    }
  }

  /**
   * Checkpoints when the log has grown past checkpointBytes. Called after a change is applied to
   * memory, never between logging and applying it: the snapshot must hold the change that the
   * fresh log no longer does.
   */
  private maybeCheckpoint(): void {
    if (this.logSize > this.checkpointBytes) this.checkpoint();
  }

  private sync(): void {
    fdatasyncSync(this.fd);
    this.stats.fsyncs++;
    this.unsynced = false;
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
    w.reset();
    w.begin(RECORD.insert);
    w.id(key[0], key[1], key[2], key[3]);
    const pathAt = w.length + 2;
    w.path(path);
    w.end();
    const length = w.length - pathAt;
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
    this.writer.reset();
    this.writer.begin(RECORD.delete);
    this.writer.id(k0, k1, k2, k3);
    this.writer.end();
    this.append(this.durability === 'sync');
    const deleted = this.memory.deleteEncoded(k0, k1, k2, k3);
    this.maybeCheckpoint();
    return deleted;
  }

  range(from?: DocumentId, to?: DocumentId): IterableIterator<[DocumentId, string]> {
    this.check();
    return this.memory.range(from, to);
  }

  bulkInsert(pairs: Iterable<IdPathPair>): BulkInsertResult {
    this.checkWritable();
    const started = performance.now();
    const list = asArray(pairs, 'bulkInsert pairs');
    const w = this.writer;
    w.reset();
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
    w.reset();
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

  /**
   * @internal A write group of the OptimizedIndex: inserts and deletes of distinct ids (so their
   * order does not matter), already validated. One log write holding both records and, unless
   * durability is 'none', one fsync: the group commit.
   */
  applyGroup(inserts: IdPathPair[], deletes: DocumentId[]): void {
    this.checkWritable();
    const w = this.writer;
    w.reset();
    if (inserts.length > 0) {
      w.begin(RECORD.bulkInsert);
      w.u32(inserts.length);
      for (let i = 0; i < inserts.length; i++) {
        const path = checkPair(inserts[i], i, key, 0);
        w.id(key[0], key[1], key[2], key[3]);
        w.path(path);
      }
      w.end();
    }
    if (deletes.length > 0) {
      w.begin(RECORD.bulkDelete);
      w.u32(deletes.length);
      for (let i = 0; i < deletes.length; i++) {
        checkBulkId(deletes[i], i, 'group delete', key, 0);
        w.id(key[0], key[1], key[2], key[3]);
      }
      w.end();
    }
    if (w.records === 0) return;
    this.append(this.durability !== 'none');
    this.memory.applyBatch(inserts, deletes);
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
    if (this.unsynced) this.sync();
  }

  /**
   * Writes a snapshot of everything (temp file, fsync, rename, directory fsync), then starts a
   * fresh log. A crash at any point leaves a directory that opens to the same contents.
   */
  checkpoint(): void {
    this.checkWritable();
    const next = this.generation + 1;
    try {
      writeSnapshot(this.directory, this.memory, next);
      this.generation = next;
      closeSync(this.fd);
      this.fd = -1;
      this.writeFreshLog();
      this.fd = openSync(this.walPath, 'a');
    } catch (error) {
      this.failed = (error as Error).message;
      throw ioError(this.directory, 'checkpoint', error);
    }
    this.unsynced = false;
    this.stats.checkpoints++;
  }

  /** Flushes, closes the log and releases the directory. Later calls fail with CLOSED. */
  close(): void {
    if (this.closed) return;
    try {
      if (!this.failed && this.unsynced) this.sync();
    } finally {
      if (this.fd >= 0) closeSync(this.fd);
      this.closed = true;
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
