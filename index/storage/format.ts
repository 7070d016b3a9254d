/**
 * On-disk formats of a durable index directory, version 2 (all integers little-endian).
 *
 * snapshot.tbs  header (56 bytes): magic "TBSNAPSH", u32 version, u32 generation, 8-byte store id,
 *               u64 entries, u64 body bytes, u32 CRC32 of the body, u32 records of the previous
 *               generation's log that the snapshot includes, u32 reserved, u32 CRC32 of bytes 0..51;
 *               body: per entry in key order: 4 x u32 id words, u16 path length, path bytes.
 * wal.tbl       header (32 bytes): magic "TBWALOG1", u32 version, u32 generation, 8-byte store id,
 *               u32 extent bytes, u32 CRC32 of bytes 0..27;
 *               records: u32 body length, u32 sequence number, u32 CRC32 of the body, u32 CRC32 of
 *               the first 12 header bytes, body (u8 type, payload), trailer 0xA5 0x5A;
 *               then zeros to the end of the file.
 *
 * Record types: 1 insert (id, u16 length, path), 2 delete (id), 3 bulk insert (u32 count, then
 * count x (id, u16 length, path)), 4 bulk delete (u32 count, then count x id), 5 checkpoint
 * (u32 generation, u64 entries): always record 0 of a log. An id is its four u32 words (the UUID's
 * hex digits, most significant first).
 *
 * Why this framing (it lets recovery tell a crash from damage; see wal.ts for the rules):
 * - The header has its own checksum, so a damaged length is seen as damage, never as a record that
 *   runs past the end of the file.
 * - The log is allocated in whole extents of zeros before records are written into them (as
 *   PostgreSQL preallocates WAL segments), and a record never ends at the end of the file. A crash
 *   during an append leaves a record prefix followed by zeros; a cut file, a missing tail or bytes
 *   where zeros belong can then only be damage.
 * - The two-byte trailer is never zero, so changing any one byte of a complete record can never
 *   make it look like an append that stopped short.
 * - Sequence numbers and the store id catch records or files from elsewhere.
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { IndexError } from '../errors.js';

export const FORMAT_VERSION = 2;
export const SNAPSHOT_FILE = 'snapshot.tbs';
export const WAL_FILE = 'wal.tbl';
export const LOCK_FILE = 'LOCK';
export const SNAPSHOT_MAGIC = Buffer.from('TBSNAPSH', 'latin1');
export const WAL_MAGIC = Buffer.from('TBWALOG1', 'latin1');
export const SNAPSHOT_HEADER_BYTES = 56;
export const WAL_HEADER_BYTES = 32;
export const RECORD_HEADER_BYTES = 16;
export const RECORD_TRAILER = 0x5aa5; // bytes 0xA5 0x5A
export const RECORD_TRAILER_BYTES = 2;
export const RECORD_OVERHEAD = RECORD_HEADER_BYTES + RECORD_TRAILER_BYTES;
/** The largest record: one bulk call's log entry. A bigger call is refused with CAPACITY. */
export const MAX_RECORD_BYTES = 1 << 30;
/**
 * Default allocation unit of the log. 64 KiB: zeroing one costs about 20 us, once per ~1000
 * individual records (measured with `npm run bench:durable`), and a tiny index stays tiny.
 */
export const DEFAULT_EXTENT_BYTES = 64 * 1024;
/**
 * A torn append ends on a sector boundary of the file: a kill stops a write between pages (4 KiB)
 * and a power cut leaves whole sectors (512 bytes) old or new. A prefix that ends anywhere else
 * is damage.
 */
export const TEAR_ALIGN = 512;
export const MIN_EXTENT_BYTES = 4096;
export const MAX_EXTENT_BYTES = 64 * 1024 * 1024;
export const STORE_ID_BYTES = 8;

export const RECORD = { insert: 1, delete: 2, bulkInsert: 3, bulkDelete: 4, checkpoint: 5 } as const;

export function checksum(data: Uint8Array, previous = 0): number {
  return crc32(data, previous) >>> 0;
}

export function corrupt(file: string, offset: number, what: string, repairable = false): IndexError {
  const next = repairable
    ? 'nothing was changed (restore it from a backup, or open with { repair: true } to cut the log at the damage and keep a copy of it)'
    : 'nothing was changed (restore it from a backup)';
  return new IndexError('CORRUPT', `${file} is damaged at byte ${offset}: ${what}; ${next}`);
}

export function newStoreId(): string {
  return randomBytes(STORE_ID_BYTES).toString('hex');
}

function writeU64(b: Buffer, value: number, at: number): void {
  b.writeUInt32LE(value % 2 ** 32, at);
  b.writeUInt32LE(Math.floor(value / 2 ** 32), at + 4);
}

function readU64(b: Buffer, at: number): number {
  return b.readUInt32LE(at) + b.readUInt32LE(at + 4) * 2 ** 32;
}

export interface SnapshotHeader {
  generation: number;
  storeId: string;
  entries: number;
  bodyBytes: number;
  bodyCrc: number;
  /** Records of generation - 1's log (its checkpoint record included) that this snapshot holds. */
  coveredRecords: number;
}

export function encodeSnapshotHeader(header: SnapshotHeader): Buffer {
  const b = Buffer.alloc(SNAPSHOT_HEADER_BYTES);
  SNAPSHOT_MAGIC.copy(b, 0);
  b.writeUInt32LE(FORMAT_VERSION, 8);
  b.writeUInt32LE(header.generation, 12);
  b.write(header.storeId, 16, STORE_ID_BYTES, 'hex');
  writeU64(b, header.entries, 24);
  writeU64(b, header.bodyBytes, 32);
  b.writeUInt32LE(header.bodyCrc, 40);
  b.writeUInt32LE(header.coveredRecords, 44);
  b.writeUInt32LE(checksum(b.subarray(0, 52)), 52);
  return b;
}

/** The version a file's header claims, once its magic is known good; for the upgrade from version 1. */
export function headerVersion(b: Buffer): number {
  return b.length >= 12 ? b.readUInt32LE(8) : -1;
}

/** Reads and checks a snapshot header; throws CORRUPT or UNSUPPORTED_VERSION naming the file. */
export function decodeSnapshotHeader(b: Buffer, file: string): SnapshotHeader {
  if (b.length === 0) throw corrupt(file, 0, 'the file is empty (a snapshot is only ever renamed into place complete)');
  if (b.length < SNAPSHOT_HEADER_BYTES) throw corrupt(file, b.length, `the file ends inside its ${SNAPSHOT_HEADER_BYTES}-byte header`);
  if (!b.subarray(0, 8).equals(SNAPSHOT_MAGIC)) throw corrupt(file, 0, 'not a tunebench snapshot (bad magic)');
  if (b.readUInt32LE(52) !== checksum(b.subarray(0, 52))) throw corrupt(file, 52, 'header checksum mismatch');
  checkVersion(b.readUInt32LE(8), file);
  return {
    generation: b.readUInt32LE(12),
    storeId: b.toString('hex', 16, 16 + STORE_ID_BYTES),
    entries: readU64(b, 24),
    bodyBytes: readU64(b, 32),
    bodyCrc: b.readUInt32LE(40),
    coveredRecords: b.readUInt32LE(44),
  };
}

export interface WalHeader {
  generation: number;
  storeId: string;
  extentBytes: number;
}

export function encodeWalHeader(header: WalHeader): Buffer {
  const b = Buffer.alloc(WAL_HEADER_BYTES);
  WAL_MAGIC.copy(b, 0);
  b.writeUInt32LE(FORMAT_VERSION, 8);
  b.writeUInt32LE(header.generation, 12);
  b.write(header.storeId, 16, STORE_ID_BYTES, 'hex');
  b.writeUInt32LE(header.extentBytes, 24);
  b.writeUInt32LE(checksum(b.subarray(0, 28)), 28);
  return b;
}

export function decodeWalHeader(b: Buffer, file: string): WalHeader {
  if (b.length < WAL_HEADER_BYTES) throw corrupt(file, b.length, `the file ends inside its ${WAL_HEADER_BYTES}-byte header (a log is only ever renamed into place complete)`, true);
  if (!b.subarray(0, 8).equals(WAL_MAGIC)) throw corrupt(file, 0, 'not a tunebench log (bad magic)', true);
  if (b.readUInt32LE(28) !== checksum(b.subarray(0, 28))) throw corrupt(file, 28, 'header checksum mismatch', true);
  checkVersion(b.readUInt32LE(8), file);
  const extentBytes = b.readUInt32LE(24);
  if (extentBytes < MIN_EXTENT_BYTES || extentBytes > MAX_EXTENT_BYTES || (extentBytes & (extentBytes - 1)) !== 0) {
    throw corrupt(file, 24, `extent size ${extentBytes} is not a power of two between ${MIN_EXTENT_BYTES} and ${MAX_EXTENT_BYTES}`, true);
  }
  return { generation: b.readUInt32LE(12), storeId: b.toString('hex', 16, 16 + STORE_ID_BYTES), extentBytes };
}

function checkVersion(version: number, file: string): void {
  if (version !== FORMAT_VERSION) {
    throw new IndexError('UNSUPPORTED_VERSION', `${file} has format version ${version}; this build of tunebench reads version ${FORMAT_VERSION} (and upgrades version 1); nothing was changed`);
  }
}

/** A growable byte buffer for encoding records, reused between calls. */
export class RecordWriter {
  private buffer = Buffer.allocUnsafe(4096);
  length = 0;
  /** Records begun since the last reset. */
  records = 0;
  private start = 0;
  private seq = 0;

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const needed = this.length + bytes;
    // A write group holds at most two records (its inserts and its deletes).
    const limit = 2 * (MAX_RECORD_BYTES + RECORD_OVERHEAD);
    if (needed > limit || needed - this.start > MAX_RECORD_BYTES + RECORD_OVERHEAD) {
      throw new IndexError('CAPACITY', `one call would write a log record of more than ${MAX_RECORD_BYTES / 2 ** 20} MiB; split the batch`);
    }
    const next = Buffer.allocUnsafe(Math.min(limit, Math.max(this.buffer.length * 2, needed)));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  /** Starts a record of `type`; finish it with `end()`. */
  begin(type: number): void {
    this.start = this.length;
    this.room(RECORD_HEADER_BYTES + 1);
    this.length += RECORD_HEADER_BYTES;
    this.buffer[this.length++] = type;
  }

  u32(value: number): void {
    this.room(4);
    this.buffer.writeUInt32LE(value >>> 0, this.length);
    this.length += 4;
  }

  u64(value: number): void {
    this.u32(value % 2 ** 32);
    this.u32(Math.floor(value / 2 ** 32));
  }

  /** Four sign-flipped stored words, written as the UUID's unsigned words. */
  id(w0: number, w1: number, w2: number, w3: number): void {
    this.room(16);
    const b = this.buffer;
    b.writeUInt32LE((w0 ^ 0x80000000) >>> 0, this.length);
    b.writeUInt32LE((w1 ^ 0x80000000) >>> 0, this.length + 4);
    b.writeUInt32LE((w2 ^ 0x80000000) >>> 0, this.length + 8);
    b.writeUInt32LE((w3 ^ 0x80000000) >>> 0, this.length + 12);
    this.length += 16;
  }

  /** A u16 length and the UTF-8 bytes of a valid path (at most 4096 bytes). */
  path(path: string): void {
    this.room(2 + 3 * path.length);
    const written = this.buffer.write(path, this.length + 2, 'utf8');
    this.buffer.writeUInt16LE(written, this.length);
    this.length += 2 + written;
  }

  /** Closes the record begun last: its trailer, then its header with the next sequence number. */
  end(): void {
    const bodyEnd = this.length;
    this.room(RECORD_TRAILER_BYTES);
    const b = this.buffer;
    b.writeUInt16LE(RECORD_TRAILER, bodyEnd);
    this.length += RECORD_TRAILER_BYTES;
    const bodyStart = this.start + RECORD_HEADER_BYTES;
    b.writeUInt32LE(bodyEnd - bodyStart, this.start);
    b.writeUInt32LE(this.seq + this.records, this.start + 4);
    b.writeUInt32LE(checksum(b.subarray(bodyStart, bodyEnd)), this.start + 8);
    b.writeUInt32LE(checksum(b.subarray(this.start, this.start + 12)), this.start + 12);
    this.records++;
  }

  /** The encoded bytes so far. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** Empties the writer; the next record gets sequence number `seq`. */
  reset(seq: number): void {
    this.length = 0;
    this.records = 0;
    this.seq = seq;
  }
}
