/**
 * Reading format version 1 (tunebench 0.1.0), only to upgrade it: opening a version-1 directory
 * recovers it by version 1's rules, then checkpoints it into version 2 before anything else is
 * written (durable-index.ts). Version 1 differs from 2 in its headers and record framing:
 *
 * snapshot.tbs  header (32 bytes): "TBSNAPSH", u32 version 1, u32 generation, u64 entries,
 *               u32 CRC32 of the body, u32 CRC32 of bytes 0..27; the body is as in version 2.
 * wal.tbl       header (24 bytes): "TBWALOG1", u32 version 1, u32 generation, u32 reserved,
 *               u32 CRC32 of bytes 0..19; records: u32 length, u32 CRC32 of (type + payload),
 *               u8 type, payload; appended, never preallocated.
 *
 * Version 1 cannot tell a torn append from a damaged length or a damaged last record (the reason
 * for version 2), so its rule is kept as it was: a bad record at the very end is dropped as torn.
 */
import { RECORD, SNAPSHOT_MAGIC, WAL_MAGIC, checksum, corrupt } from './format.js';
import type { LogRecord } from './wal.js';

export const V1 = 1;
export const V1_SNAPSHOT_HEADER_BYTES = 32;
const V1_WAL_HEADER_BYTES = 24;
const V1_RECORD_HEADER_BYTES = 8;
const V1_MAX_RECORD_BYTES = 64 * 1024 * 1024;
const KNOWN_TYPES = new Set<number>(Object.values(RECORD));

export function decodeV1SnapshotHeader(b: Buffer, file: string): { generation: number; entries: number; bodyCrc: number } {
  if (b.length < V1_SNAPSHOT_HEADER_BYTES) throw corrupt(file, b.length, `the file ends inside its ${V1_SNAPSHOT_HEADER_BYTES}-byte header`);
  if (!b.subarray(0, 8).equals(SNAPSHOT_MAGIC)) throw corrupt(file, 0, 'not a tunebench snapshot (bad magic)');
  if (b.readUInt32LE(28) !== checksum(b.subarray(0, 28))) throw corrupt(file, 28, 'header checksum mismatch');
  return { generation: b.readUInt32LE(12), entries: b.readUInt32LE(16) + b.readUInt32LE(20) * 2 ** 32, bodyCrc: b.readUInt32LE(24) };
}

export interface V1LogScan {
  /** null when the file held no complete header (a log torn while being created). */
  generation: number | null;
  records: LogRecord[];
  tornBytes: number;
}

export function scanV1Log(buffer: Buffer, file: string): V1LogScan {
  if (buffer.length < V1_WAL_HEADER_BYTES) {
    const present = buffer.subarray(0, Math.min(buffer.length, WAL_MAGIC.length));
    if (!WAL_MAGIC.subarray(0, present.length).equals(present)) throw corrupt(file, 0, 'not a tunebench log (bad magic)');
    return { generation: null, records: [], tornBytes: buffer.length };
  }
  if (!buffer.subarray(0, 8).equals(WAL_MAGIC)) throw corrupt(file, 0, 'not a tunebench log (bad magic)');
  if (buffer.readUInt32LE(20) !== checksum(buffer.subarray(0, 20))) throw corrupt(file, 20, 'header checksum mismatch');
  const generation = buffer.readUInt32LE(12);
  const records: LogRecord[] = [];
  let pos = V1_WAL_HEADER_BYTES;
  while (pos < buffer.length) {
    const left = buffer.length - pos;
    if (left < V1_RECORD_HEADER_BYTES) return { generation, records, tornBytes: left };
    const length = buffer.readUInt32LE(pos);
    const end = pos + V1_RECORD_HEADER_BYTES + length;
    if (end > buffer.length || length > V1_MAX_RECORD_BYTES) return { generation, records, tornBytes: left };
    if (length < 1) throw corrupt(file, pos, `record length ${length} is impossible`);
    const body = buffer.subarray(pos + V1_RECORD_HEADER_BYTES, end);
    if (checksum(body) !== buffer.readUInt32LE(pos + 4)) {
      if (end === buffer.length) return { generation, records, tornBytes: left };
      throw corrupt(file, pos, 'record checksum mismatch before the end of the log');
    }
    const type = body[0];
    if (!KNOWN_TYPES.has(type)) throw corrupt(file, pos, `unknown record type ${type}`);
    records.push({ offset: pos, seq: records.length, type, start: pos + V1_RECORD_HEADER_BYTES + 1, end });
    pos = end;
  }
  return { generation, records, tornBytes: 0 };
}
