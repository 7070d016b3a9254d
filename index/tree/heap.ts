/**
 * The byte heap that holds path values, in one growable shared memory (see buffers.ts).
 * A value is a block of 4-byte words at word offset `q`: a little-endian u16 header, then the
 * UTF-8 bytes. The header's low 15 bits are the byte length (at most 4096) and its top bit says that
 * every byte is ASCII. The tree stores `q` in its leaf value slot.
 *
 * Freed blocks go on an exact-size free list (one list per block size in words). Paths of one
 * workload cluster in a few sizes, so exact fit reuses nearly everything without the cost of
 * splitting and coalescing; what it cannot reuse shows as fragmentation in `analyze()`, and
 * `compact()` returns it.
 */
import { GrowableMemory, type SharedMemory } from './buffers.js';
import { MAX_PATH_BYTES } from '../path.js';
import { stringArrayBytes } from '../string-bytes.js';

const LENGTH_PREFIX_BYTES = 2;
const LENGTH_MASK = 0x7fff;
/**
 * Header bit: the path is all ASCII, so its bytes are also its Latin-1 characters and decode with
 * `latin1Slice`: 46 ns against 81 ns for `toString('utf8', ...)` on a 48-byte path here
 * (`utf8Slice` alone, which skips toString's argument checks, took 64 ns).
 */
const ASCII = 0x8000;

// Buffer's own per-encoding methods (on Buffer.prototype since Node 0.x; @types/node omits them).
interface SliceMethods {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  utf8Write(text: string, offset: number): number;
}
const MAX_BLOCK_WORDS = (MAX_PATH_BYTES + LENGTH_PREFIX_BYTES + 3) >> 2;
const MIN_CAPACITY_WORDS = 4096;
const NO_BLOCK = -1;
/**
 * Decoded strings kept per heap: a direct-mapped cache of 4096 lines, each holding the path of one
 * block. Filled on read and on store, emptied for a block when it is freed (a block belongs to one
 * entry until then). Making a new string costs ~100-200 ns here (allocation and GC), most of a
 * lookup in a small tree, and a skewed workload reads the same entries again and again. Bounded:
 * at most 4096 strings are held. Range scans read it but do not fill it (see readMany).
 */
const CACHE_BITS = 12;

function cacheLine(q: number): number {
  return Math.imul(q, 0x9e3779b1) >>> (32 - CACHE_BITS);
}

/** The path stored in block `q` of a heap seen through `bytes` and `text` (views of one buffer). */
export function decodePath(bytes: Uint8Array, text: Buffer, q: number): string {
  const at = q << 2;
  const header = headerAt(bytes, at);
  const end = at + 2 + (header & LENGTH_MASK);
  const methods = text as unknown as SliceMethods;
  return (header & ASCII) !== 0 ? methods.latin1Slice(at + 2, end) : methods.utf8Slice(at + 2, end);
}

/** The byte length of the path in block `q` of a heap seen through `bytes`. */
export function blockByteLength(bytes: Uint8Array, q: number): number {
  return headerAt(bytes, q << 2) & LENGTH_MASK;
}

function headerAt(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8);
}

/** Writes the header of a block of `length` path bytes at byte offset `at`. */
function writeHeader(bytes: Uint8Array, at: number, length: number, ascii: boolean): void {
  const header = ascii ? length | ASCII : length;
  bytes[at] = header & 255;
  bytes[at + 1] = header >>> 8;
}

/**
 * Copies `n` words within `words`. A plain loop: a block is ~5-20 words, and copyWithin's call
 * cost more than the copy (an update's encode-and-place took 133 ns with it, 115 ns without).
 */
function copyWords(words: Int32Array, from: number, to: number, n: number): void {
  for (let i = 0; i < n; i++) words[to + i] = words[from + i];
}

function isAscii(source: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (source[i] > 127) return false;
  return true;
}

/** Words a block needs for a path of `byteLength` bytes. */
export function blockWords(byteLength: number): number {
  return (byteLength + LENGTH_PREFIX_BYTES + 3) >> 2;
}

// readMany's scratch, shared by every heap (one thread runs one readMany at a time): the copied
// blocks, as words and as the Buffer that decodes them, and where each path starts and ends.
let batchWords: Int32Array = new Int32Array(1024);
let batchText = Buffer.from(batchWords.buffer);
let batchStarts = new Int32Array(64);
let batchEnds = new Int32Array(64);

function growBatch(minWords: number): Int32Array {
  const grown = new Int32Array(Math.max(minWords, 2 * batchWords.length));
  grown.set(batchWords);
  batchWords = grown;
  batchText = Buffer.from(grown.buffer);
  return grown;
}

export class PathHeap {
  private readonly memory: GrowableMemory;
  /** Views of the whole heap (replaced after each growth): bytes, a Buffer for UTF-8, words. */
  bytes!: Uint8Array;
  text!: Buffer;
  words!: Int32Array;
  /** Word offset of the bump pointer; blocks below it are live or free. */
  top = 0;
  liveBlocks = 0;
  liveWords = 0;
  freeWords = 0;
  private readonly freeHeads = new Int32Array(MAX_BLOCK_WORDS + 1).fill(NO_BLOCK);
  private readonly cachedBlock = new Int32Array(1 << CACHE_BITS).fill(NO_BLOCK);
  private readonly cachedStrings: (string | undefined)[] = new Array<string | undefined>(1 << CACHE_BITS).fill(undefined);

  constructor(
    private readonly onGrow: () => void,
    capacityWords = MIN_CAPACITY_WORDS,
  ) {
    this.memory = new GrowableMemory(Math.max(capacityWords, MIN_CAPACITY_WORDS) * 4, 'path heap');
    this.attach();
  }

  /** The shared memory, for reader threads. */
  get handle(): SharedMemory {
    return this.memory.handle;
  }

  get byteLengthAllocated(): number {
    return this.memory.byteLength;
  }

  private attach(): void {
    const buffer = this.memory.buffer;
    this.bytes = new Uint8Array(buffer);
    this.text = Buffer.from(buffer);
    this.words = new Int32Array(buffer);
  }

  /** Makes room for `extraWords` more words above `top` in one growth step. */
  reserve(extraWords: number): void {
    if (this.memory.ensure((this.top + extraWords + MAX_BLOCK_WORDS) * 4)) {
      this.attach();
      this.onGrow();
    }
  }

  /**
   * Stores a valid path (see `isValidPath`) and returns its block offset. The bytes are first
   * written at the bump pointer, which tells their length without a separate byteLength pass
   * (that pass cost ~125 ns a path here, more than the write); when a free block of that size
   * exists they are then copied there. Computational complexity: O(length).
   */
  store(path: string): number {
    return this.place(path, this.encodeAtTop(path));
  }

  /**
   * Replaces the path in block `q` with `path` (valid, see `isValidPath`); returns the block that
   * now holds it: `q` itself when the new path needs as many words, so that an update of a path
   * by one of similar length touches no free list.
   */
  replace(q: number, path: string): number {
    const words = this.encodeAtTop(path);
    if (words !== blockWords(this.byteLength(q))) {
      this.release(q);
      return this.place(path, words);
    }
    copyWords(this.words, this.top, q, words);
    this.cache(q, path);
    return q;
  }

  /** Writes `path` as a block at the bump pointer (without taking it); returns its size in words. */
  private encodeAtTop(path: string): number {
    const top = this.top;
    if ((top + MAX_BLOCK_WORDS) << 2 > this.bytes.length) this.reserve(MAX_BLOCK_WORDS);
    const at = top << 2;
    // utf8Write skips write()'s argument parsing: 67 ns against 72 ns a 48-byte path here.
    const length = (this.text as unknown as SliceMethods).utf8Write(path, at + 2);
    // As many bytes as UTF-16 units only when every character is ASCII.
    writeHeader(this.bytes, at, length, length === path.length);
    return blockWords(length);
  }

  /** Takes a block for the path just encoded at the bump pointer: a free one of its size, else the bump. */
  private place(path: string, words: number): number {
    const top = this.top;
    this.liveBlocks++;
    this.liveWords += words;
    let q = this.freeHeads[words];
    if (q === NO_BLOCK) {
      q = top;
      this.top = top + words;
    } else {
      this.freeHeads[words] = this.words[q];
      this.freeWords -= words;
      copyWords(this.words, top, q, words);
    }
    this.cache(q, path);
    return q;
  }

  private cache(q: number, path: string): void {
    const line = cacheLine(q);
    this.cachedBlock[line] = q;
    this.cachedStrings[line] = path;
  }

  /** The cache's arrays and the strings it holds (each string not in `seen` once), in bytes. */
  cacheBytesHeld(seen: Set<string>): number {
    return this.cachedBlock.byteLength + stringArrayBytes(this.cachedStrings, seen);
  }

  /**
   * Stores `length` already-encoded UTF-8 bytes from `source` at `offset` (a log record or a
   * snapshot being read back); returns the block offset. The caller vouches for the bytes.
   */
  storeBytes(source: Uint8Array, offset: number, length: number): number {
    const words = blockWords(length);
    let q = this.freeHeads[words];
    if (q === NO_BLOCK) {
      if ((this.top + words) << 2 > this.bytes.length) this.reserve(words);
      q = this.top;
      this.top += words;
    } else {
      this.freeHeads[words] = this.words[q];
      this.freeWords -= words;
    }
    this.liveBlocks++;
    this.liveWords += words;
    const at = q << 2;
    writeHeader(this.bytes, at, length, isAscii(source, offset, offset + length));
    this.bytes.set(source.subarray(offset, offset + length), at + 2);
    const line = cacheLine(q);
    if (this.cachedBlock[line] === q) this.cachedBlock[line] = NO_BLOCK;
    return q;
  }

  /** The stored bytes of block `q` (a view into the heap, valid until the heap grows). */
  bytesOf(q: number): Uint8Array {
    const at = q << 2;
    return this.bytes.subarray(at + 2, at + 2 + blockByteLength(this.bytes, q));
  }

  /** Copies the raw block at `q` of `source` into this heap; returns its new offset. */
  copyFrom(source: PathHeap, q: number): number {
    const words = blockWords(source.byteLength(q));
    if ((this.top + words) << 2 > this.bytes.length) this.reserve(words);
    const to = this.top;
    this.words.set(source.words.subarray(q, q + words), to);
    this.top = to + words;
    this.liveBlocks++;
    this.liveWords += words;
    return to;
  }

  byteLength(q: number): number {
    return blockByteLength(this.bytes, q);
  }

  /** The path at `q`, from the cache or decoded. Computational complexity: O(length). */
  read(q: number): string {
    const line = cacheLine(q);
    if (this.cachedBlock[line] === q) return this.cachedStrings[line]!;
    const path = decodePath(this.bytes, this.text, q);
    this.cache(q, path);
    return path;
  }

  /**
   * The paths of the `n` blocks whose offsets are slots[at..at+n) into out[0..n) (a leaf's run,
   * for a range scan). Cached paths come from the cache; the other ASCII blocks are copied side by
   * side into one scratch buffer and read out by one latin1Slice, then cut with a substring each:
   * a latin1Slice call costs ~90 ns here, and a substring of a flat string ~8 ns.
   *
   * The slices are not cached: each keeps its batch's string alive, and a cache of slices could pin
   * a batch for each of its 4,096 lines (~20 MB of 50-byte paths). Caching a flat copy instead, the
   * second time a scan met a block, made ycsb-e at 10k records slower still (p50 1.27x the build
   * that cached every string a scan made, against 1.15x without): a flat string costs a
   * latin1Slice, and entries that share a line keep evicting each other.
   */
  readMany(slots: Int32Array, at: number, n: number, out: string[]): void {
    if (n > batchStarts.length) {
      batchStarts = new Int32Array(n);
      batchEnds = new Int32Array(n);
    }
    const starts = batchStarts;
    const ends = batchEnds;
    const bytes = this.bytes;
    const words = this.words;
    let scratchWords = batchWords;
    let top = 0;
    // The headers first, in a loop of independent loads, so that their cache misses overlap: a
    // scan of 100k entries whose paths were stored in input order took 157 ns an entry with it,
    // 256 without. ends[i] holds block i's header until the second loop replaces it with where
    // its path ends in the scratch buffer (only for the blocks copied there, starts[i] >= 0).
    for (let i = 0; i < n; i++) ends[i] = headerAt(bytes, slots[at + i] << 2);
    for (let i = 0; i < n; i++) {
      const q = slots[at + i];
      const line = cacheLine(q);
      starts[i] = -1;
      if (this.cachedBlock[line] === q) {
        out[i] = this.cachedStrings[line]!;
        continue;
      }
      const header = ends[i];
      if ((header & ASCII) === 0) {
        out[i] = decodePath(bytes, this.text, q);
        continue;
      }
      const size = blockWords(header & LENGTH_MASK);
      if (top + size > scratchWords.length) scratchWords = growBatch(top + size);
      for (let k = 0; k < size; k++) scratchWords[top + k] = words[q + k];
      starts[i] = (top << 2) + LENGTH_PREFIX_BYTES;
      ends[i] = starts[i] + (header & LENGTH_MASK);
      top += size;
    }
    if (top === 0) return;
    const all = (batchText as unknown as SliceMethods).latin1Slice(0, top << 2);
    for (let i = 0; i < n; i++) if (starts[i] >= 0) out[i] = all.substring(starts[i], ends[i]);
  }

  release(q: number): void {
    const line = cacheLine(q);
    if (this.cachedBlock[line] === q) {
      this.cachedBlock[line] = NO_BLOCK;
      this.cachedStrings[line] = undefined;
    }
    const words = blockWords(this.byteLength(q));
    // The link overwrites the length prefix: a free block's size is the list it sits on.
    this.words[q] = this.freeHeads[words];
    this.freeHeads[words] = q;
    this.freeWords += words;
    this.liveBlocks--;
    this.liveWords -= words;
  }

  /** Bytes of blocks on free lists inside the heap (fragmentation numerator). */
  get freeBytes(): number {
    return this.freeWords * 4;
  }

  /** Bytes between the heap start and the bump pointer: live plus free blocks. */
  get spanBytes(): number {
    return this.top * 4;
  }

  /** Walks every free list and returns the words found on them (for invariant checks). */
  countFreeWords(): number {
    let total = 0;
    for (let size = 1; size <= MAX_BLOCK_WORDS; size++) {
      for (let q = this.freeHeads[size]; q !== NO_BLOCK; q = this.words[q]) total += size;
    }
    return total;
  }
}
