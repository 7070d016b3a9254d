/**
 * Opening a durable index directory: read everything, decide, and only then change files.
 *
 * Reading loads the snapshot and scans the log (wal.ts says what counts as a crash and what as
 * damage). Damage refuses to open with CORRUPT naming the file and byte, and no file is changed.
 * When everything checks out, the changes a crash calls for are made: zero a torn append, redo an
 * interrupted extension, replace a log made stale by an interrupted checkpoint, remove temp files.
 *
 * `repair: true` is the explicit way past damage to the log (RocksDB's "point in time" recovery):
 * the records before the damage are kept, the rest is dropped and reported, and the damaged file
 * is kept beside the new one. A damaged snapshot cannot be repaired (it holds the data itself).
 *
 * The directory's states and what opening does with each:
 *
 * | snapshot | log | opening |
 * |---|---|---|
 * | none | none | a new index: log, then an empty snapshot of generation 0 |
 * | generation g | generation g | replay the log on the snapshot |
 * | generation g | generation g - 1 | a checkpoint was cut between its renames: the snapshot holds the log's records (checked), a fresh log is written |
 * | none | generation 0 | the empty generation-0 snapshot is written again (it held nothing) |
 * | none | generation > 0 | CORRUPT: the snapshot the log follows is missing |
 * | any | none | CORRUPT: writes after the snapshot cannot be ruled out (repair: continue from the snapshot) |
 * | version 1 | version 1 | recovered by version 1's rules, then checkpointed into version 2 |
 */
import { join } from 'node:path';
import { IndexError } from '../errors.js';
import { MemoryIndex } from '../memory-index.js';
import type { Files } from './files.js';
import { DEFAULT_EXTENT_BYTES, RECORD, SNAPSHOT_FILE, WAL_FILE, WAL_MAGIC, type WalHeader, corrupt, headerVersion, newStoreId } from './format.js';
import { V1, scanV1Log } from './format-v1.js';
import { type LogCounters, type LogFile, openLogFile, writeLogFile } from './log-file.js';
import { type LoadedSnapshot, loadSnapshot, writeSnapshotFile } from './snapshot.js';
import { type LogRecord, type LogScan, PayloadReader, countReadableRecords, scanLog } from './wal.js';

/** What `repair: true` dropped. */
export interface RepairReport {
  file: string;
  /** Why: the damage found, or that the log was missing. */
  reason: string;
  /** The byte range of the log that was dropped (empty when the log was missing). */
  fromByte: number;
  toByte: number;
  /** Records in the dropped range that still read whole (their writes are lost). */
  readableRecordsDropped: number;
  /** Where the damaged log was kept, or null when there was none. */
  keptCopy: string | null;
}

/** What opening found and did. */
export interface RecoveryReport {
  snapshotEntries: number;
  generation: number;
  /** Log records replayed on top of the snapshot. */
  replayedRecords: number;
  /** Bytes of a torn append (a record a crash cut short, never acknowledged) that were zeroed. */
  truncatedBytes: number;
  /** A log made stale by an interrupted checkpoint was replaced (its records are in the snapshot). */
  staleLogDropped: boolean;
  /** 1 when the directory was in format version 1 and was rewritten as version 2; else null. */
  upgradedFrom: number | null;
  /** What `repair: true` dropped, or null when nothing needed repair. */
  repaired: RepairReport | null;
  warnings: string[];
  durationMs: number;
}

export interface RecoveryOptions {
  repair: boolean;
  /** Extent size for a log created now. */
  extentBytes: number;
}

export interface Recovered {
  report: RecoveryReport;
  log: LogFile;
  storeId: string;
  generation: number;
}

const key = new Int32Array(4);

/** Applies one log record to memory, checking its payload; a malformed record is damage. */
function apply(memory: MemoryIndex, buffer: Buffer, record: LogRecord, file: string, expected: { generation: number; entries: number }): void {
  const r = new PayloadReader(buffer, record, file);
  switch (record.type) {
    case RECORD.insert: {
      r.id(key);
      const [at, length] = r.path();
      r.done();
      memory.insertEncoded(key[0], key[1], key[2], key[3], buffer, at, length);
      return;
    }
    case RECORD.delete:
      r.id(key);
      r.done();
      memory.deleteEncoded(key[0], key[1], key[2], key[3]);
      return;
    case RECORD.bulkInsert: {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        r.id(key);
        const [at, length] = r.path();
        memory.insertEncoded(key[0], key[1], key[2], key[3], buffer, at, length);
      }
      r.done();
      return;
    }
    case RECORD.bulkDelete: {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        r.id(key);
        memory.deleteEncoded(key[0], key[1], key[2], key[3]);
      }
      r.done();
      return;
    }
    case RECORD.checkpoint: {
      const generation = r.u32();
      const entries = r.u64();
      r.done();
      if (generation !== expected.generation || entries !== expected.entries) {
        throw corrupt(file, record.offset, `the log follows a snapshot of generation ${generation} with ${entries} entries, but the snapshot is generation ${expected.generation} with ${expected.entries}`);
      }
    }
  }
}

class Recovery {
  readonly snapshotPath: string;
  readonly walPath: string;
  readonly report: RecoveryReport = {
    snapshotEntries: 0,
    generation: 0,
    replayedRecords: 0,
    truncatedBytes: 0,
    staleLogDropped: false,
    upgradedFrom: null,
    repaired: null,
    warnings: [],
    durationMs: 0,
  };
  /** File changes to make once everything has checked out, in order. */
  private readonly actions: (() => void)[] = [];

  constructor(
    private readonly files: Files,
    private readonly dir: string,
    private readonly memory: MemoryIndex,
    private readonly options: RecoveryOptions,
    private readonly counters: LogCounters,
  ) {
    this.snapshotPath = join(dir, SNAPSHOT_FILE);
    this.walPath = join(dir, WAL_FILE);
  }

  run(): Recovered {
    const snapshot = this.files.stat(this.snapshotPath) ? loadSnapshot(this.files, this.snapshotPath, this.memory) : null;
    const log = this.files.readWhole(this.walPath);
    if (snapshot) {
      this.report.snapshotEntries = snapshot.header.entries;
      this.report.generation = snapshot.header.generation;
    }
    const logV1 = log !== null && log.length >= 12 && log.subarray(0, 8).equals(WAL_MAGIC) && headerVersion(log) === V1;
    const logV1Torn = log !== null && log.length < 24 && WAL_MAGIC.subarray(0, Math.min(8, log.length)).equals(log.subarray(0, Math.min(8, log.length)));
    if (snapshot?.version === V1 || (snapshot === null && (logV1 || (log !== null && logV1Torn && log.length < 12)))) return this.upgrade(snapshot, log);
    if (logV1) return this.staleV1Log(snapshot, log);
    let state: { header: WalHeader; used: number; seq: number };
    if (!snapshot && !log) state = this.create();
    else if (!log) state = this.missingLog(snapshot!);
    else state = this.withLog(snapshot, log);
    return this.finish(state);
  }

  private finish(state: { header: WalHeader; used: number; seq: number }): Recovered {
    this.files.remove(`${this.snapshotPath}.tmp`);
    this.files.remove(`${this.walPath}.tmp`);
    for (const action of this.actions) action();
    const log = openLogFile(this.files, this.walPath, state.header, state.used, state.seq, this.counters);
    return { report: this.report, log, storeId: state.header.storeId, generation: state.header.generation };
  }

  /** Replaces the log with a fresh one (temp, fsync, rename, directory fsync); returns its end. */
  private freshLog(header: WalHeader, content: { records: Uint8Array } | { entries: number }): number {
    const temp = `${this.walPath}.tmp`;
    const used = writeLogFile(this.files, temp, header, content);
    this.files.rename(temp, this.walPath);
    this.files.syncDirectory(this.dir);
    return used;
  }

  /** Writes the snapshot of `source` (the recovered contents, or an empty index for generation 0). */
  private freshSnapshot(generation: number, storeId: string, coveredRecords: number, source: MemoryIndex = this.memory): void {
    const temp = `${this.snapshotPath}.tmp`;
    writeSnapshotFile(this.files, temp, source, { generation, storeId, coveredRecords });
    this.files.rename(temp, this.snapshotPath);
    this.files.syncDirectory(this.dir);
  }

  /** A log for the snapshot alone: its checkpoint record and nothing after. */
  private logForSnapshot(header: WalHeader): { header: WalHeader; used: number; seq: number } {
    const state = { header, used: 0, seq: 1 };
    this.actions.push(() => {
      state.used = this.freshLog(header, { entries: this.memory.size });
    });
    return state;
  }

  private create(): { header: WalHeader; used: number; seq: number } {
    const header = { generation: 0, storeId: newStoreId(), extentBytes: this.options.extentBytes };
    const state = this.logForSnapshot(header);
    // The log first: a snapshot never exists without a log, so a missing log is always damage.
    this.actions.push(() => this.freshSnapshot(0, header.storeId, 0));
    return state;
  }

  private missingLog(snapshot: LoadedSnapshot): { header: WalHeader; used: number; seq: number } {
    const { generation, storeId } = snapshot.header;
    const what = `the log is missing, so writes acknowledged after the snapshot (generation ${generation}, ${snapshot.header.entries} entries) cannot be ruled out`;
    if (!this.options.repair) throw corrupt(this.walPath, 0, what, true);
    this.repaired({ file: this.walPath, reason: 'the log was missing', fromByte: 0, toByte: 0, readableRecordsDropped: 0, keptCopy: null });
    return this.logForSnapshot({ generation, storeId, extentBytes: this.options.extentBytes });
  }

  private repaired(repair: RepairReport): void {
    this.report.repaired = repair;
    this.report.warnings.push(
      `${repair.file}: repaired (${repair.reason}): ` +
        (repair.toByte > repair.fromByte ? `dropped bytes ${repair.fromByte}-${repair.toByte} holding ${repair.readableRecordsDropped} readable records` : 'continuing from the snapshot alone') +
        (repair.keptCopy ? `; the damaged log is kept as ${repair.keptCopy}` : ''),
    );
  }

  /** With `repair`, a log that cannot be used at all: keep a copy, continue from the snapshot. */
  private replaceUnusableLog(snapshot: LoadedSnapshot, log: Buffer, reason: IndexError): { header: WalHeader; used: number; seq: number } {
    if (!this.options.repair) throw reason;
    const keptCopy = this.keepCopy(log);
    this.repaired({ file: this.walPath, reason: reason.message, fromByte: 0, toByte: log.length, readableRecordsDropped: countReadableRecords(log, 0), keptCopy });
    return this.logForSnapshot({ generation: snapshot.header.generation, storeId: snapshot.header.storeId, extentBytes: this.options.extentBytes });
  }

  /** Plans to keep the damaged log's bytes beside the repaired one; returns the copy's name. */
  private keepCopy(log: Buffer): string {
    const copy = `${this.walPath}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    this.actions.push(() => {
      const fd = this.files.open(copy, 'create', 'create it');
      try {
        this.files.writeAll(fd, copy, log, 0);
        this.files.datasync(fd, copy);
      } finally {
        this.files.closeQuietly(fd);
      }
    });
    return copy;
  }

  private withLog(snapshot: LoadedSnapshot | null, log: Buffer): { header: WalHeader; used: number; seq: number } {
    let scan: LogScan;
    try {
      scan = scanLog(log, this.walPath);
      if (snapshot && scan.header.storeId !== snapshot.header.storeId) {
        throw corrupt(this.walPath, 16, `the log belongs to another index (store ${scan.header.storeId}, the snapshot's is ${snapshot.header.storeId})`, true);
      }
      if (snapshot && scan.header.generation !== snapshot.header.generation && scan.header.generation + 1 !== snapshot.header.generation) {
        throw corrupt(this.walPath, 12, `log generation ${scan.header.generation} does not follow snapshot generation ${snapshot.header.generation}`, true);
      }
    } catch (error) {
      if (!(error instanceof IndexError) || error.code !== 'CORRUPT' || !snapshot) throw error;
      return this.replaceUnusableLog(snapshot, log, error);
    }
    const { header } = scan;
    if (!snapshot) {
      if (header.generation !== 0) {
        throw corrupt(this.snapshotPath, 0, `the snapshot is missing, but the log (generation ${header.generation}) follows one; the log alone would lose the entries it held`);
      }
      this.report.warnings.push(`${this.snapshotPath}: missing; written again as the empty snapshot of generation 0 (the log holds everything since)`);
      this.actions.push(() => this.freshSnapshot(0, header.storeId, 0, new MemoryIndex()));
    } else if (header.generation + 1 === snapshot.header.generation) {
      return this.staleLog(snapshot, log, scan.records.length, scan.damage?.offset ?? null, scan.damage?.what ?? '');
    }
    if (scan.damage && !this.options.repair) throw corrupt(this.walPath, scan.damage.offset, scan.damage.what, true);
    const expected = { generation: header.generation, entries: snapshot?.header.entries ?? 0 };
    if (scan.records.length === 0 && !scan.damage) throw corrupt(this.walPath, scan.used, 'the log has no checkpoint record', true);
    for (const record of scan.records) apply(this.memory, log, record, this.walPath, expected);
    this.report.replayedRecords = scan.records.length;
    const state = { header, used: scan.used, seq: scan.records.length };
    if (scan.damage) {
      const keptCopy = this.keepCopy(log);
      this.repaired({ file: this.walPath, reason: scan.damage.what, fromByte: scan.damage.offset, toByte: log.length, readableRecordsDropped: countReadableRecords(log, scan.damage.offset), keptCopy });
      if (scan.records.length === 0) return this.logForSnapshot(header);
      this.actions.push(() => {
        state.used = this.freshLog(header, { records: log.subarray(scan.records[0].offset, scan.used) });
      });
      return state;
    }
    if (scan.tornTo > scan.used) {
      const torn = scan.tornTo - scan.used;
      this.report.truncatedBytes = torn;
      this.report.warnings.push(`${this.walPath}: zeroed a torn record of ${torn} bytes at byte ${scan.used} (an append cut short by a crash; its call never returned)`);
    }
    if (scan.tornTo > scan.used || scan.partialExtent) {
      if (scan.partialExtent) this.report.warnings.push(`${this.walPath}: an extension of the log was cut short by a crash; it was redone`);
      const extent = header.extentBytes;
      this.actions.push(() => {
        const { fd } = this.files.openRegular(this.walPath, 'update');
        try {
          if (scan.tornTo > scan.used) this.files.zero(fd, this.walPath, scan.used, scan.tornTo);
          if (scan.partialExtent) this.files.zero(fd, this.walPath, log.length, Math.ceil(log.length / extent) * extent);
          this.files.datasync(fd, this.walPath);
        } finally {
          this.files.closeQuietly(fd);
        }
      });
    }
    return state;
  }

  /**
   * The log of the generation before the snapshot's: a checkpoint was cut between renaming its
   * snapshot and its log. The snapshot says how many of that log's records it holds; a log with
   * more (a second writer, a restored file) would lose them, so it is damage.
   */
  private staleLog(snapshot: LoadedSnapshot, log: Buffer | null, records: number, damageAt: number | null, damage: string): { header: WalHeader; used: number; seq: number } {
    const covered = snapshot.header.coveredRecords;
    let problem: IndexError | null = null;
    if (damageAt !== null) problem = corrupt(this.walPath, damageAt, `${damage} (in the log the snapshot replaced)`, true);
    else if (records > covered) problem = corrupt(this.walPath, 0, `the log of generation ${snapshot.header.generation - 1} holds ${records} records, but the snapshot that replaced it holds only its first ${covered}`, true);
    if (problem) return this.replaceUnusableLog(snapshot, log ?? Buffer.alloc(0), problem);
    this.report.staleLogDropped = true;
    this.report.warnings.push(`${this.walPath}: generation ${snapshot.header.generation - 1} predates the snapshot's (a checkpoint was interrupted); its records are in the snapshot; a fresh log was written`);
    return this.logForSnapshot({ generation: snapshot.header.generation, storeId: snapshot.header.storeId, extentBytes: this.options.extentBytes });
  }

  /** A version-1 log beside a version-2 snapshot: an upgrade cut between its renames. */
  private staleV1Log(snapshot: LoadedSnapshot | null, log: Buffer): Recovered {
    // Version 2 never writes a version-1 log, and the upgrade wrote its snapshot from everything
    // the version-1 log held; nothing writes between the two renames.
    if (!snapshot) throw corrupt(this.walPath, 8, 'a version-1 log without its snapshot');
    const v1 = scanV1Log(log, this.walPath);
    if (v1.generation === null || v1.generation >= snapshot.header.generation || v1.records.length > snapshot.header.coveredRecords) {
      throw corrupt(this.walPath, 12, `a version-1 log (generation ${v1.generation}, ${v1.records.length} records) that the version-2 snapshot (generation ${snapshot.header.generation}) does not hold`);
    }
    this.report.upgradedFrom = V1;
    this.report.staleLogDropped = true;
    this.report.warnings.push(`${this.walPath}: the version-1 log left by an interrupted upgrade is in the snapshot; a fresh log was written`);
    return this.finish(this.logForSnapshot({ generation: snapshot.header.generation, storeId: snapshot.header.storeId, extentBytes: this.options.extentBytes }));
  }

  /** Recovers a version-1 directory by version 1's rules, then checkpoints it as version 2. */
  private upgrade(snapshot: LoadedSnapshot | null, log: Buffer | null): Recovered {
    const generation = snapshot?.header.generation ?? 0;
    let records = 0;
    if (log) {
      const v1 = scanV1Log(log, this.walPath);
      if (v1.generation !== null && v1.generation > generation) {
        throw corrupt(this.walPath, 12, `log generation ${v1.generation} needs snapshot generation ${v1.generation}, but ${snapshot ? `the snapshot has generation ${generation}` : 'there is no snapshot'}`);
      }
      if (v1.generation === generation) {
        const expected = { generation, entries: snapshot?.header.entries ?? 0 };
        for (const record of v1.records) apply(this.memory, log, record, this.walPath, expected);
        records = v1.records.length;
        this.report.replayedRecords = records;
        if (v1.tornBytes > 0) this.report.warnings.push(`${this.walPath}: dropped a torn record of ${v1.tornBytes} bytes at the end of the version-1 log`);
      } else if (v1.generation !== null) {
        this.report.staleLogDropped = true;
        records = v1.records.length;
      }
    }
    this.report.upgradedFrom = V1;
    this.report.warnings.push(`${this.dir}: format version 1 (tunebench 0.1.0) upgraded to version ${2}: snapshot and log rewritten`);
    const header = { generation: generation + 1, storeId: newStoreId(), extentBytes: this.options.extentBytes };
    const state = { header, used: 0, seq: 1 };
    // As a checkpoint does: the snapshot first; a cut between the renames leaves a stale v1 log.
    this.actions.push(() => {
      this.freshSnapshot(header.generation, header.storeId, records);
      state.used = this.freshLog(header, { entries: this.memory.size });
    });
    this.report.generation = header.generation;
    return this.finish(state);
  }
}

export function recover(files: Files, dir: string, memory: MemoryIndex, options: Partial<RecoveryOptions>, counters: LogCounters): Recovered {
  return new Recovery(files, dir, memory, { repair: options.repair ?? false, extentBytes: options.extentBytes ?? DEFAULT_EXTENT_BYTES }, counters).run();
}
