/**
 * Snapshots: every entry in key order, written to a temporary file, fsynced, renamed into place,
 * then the directory fsynced. Loading one goes straight into the heap and a bottom-up build: no
 * insert at a time, no string made.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import type { MemoryIndex } from '../memory-index.js';
import { gatherRows } from '../tree/bulk.js';
import { growRows } from '../tree/scratch.js';
import { STRIDE, compareRows } from '../tree/sort.js';
import { SNAPSHOT_FILE, SNAPSHOT_HEADER_BYTES, corrupt, decodeSnapshotHeader, encodeSnapshotHeader } from './format.js';

const CHUNK_BYTES = 1 << 20;

export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `index` as the directory's snapshot of `generation`; returns the bytes written. */
export function writeSnapshot(dir: string, index: MemoryIndex, generation: number): number {
  const tree = index.tree;
  const n = tree.size;
  const rows = growRows('snapshot', n);
  gatherRows(tree, rows, 0);
  const temp = join(dir, `${SNAPSHOT_FILE}.tmp`);
  const fd = openSync(temp, 'w');
  let written = SNAPSHOT_HEADER_BYTES;
  try {
    writeSync(fd, Buffer.alloc(SNAPSHOT_HEADER_BYTES), 0, SNAPSHOT_HEADER_BYTES, 0);
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let used = 0;
    let crc = 0;
    const drain = () => {
      writeSync(fd, chunk, 0, used, written);
      crc = crc32(chunk.subarray(0, used), crc);
      written += used;
      used = 0;
    };
    for (let i = 0; i < n; i++) {
      const r = i * STRIDE;
      const bytes = tree.heap.bytesOf(rows[r + 4]);
      if (used + 18 + bytes.length > CHUNK_BYTES) drain();
      for (let w = 0; w < 4; w++) chunk.writeUInt32LE((rows[r + w] ^ 0x80000000) >>> 0, used + 4 * w);
      chunk.writeUInt16LE(bytes.length, used + 16);
      chunk.set(bytes, used + 18);
      used += 18 + bytes.length;
    }
    drain();
    writeSync(fd, encodeSnapshotHeader({ generation, entries: n, bodyCrc: crc >>> 0 }), 0, SNAPSHOT_HEADER_BYTES, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, join(dir, SNAPSHOT_FILE));
  fsyncDirectory(dir);
  return written;
}

/** Loads a snapshot file into the empty `index`; returns its generation. Throws CORRUPT naming the offset. */
export function loadSnapshot(path: string, index: MemoryIndex): { generation: number; entries: number } {
  const file = readFileSync(path);
  const header = decodeSnapshotHeader(file, path);
  const body = file.subarray(SNAPSHOT_HEADER_BYTES);
  if ((crc32(body) >>> 0) !== header.bodyCrc) throw corrupt(path, SNAPSHOT_HEADER_BYTES, 'body checksum mismatch');
  const n = header.entries;
  const rows = growRows('rows', n);
  const heap = index.tree.heap;
  heap.reserve(Math.ceil(body.length / 4) + n);
  let pos = SNAPSHOT_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    if (pos + 18 > file.length) throw corrupt(path, pos, `the body ends after ${i} of ${n} entries`);
    const r = i * STRIDE;
    for (let w = 0; w < 4; w++) rows[r + w] = file.readUInt32LE(pos + 4 * w) ^ 0x80000000;
    const length = file.readUInt16LE(pos + 16);
    if (length < 1 || length > 4096 || pos + 18 + length > file.length) throw corrupt(path, pos + 16, `path length ${length} out of range`);
    if (i > 0 && compareRows(rows, i - 1, rows, i) >= 0) throw corrupt(path, pos, 'entries out of key order');
    rows[r + 4] = heap.storeBytes(file, pos + 18, length);
    pos += 18 + length;
  }
  if (pos !== file.length) throw corrupt(path, pos, `${file.length - pos} bytes after the last of ${n} entries`);
  index.buildFromStoredRows(rows, n);
  return { generation: header.generation, entries: n };
}
