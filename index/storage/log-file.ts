/**
 * The live write-ahead log: appends records into preallocated zeros, grows by whole extents, and
 * undoes a failed append so that a call that throws leaves nothing behind.
 *
 * After a failed fdatasync the log stops taking writes (`failure`): Linux may already have dropped
 * the pages it could not write and will report success to the next fsync, so only a fresh recovery
 * from the files can say what is on disk (PostgreSQL's rule since 2018, for the same reason).
 */
import { IndexError } from '../errors.js';
import type { Files } from './files.js';
import { RECORD, RecordWriter, WAL_HEADER_BYTES, type WalHeader, encodeWalHeader } from './format.js';

/** Bytes of a failed write that did reach the file (Files.writeAll records them). */
function writtenBefore(error: unknown): number {
  return (error as { written?: number }).written ?? 0;
}

function roundUp(value: number, unit: number): number {
  return Math.ceil(value / unit) * unit;
}

export interface LogCounters {
  fsyncs: number;
  logRecords: number;
  logBytes: number;
  extents: number;
}

export class LogFile {
  /** Why the log takes no more writes, or null. */
  failure: string | null = null;
  /** Records written since the last fdatasync. */
  unsynced = false;

  constructor(
    private readonly files: Files,
    readonly path: string,
    private readonly fd: number,
    readonly header: WalHeader,
    /** End of the last record: where the next goes. */
    public used: number,
    /** File size: a whole number of extents, always more than `used`. */
    private allocated: number,
    /** Sequence number of the next record. */
    public seq: number,
    private readonly counters: LogCounters,
  ) {}

  /**
   * fdatasync of everything appended so far, off the event loop. Nothing may be appended until it
   * settles (the OptimizedIndex's group commit holds the next group meanwhile). A failure stops
   * the log like a failed `sync`: the records stay in the file, unacknowledged.
   */
  async syncAsync(): Promise<void> {
    try {
      await this.files.datasyncAsync(this.fd, this.path);
    } catch (error) {
      this.failure = (error as Error).message;
      throw error;
    }
    this.counters.fsyncs++;
    this.unsynced = false;
  }

  /**
   * Appends the records in `bytes` (`records` of them) and, when `sync`, fdatasyncs. Throws IO
   * having written nothing that a reopen would replay (or, if even the undo failed, says so).
   */
  append(bytes: Uint8Array, records: number, sync: boolean): void {
    const at = this.used;
    const end = at + bytes.length;
    if (end >= this.allocated) this.extend(end);
    try {
      this.files.writeAll(this.fd, this.path, bytes, at, 'append to it');
    } catch (error) {
      throw this.undo(at, writtenBefore(error), error as IndexError, false);
    }
    this.unsynced = true;
    if (sync) {
      try {
        this.files.datasync(this.fd, this.path);
      } catch (error) {
        throw this.undo(at, bytes.length, error as IndexError, true);
      }
      this.counters.fsyncs++;
      this.unsynced = false;
    }
    this.used = end;
    this.seq += records;
    this.counters.logRecords += records;
    this.counters.logBytes += bytes.length;
  }

  /** fdatasync of everything appended so far. */
  sync(): void {
    try {
      this.files.datasync(this.fd, this.path);
    } catch (error) {
      this.failure = (error as Error).message;
      throw error;
    }
    this.counters.fsyncs++;
    this.unsynced = false;
  }

  /**
   * Grows the file to whole extents past `end` by writing zeros. Not fsynced here: the record's
   * own fdatasync makes the zeros and the new size durable with it. A failure cuts the file back
   * (or leaves a partial extent of zeros, which recovery recognises as an interrupted extension).
   */
  private extend(end: number): void {
    const target = roundUp(end + 1, this.header.extentBytes);
    try {
      this.files.zero(this.fd, this.path, this.allocated, target, 'grow it');
    } catch (error) {
      try {
        this.files.truncate(this.fd, this.path, this.allocated);
      } catch {
        /* a partial extent of zeros is a state recovery accepts */
      }
      throw error;
    }
    this.allocated = target;
    this.counters.extents++;
  }

  /** Zeros the `written` bytes of a failed append at `at`; returns the error to throw. */
  private undo(at: number, written: number, cause: IndexError, syncFailed: boolean): IndexError {
    let undone = written === 0;
    if (!undone) {
      try {
        this.files.zero(this.fd, this.path, at, at + written, 'undo a failed append');
        if (syncFailed) this.files.datasync(this.fd, this.path);
        undone = true;
      } catch {
        undone = false;
      }
    }
    const outcome = undone ? 'the change was not applied' : 'the change was not applied, but its record could not be removed from the log and may reappear when the index is reopened';
    if (syncFailed || !undone) this.failure = `${cause.message}; ${outcome}`;
    const after = this.failure ? '; the index takes no more writes until it is reopened' : '';
    return new IndexError('IO', `${cause.message}; ${outcome}${after}`, { cause });
  }

  close(): void {
    this.files.close(this.fd, this.path);
  }

  closeQuietly(): void {
    this.files.closeQuietly(this.fd);
  }
}

/**
 * Writes a complete new log file at `temp`: its header, then `records` (the bytes of whole records,
 * from record 0) or else a single checkpoint record for a snapshot of `entries` entries, then zeros
 * to the end of the extent; fdatasyncs and closes it. Returns the end of its records. The caller
 * renames it into place.
 */
export function writeLogFile(files: Files, temp: string, header: WalHeader, content: { records: Uint8Array } | { entries: number }): number {
  let records: Uint8Array;
  if ('records' in content) records = content.records;
  else {
    const w = new RecordWriter();
    w.reset(0);
    w.begin(RECORD.checkpoint);
    w.u32(header.generation);
    w.u64(content.entries);
    w.end();
    records = w.bytes();
  }
  const used = WAL_HEADER_BYTES + records.length;
  files.remove(temp);
  const fd = files.open(temp, 'create', 'create it');
  try {
    files.writeAll(fd, temp, encodeWalHeader(header), 0);
    files.writeAll(fd, temp, records, WAL_HEADER_BYTES);
    const size = roundUp(used + 1, header.extentBytes);
    files.zero(fd, temp, used, size);
    files.datasync(fd, temp);
    // Read back what a reopen will rely on: the size, the header and the records.
    const back = Buffer.allocUnsafe(used);
    let got = 0;
    while (got < used) {
      const n = files.read(fd, temp, back, got, used - got, got);
      if (n === 0) break;
      got += n;
    }
    if (files.fstat(fd, temp).size !== size || got !== used || !back.subarray(0, WAL_HEADER_BYTES).equals(encodeWalHeader(header)) || !back.subarray(WAL_HEADER_BYTES).equals(records)) {
      throw new IndexError('IO', `${temp}: the new log failed verification: it reads back different from what was written`);
    }
    files.close(fd, temp);
    return used;
  } catch (error) {
    files.closeQuietly(fd);
    files.removeQuietly(temp);
    throw error;
  }
}

/** Opens the log at `path` for appending, positioned after its records. */
export function openLogFile(files: Files, path: string, header: WalHeader, used: number, seq: number, counters: LogCounters): LogFile {
  const { fd, size } = files.openRegular(path, 'update');
  return new LogFile(files, path, fd, header, used, size - (size % header.extentBytes), seq, counters);
}
