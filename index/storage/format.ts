/**
 * On-disk formats of a durable index directory (all integers little-endian):
 *
 * snapshot.tbs  header (32 bytes): magic "TBSNAPSH", u32 version, u32 generation, u32 entries low,
 *               u32 entries high, u32 CRC32 of the body, u32 CRC32 of header bytes 0..27;
 *               body: per entry in key order: 4 x u32 id words, u16 path length, path bytes.
 * wal.tbl       header (24 bytes): magic "TBWALOG1", u32 version, u32 generation, u32 reserved,
 *               u32 CRC32 of header bytes 0..19;
 *               records: u32 length of (type + payload), u32 CRC32 of (type + payload), u8 type,
 *               payload.
 * Record types: 1 insert (id, u16 length, path), 2 delete (id), 3 bulk insert (u32 count, then
 * count x (id, u16 length, path)), 4 bulk delete (u32 count, then count x id), 5 checkpoint
 * (u32 generation, u32 entries low, u32 entries high): the first record of a log reset by a
 * checkpoint. An id is its four u32 words (the UUID's hex digits, most significant first).
 */
import { crc32 } from 'node:zlib';
import { IndexError } from '../errors.js';

export const FORMAT_VERSION = 1;
export const SNAPSHOT_FILE = 'snapshot.tbs';
export const WAL_FILE = 'wal.tbl';
export const LOCK_FILE = 'LOCK';
export const SNAPSHOT_MAGIC = Buffer.from('TBSNAPSH', 'latin1');
export const WAL_MAGIC = Buffer.from('TBWALOG1', 'latin1');
export const SNAPSHOT_HEADER_BYTES = 32;
export const WAL_HEADER_BYTES = 24;
export const RECORD_HEADER_BYTES = 8;
/** A record larger than this is not one we wrote: 64 MiB holds a bulk batch of ~1M paths. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export const RECORD = { insert: 1, delete: 2, bulkInsert: 3, bulkDelete: 4, checkpoint: 5 } as const;

export function checksum(data: Uint8Array): number {
  return crc32(data) >>> 0;
}

export function corrupt(file: string, offset: number, what: string): IndexError {
  return new IndexError('CORRUPT', `${file} is damaged at byte ${offset}: ${what}; nothing was changed (restore it, or move it away to start over)`);
}

export interface SnapshotHeader {
  generation: number;
  entries: number;
  bodyCrc: number;
}

export function encodeSnapshotHeader(header: SnapshotHeader): Buffer {
  const b = Buffer.alloc(SNAPSHOT_HEADER_BYTES);
  SNAPSHOT_MAGIC.copy(b, 0);
  b.writeUInt32LE(FORMAT_VERSION, 8);
  b.writeUInt32LE(header.generation, 12);
  b.writeUInt32LE(header.entries % 2 ** 32, 16);
  b.writeUInt32LE(Math.floor(header.entries / 2 ** 32), 20);
  b.writeUInt32LE(header.bodyCrc, 24);
  b.writeUInt32LE(checksum(b.subarray(0, 28)), 28);
  return b;
}

/** Reads and checks a snapshot header; throws CORRUPT or UNSUPPORTED_VERSION naming the file. */
export function decodeSnapshotHeader(b: Buffer, file: string): SnapshotHeader {
  if (b.length === 0) throw corrupt(file, 0, 'the file is empty (a snapshot is only ever renamed into place complete)');
  if (b.length < SNAPSHOT_HEADER_BYTES) throw corrupt(file, b.length, `the file ends inside its ${SNAPSHOT_HEADER_BYTES}-byte header`);
  if (!b.subarray(0, 8).equals(SNAPSHOT_MAGIC)) throw corrupt(file, 0, 'not a tunebench snapshot (bad magic)');
  if (b.readUInt32LE(28) !== checksum(b.subarray(0, 28))) throw corrupt(file, 28, 'header checksum mismatch');
  checkVersion(b.readUInt32LE(8), file);
  return { generation: b.readUInt32LE(12), entries: b.readUInt32LE(16) + b.readUInt32LE(20) * 2 ** 32, bodyCrc: b.readUInt32LE(24) };
}

export interface WalHeader {
  generation: number;
}

export function encodeWalHeader(header: WalHeader): Buffer {
  const b = Buffer.alloc(WAL_HEADER_BYTES);
  WAL_MAGIC.copy(b, 0);
  b.writeUInt32LE(FORMAT_VERSION, 8);
  b.writeUInt32LE(header.generation, 12);
  b.writeUInt32LE(checksum(b.subarray(0, 20)), 20);
  return b;
}

export function decodeWalHeader(b: Buffer, file: string): WalHeader {
  if (!b.subarray(0, 8).equals(WAL_MAGIC)) throw corrupt(file, 0, 'not a tunebench log (bad magic)');
  if (b.readUInt32LE(20) !== checksum(b.subarray(0, 20))) throw corrupt(file, 20, 'header checksum mismatch');
  checkVersion(b.readUInt32LE(8), file);
  return { generation: b.readUInt32LE(12) };
}

function checkVersion(version: number, file: string): void {
  if (version !== FORMAT_VERSION) {
    throw new IndexError('UNSUPPORTED_VERSION', `${file} has format version ${version}; this build of tunebench reads version ${FORMAT_VERSION} only; nothing was changed`);
  }
}

/** A growable byte buffer for encoding records, reused between calls. */
export class RecordWriter {
  private buffer = Buffer.allocUnsafe(4096);
  length = 0;
  /** Records begun since the last reset. */
  records = 0;
  private start = 0;

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  /** Starts a record of `type`; finish it with `end()`. */
  begin(type: number): void {
    this.room(RECORD_HEADER_BYTES + 1);
    this.records++;
    this.start = this.length;
    this.length += RECORD_HEADER_BYTES;
    this.buffer[this.length++] = type;
  }

  u32(value: number): void {
    this.room(4);
    this.buffer.writeUInt32LE(value >>> 0, this.length);
    this.length += 4;
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

  /** Closes the record begun last: fills in its length and checksum. */
  end(): void {
    const body = this.buffer.subarray(this.start + RECORD_HEADER_BYTES, this.length);
    this.buffer.writeUInt32LE(body.length, this.start);
    this.buffer.writeUInt32LE(checksum(body), this.start + 4);
  }

  /** The encoded bytes so far. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
    this.records = 0;
  }
}
