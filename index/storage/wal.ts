/**
 * Reading the write-ahead log back, and telling a crash from damage.
 *
 * The writer's promises (format.ts): records are written into space already allocated as zeros,
 * one after another from the header on; a record never ends at the end of the file; the file grows
 * in whole extents. So a crash can leave exactly two things behind:
 *
 * - a **torn append**: a prefix of the last record ending on a sector boundary (TEAR_ALIGN), then
 *   only zeros (an append cut short by a kill or a power cut). It was never acknowledged, and it
 *   is zeroed out silently;
 * - an **interrupted extension**: a file that is not a whole number of extents, with nothing but
 *   zeros past the last record. Nothing was lost; the extension is redone.
 *
 * Everything else is damage and refuses to open, naming the byte: a header or record checksum that
 * fails in a complete record (even the last one), a record cut off by the end of the file, a file
 * that ends right after a record (its zeros were cut off), nonzero bytes where zeros belong, a
 * sequence number out of order, an unknown type. Changing any single byte of a log we wrote gives
 * damage or, at worst, a stray byte after the last record read as a torn append: never a lost
 * record (a complete record's trailer is two nonzero bytes, so one changed byte cannot make it look
 * cut short). The byte-flip and truncation tests (test/index/durable-damage.test.ts) check every
 * position.
 *
 * One state a crash can leave is refused all the same: an append torn exactly one byte short
 * (only its last trailer byte missing, the record ending one byte past a sector boundary) looks
 * like a complete record whose last byte was zeroed. Refusing keeps the rule "one changed byte
 * never loses a record"; `repair: true` drops it. And one kind of damage cannot be told from a
 * crash: zeros written over the end of the last record from a sector boundary on are exactly what
 * a power cut leaves, so that record is dropped as torn.
 */
import {
  MAX_RECORD_BYTES,
  RECORD,
  RECORD_HEADER_BYTES,
  RECORD_OVERHEAD,
  RECORD_TRAILER,
  RECORD_TRAILER_BYTES,
  TEAR_ALIGN,
  WAL_HEADER_BYTES,
  type WalHeader,
  checksum,
  corrupt,
  decodeWalHeader,
} from './format.js';

export interface LogRecord {
  offset: number;
  seq: number;
  type: number;
  /** Payload bounds in the file buffer (after the type byte, before the trailer). */
  start: number;
  end: number;
}

export interface LogDamage {
  offset: number;
  what: string;
}

export interface LogScan {
  header: WalHeader;
  records: LogRecord[];
  /** End of the last good record: where the next record goes. */
  used: number;
  fileBytes: number;
  /** Bytes [used, tornTo) hold the prefix of an append that a crash cut short; 0 when none. */
  tornTo: number;
  /** The file is not a whole number of extents (an extension was interrupted); zeros only past `used`. */
  partialExtent: boolean;
  /** The first damage found; the records before it are good. */
  damage: LogDamage | null;
}

const KNOWN_TYPES = new Set<number>(Object.values(RECORD));

/** The offset just past the last nonzero byte of `buffer` (everything from there on is zero). */
function zeroSuffixStart(buffer: Buffer, floor: number): number {
  let at = buffer.length;
  while (at > floor && buffer[at - 1] === 0) at--;
  return at;
}

/**
 * Scans a whole log file. A bad header throws CORRUPT (there is nothing to keep); damage after it
 * is returned in `damage`, so that `repair` can keep the records before it.
 */
export function scanLog(buffer: Buffer, file: string): LogScan {
  const header = decodeWalHeader(buffer, file);
  const records: LogRecord[] = [];
  const length = buffer.length;
  const zerosFrom = zeroSuffixStart(buffer, WAL_HEADER_BYTES);
  const scan = (used: number, tornTo: number, damage: LogDamage | null): LogScan => {
    // A file that is not whole extents is an interrupted extension only if all of it past the
    // last written byte lies in the part being added: whole extents hold every record.
    const written = Math.max(used, tornTo);
    const wholeExtents = length - (length % header.extentBytes);
    const partialExtent = length % header.extentBytes !== 0;
    if (!damage && partialExtent && written >= wholeExtents) {
      damage = { offset: wholeExtents, what: `the file is ${length} bytes, not a whole number of ${header.extentBytes}-byte extents, and its records run past byte ${wholeExtents}: it was cut` };
    }
    if (!damage && written === length) damage = { offset: length, what: 'the file ends right after its last record, where zeros always follow: it was cut' };
    return { header, records, used, fileBytes: length, tornTo: damage ? 0 : tornTo, partialExtent, damage };
  };
  let pos = WAL_HEADER_BYTES;
  let seq = 0;
  while (pos < zerosFrom) {
    if (pos + RECORD_HEADER_BYTES > length) return scan(pos, 0, { offset: pos, what: 'a record header is cut off by the end of the file' });
    // Where a tear that left these bytes would have stopped: the next sector boundary.
    const tornAt = Math.ceil(zerosFrom / TEAR_ALIGN) * TEAR_ALIGN;
    if (buffer.readUInt32LE(pos + 12) !== checksum(buffer.subarray(pos, pos + 12))) {
      // Written bytes end inside this header and only zeros follow: an append that stopped short.
      if (tornAt < pos + RECORD_HEADER_BYTES) return scan(pos, zerosFrom, null);
      const allZero = buffer.subarray(pos, pos + RECORD_HEADER_BYTES).every((b) => b === 0);
      return scan(pos, 0, { offset: pos, what: allZero ? `bytes other than zeros after the last record (first at byte ${firstNonZero(buffer, pos)})` : 'record header checksum mismatch' });
    }
    const bodyLength = buffer.readUInt32LE(pos);
    if (bodyLength < 1 || bodyLength > MAX_RECORD_BYTES) return scan(pos, 0, { offset: pos, what: `record length ${bodyLength} is impossible` });
    const bodyStart = pos + RECORD_HEADER_BYTES;
    const bodyEnd = bodyStart + bodyLength;
    const end = bodyEnd + RECORD_TRAILER_BYTES;
    if (end > length) return scan(pos, 0, { offset: pos, what: `a record of ${bodyLength + RECORD_OVERHEAD} bytes runs past the end of the file (${length} bytes): it was cut` });
    const body = buffer.subarray(bodyStart, bodyEnd);
    if (buffer.readUInt16LE(bodyEnd) !== RECORD_TRAILER || checksum(body) !== buffer.readUInt32LE(pos + 8)) {
      // The trailer and everything after it are zeros: the append stopped before its end.
      if (tornAt <= bodyEnd) return scan(pos, zerosFrom, null);
      return scan(pos, 0, { offset: pos, what: 'record checksum mismatch' });
    }
    const recordSeq = buffer.readUInt32LE(pos + 4);
    if (recordSeq !== seq) return scan(pos, 0, { offset: pos, what: `record sequence number ${recordSeq} where ${seq} was expected (records from elsewhere, or missing ones)` });
    const type = body[0];
    if (!KNOWN_TYPES.has(type)) return scan(pos, 0, { offset: pos, what: `unknown record type ${type}` });
    if ((type === RECORD.checkpoint) !== (seq === 0)) {
      return scan(pos, 0, { offset: pos, what: seq === 0 ? `the first record has type ${type}, not a checkpoint` : 'a checkpoint record after the first' });
    }
    records.push({ offset: pos, seq, type, start: bodyStart + 1, end: bodyEnd });
    pos = end;
    seq++;
  }
  return scan(pos, 0, null);
}

function firstNonZero(buffer: Buffer, from: number): number {
  let at = from;
  while (at < buffer.length && buffer[at] === 0) at++;
  return at;
}

/**
 * How many records still read whole after `from` (a header and body whose checksums hold), to say
 * what a repair drops. A byte-by-byte search: only run when repairing.
 */
export function countReadableRecords(buffer: Buffer, from: number): number {
  let count = 0;
  for (let pos = from; pos + RECORD_OVERHEAD < buffer.length; ) {
    const bodyLength = buffer.readUInt32LE(pos);
    const end = pos + RECORD_OVERHEAD + bodyLength;
    if (
      bodyLength >= 1 &&
      end <= buffer.length &&
      buffer.readUInt32LE(pos + 12) === checksum(buffer.subarray(pos, pos + 12)) &&
      buffer.readUInt32LE(pos + 8) === checksum(buffer.subarray(pos + RECORD_HEADER_BYTES, end - RECORD_TRAILER_BYTES))
    ) {
      count++;
      pos = end;
    } else pos++;
  }
  return count;
}

/** Reads the payload of a record, checking every bound: a well-checksummed but malformed record is damage. */
export class PayloadReader {
  pos: number;

  constructor(
    readonly buffer: Buffer,
    private readonly record: LogRecord,
    private readonly file: string,
  ) {
    this.pos = record.start;
  }

  private need(bytes: number): void {
    if (this.pos + bytes > this.record.end) throw corrupt(this.file, this.record.offset, `record type ${this.record.type} is shorter than its contents`, true);
  }

  u32(): number {
    this.need(4);
    const value = this.buffer.readUInt32LE(this.pos);
    this.pos += 4;
    return value;
  }

  u64(): number {
    const low = this.u32();
    return low + this.u32() * 2 ** 32;
  }

  /** An id's four unsigned words, returned sign-flipped into `out`. */
  id(out: Int32Array): void {
    this.need(16);
    for (let w = 0; w < 4; w++) out[w] = this.buffer.readUInt32LE(this.pos + 4 * w) ^ 0x80000000;
    this.pos += 16;
  }

  /** A path: returns [offset, length] of its bytes in the buffer. */
  path(): [number, number] {
    this.need(2);
    const length = this.buffer.readUInt16LE(this.pos);
    if (length < 1 || length > 4096) throw corrupt(this.file, this.record.offset, `path length ${length} out of range`, true);
    this.pos += 2;
    this.need(length);
    const at = this.pos;
    this.pos += length;
    return [at, length];
  }

  done(): void {
    if (this.pos !== this.record.end) throw corrupt(this.file, this.record.offset, `record type ${this.record.type} has ${this.record.end - this.pos} bytes too many`, true);
  }
}
