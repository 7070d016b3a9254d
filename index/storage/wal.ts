/**
 * Reading the write-ahead log back. A record that is cut short or fails its checksum at the very
 * end of the file is a torn write from a crash: it is dropped (the caller truncates it, after
 * everything else checked out). Anything wrong before the end is damage: the open is refused and
 * no file is changed.
 */
import { MAX_RECORD_BYTES, RECORD, RECORD_HEADER_BYTES, WAL_HEADER_BYTES, WAL_MAGIC, checksum, corrupt, decodeWalHeader } from './format.js';

export interface LogRecord {
  offset: number;
  type: number;
  /** Payload bounds in the file buffer (after the type byte). */
  start: number;
  end: number;
}

export interface LogScan {
  /** null when the file held no complete header (a log torn while being created). */
  generation: number | null;
  records: LogRecord[];
  /** Bytes up to the end of the last good record: the length to truncate a torn tail to. */
  validEnd: number;
  tornBytes: number;
}

const KNOWN_TYPES = new Set<number>(Object.values(RECORD));

export function scanLog(buffer: Buffer, file: string): LogScan {
  if (buffer.length < WAL_HEADER_BYTES) {
    // Created but torn before its header was complete: only a prefix of the magic may be there.
    const present = buffer.subarray(0, Math.min(buffer.length, WAL_MAGIC.length));
    if (!WAL_MAGIC.subarray(0, present.length).equals(present)) throw corrupt(file, 0, 'not a tunebench log (bad magic)');
    return { generation: null, records: [], validEnd: 0, tornBytes: buffer.length };
  }
  const { generation } = decodeWalHeader(buffer, file);
  const records: LogRecord[] = [];
  let pos = WAL_HEADER_BYTES;
  while (pos < buffer.length) {
    const left = buffer.length - pos;
    if (left < RECORD_HEADER_BYTES) return { generation, records, validEnd: pos, tornBytes: left };
    const length = buffer.readUInt32LE(pos);
    const end = pos + RECORD_HEADER_BYTES + length;
    if (length < 1 || length > MAX_RECORD_BYTES || end > buffer.length) {
      // A length running past the end of the file can only be a torn tail.
      if (end > buffer.length || length > MAX_RECORD_BYTES) return { generation, records, validEnd: pos, tornBytes: left };
      throw corrupt(file, pos, `record length ${length} is impossible`);
    }
    const body = buffer.subarray(pos + RECORD_HEADER_BYTES, end);
    if (checksum(body) !== buffer.readUInt32LE(pos + 4)) {
      if (end === buffer.length) return { generation, records, validEnd: pos, tornBytes: left };
      throw corrupt(file, pos, 'record checksum mismatch before the end of the log');
    }
    const type = body[0];
    if (!KNOWN_TYPES.has(type)) throw corrupt(file, pos, `unknown record type ${type}`);
    records.push({ offset: pos, type, start: pos + RECORD_HEADER_BYTES + 1, end });
    pos = end;
  }
  return { generation, records, validEnd: pos, tornBytes: 0 };
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
    if (this.pos + bytes > this.record.end) throw corrupt(this.file, this.record.offset, `record type ${this.record.type} is shorter than its contents`);
  }

  u32(): number {
    this.need(4);
    const value = this.buffer.readUInt32LE(this.pos);
    this.pos += 4;
    return value;
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
    if (length < 1 || length > 4096) throw corrupt(this.file, this.record.offset, `path length ${length} out of range`);
    this.pos += 2;
    this.need(length);
    const at = this.pos;
    this.pos += length;
    return [at, length];
  }

  done(): void {
    if (this.pos !== this.record.end) throw corrupt(this.file, this.record.offset, `record type ${this.record.type} has ${this.record.end - this.pos} bytes too many`);
  }
}
