/**
 * Snapshots: every entry in key order. Writing produces a temporary file that is complete, fsynced
 * and verified (its size checked and its bytes read back against their checksum) before the caller
 * renames it into place; a full disk or a short write fails the checkpoint and leaves the old
 * snapshot alone. Loading streams the file (no 2 GiB readFile limit) straight into the heap and a
 * bottom-up build: no insert at a time, no string made.
 */
import { IndexError } from '../errors.js';
import type { MemoryIndex } from '../memory-index.js';
import { gatherRows } from '../tree/bulk.js';
import { growRows } from '../tree/scratch.js';
import { STRIDE, compareRows } from '../tree/sort.js';
import type { Files } from './files.js';
import { FORMAT_VERSION, SNAPSHOT_HEADER_BYTES, SNAPSHOT_MAGIC, type SnapshotHeader, checksum, corrupt, decodeSnapshotHeader, encodeSnapshotHeader, headerVersion } from './format.js';
import { V1, V1_SNAPSHOT_HEADER_BYTES, decodeV1SnapshotHeader } from './format-v1.js';

const CHUNK_BYTES = 1 << 20;
/** An entry's fixed part: four id words and the path length. */
const ENTRY_HEAD = 18;
const MAX_ENTRY = ENTRY_HEAD + 4096;

/**
 * Writes `index` to the new file `temp` as a snapshot with `header`'s generation, store id and
 * covered records, fsyncs it and reads it back. Throws IO (naming `temp`) after removing it.
 */
export function writeSnapshotFile(files: Files, temp: string, index: MemoryIndex, header: Omit<SnapshotHeader, 'entries' | 'bodyBytes' | 'bodyCrc'>): SnapshotHeader {
  const tree = index.tree;
  const n = tree.size;
  const rows = growRows('snapshot', n);
  gatherRows(tree, rows, 0);
  files.remove(temp);
  const fd = files.open(temp, 'create', 'create it');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let written = SNAPSHOT_HEADER_BYTES;
    let used = 0;
    let crc = 0;
    const drain = () => {
      files.writeAll(fd, temp, chunk.subarray(0, used), written);
      crc = checksum(chunk.subarray(0, used), crc);
      written += used;
      used = 0;
    };
    for (let i = 0; i < n; i++) {
      const r = i * STRIDE;
      const bytes = tree.heap.bytesOf(rows[r + 4]);
      if (used + ENTRY_HEAD + bytes.length > CHUNK_BYTES) drain();
      for (let w = 0; w < 4; w++) chunk.writeUInt32LE((rows[r + w] ^ 0x80000000) >>> 0, used + 4 * w);
      chunk.writeUInt16LE(bytes.length, used + 16);
      chunk.set(bytes, used + ENTRY_HEAD);
      used += ENTRY_HEAD + bytes.length;
    }
    drain();
    const full: SnapshotHeader = { ...header, entries: n, bodyBytes: written - SNAPSHOT_HEADER_BYTES, bodyCrc: crc };
    files.writeAll(fd, temp, encodeSnapshotHeader(full), 0);
    files.datasync(fd, temp);
    verify(files, fd, temp, full, chunk);
    files.close(fd, temp);
    return full;
  } catch (error) {
    files.closeQuietly(fd);
    files.removeQuietly(temp);
    throw error;
  }
}

/** Reads the file back: the size, the header and the body's checksum must be what was written. */
function verify(files: Files, fd: number, temp: string, header: SnapshotHeader, chunk: Buffer): void {
  const size = files.fstat(fd, temp).size;
  const expected = SNAPSHOT_HEADER_BYTES + header.bodyBytes;
  if (size !== expected) throw verifyError(temp, `it is ${size} bytes where ${expected} were written`);
  const head = Buffer.allocUnsafe(SNAPSHOT_HEADER_BYTES);
  readFully(files, fd, temp, head, 0);
  if (!head.equals(encodeSnapshotHeader(header))) throw verifyError(temp, 'its header reads back different');
  let crc = 0;
  for (let at = SNAPSHOT_HEADER_BYTES; at < expected; ) {
    const piece = chunk.subarray(0, Math.min(CHUNK_BYTES, expected - at));
    readFully(files, fd, temp, piece, at);
    crc = checksum(piece, crc);
    at += piece.length;
  }
  if (crc !== header.bodyCrc) throw verifyError(temp, 'its body reads back with another checksum');
}

function verifyError(temp: string, what: string): IndexError {
  return new IndexError('IO', `${temp}: the new snapshot failed verification: ${what}`);
}

function readFully(files: Files, fd: number, path: string, into: Buffer, position: number): void {
  for (let done = 0; done < into.length; ) {
    const n = files.read(fd, path, into, done, into.length - done, position + done);
    if (n === 0) throw new IndexError('IO', `${path}: cannot read it: it ends at byte ${position + done}`);
    done += n;
  }
}

export interface LoadedSnapshot {
  header: SnapshotHeader;
  /** The format version read (1 is upgraded by the caller; it has no store id). */
  version: number;
}

/** Reads a snapshot's header, of either format version. */
function readHeader(files: Files, fd: number, path: string, size: number): { header: SnapshotHeader; version: number; headerBytes: number } {
  const head = Buffer.allocUnsafe(Math.min(size, SNAPSHOT_HEADER_BYTES));
  readFully(files, fd, path, head, 0);
  if (head.length >= 12 && head.subarray(0, 8).equals(SNAPSHOT_MAGIC) && headerVersion(head) === V1) {
    const v1 = decodeV1SnapshotHeader(head, path);
    return { header: { ...v1, storeId: '', bodyBytes: size - V1_SNAPSHOT_HEADER_BYTES, coveredRecords: 0 }, version: V1, headerBytes: V1_SNAPSHOT_HEADER_BYTES };
  }
  const header = decodeSnapshotHeader(head, path);
  if (size !== SNAPSHOT_HEADER_BYTES + header.bodyBytes) {
    throw corrupt(path, Math.min(size, SNAPSHOT_HEADER_BYTES + header.bodyBytes), `the file is ${size} bytes where its header says ${SNAPSHOT_HEADER_BYTES + header.bodyBytes}`);
  }
  return { header, version: FORMAT_VERSION, headerBytes: SNAPSHOT_HEADER_BYTES };
}

/** Loads the snapshot at `path` into the empty `index`. Throws CORRUPT naming the offset, or IO. */
export function loadSnapshot(files: Files, path: string, index: MemoryIndex): LoadedSnapshot {
  const { fd, size } = files.openRegular(path, 'read');
  try {
    const { header, version, headerBytes } = readHeader(files, fd, path, size);
    const n = header.entries;
    if (n * (ENTRY_HEAD + 1) > header.bodyBytes) throw corrupt(path, 24, `${n} entries cannot fit in a body of ${header.bodyBytes} bytes`);
    const rows = growRows('rows', n);
    const heap = index.tree.heap;
    heap.reserve(Math.ceil(header.bodyBytes / 4) + n);
    // A window over the body: at most one entry is carried from one read to the next.
    const window = Buffer.allocUnsafe(CHUNK_BYTES + MAX_ENTRY);
    let filled = 0; // bytes in the window
    let at = 0; // parse position in the window
    let fileAt = headerBytes; // file offset of window[filled]
    let crc = 0;
    const refill = () => {
      window.copy(window, 0, at, filled);
      filled -= at;
      at = 0;
      const piece = window.subarray(filled, filled + Math.min(CHUNK_BYTES, size - fileAt));
      readFully(files, fd, path, piece, fileAt);
      crc = checksum(piece, crc);
      filled += piece.length;
      fileAt += piece.length;
    };
    const offsetOf = (p: number) => fileAt - filled + p;
    for (let i = 0; i < n; i++) {
      if (filled - at < MAX_ENTRY && fileAt < size) refill();
      if (at + ENTRY_HEAD > filled) throw corrupt(path, offsetOf(at), `the body ends after ${i} of ${n} entries`);
      const r = i * STRIDE;
      for (let w = 0; w < 4; w++) rows[r + w] = window.readUInt32LE(at + 4 * w) ^ 0x80000000;
      const length = window.readUInt16LE(at + 16);
      if (length < 1 || length > 4096 || at + ENTRY_HEAD + length > filled) throw corrupt(path, offsetOf(at + 16), `path length ${length} out of range`);
      if (i > 0 && compareRows(rows, i - 1, rows, i) >= 0) throw corrupt(path, offsetOf(at), 'entries out of key order');
      rows[r + 4] = heap.storeBytes(window, at + ENTRY_HEAD, length);
      at += ENTRY_HEAD + length;
    }
    if (at !== filled || fileAt < size) throw corrupt(path, offsetOf(at), `${size - offsetOf(at)} bytes after the last of ${n} entries`);
    if (crc !== header.bodyCrc) throw corrupt(path, headerBytes, 'body checksum mismatch');
    index.buildFromStoredRows(rows, n);
    return { header, version };
  } finally {
    files.closeQuietly(fd);
  }
}
