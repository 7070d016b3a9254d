/**
 * The byte heap that holds path values, in one growable shared memory (see buffers.ts).
 * A value is a block of 4-byte words at word offset `q`: a little-endian u16 byte length, then the
 * UTF-8 bytes. The tree stores `q` in its leaf value slot.
 *
 * Freed blocks go on an exact-size free list (one list per block size in words). Paths of one
 * workload cluster in a few sizes, so exact fit reuses nearly everything without the cost of
 * splitting and coalescing; what it cannot reuse shows as fragmentation in `analyze()`, and
 * `compact()` returns it.
 */
import { GrowableMemory, type SharedMemory } from './buffers.js';
import { MAX_PATH_BYTES } from '../path.js';

const LENGTH_PREFIX_BYTES = 2;
const MAX_BLOCK_WORDS = (MAX_PATH_BYTES + LENGTH_PREFIX_BYTES + 3) >> 2;
const MIN_CAPACITY_WORDS = 4096;
const NO_BLOCK = -1;
/**
 * Decoded strings kept per heap: a direct-mapped cache of 4096 lines, each holding the path of one
 * block and, once a range scan formatted it, the id of the entry that owns the block. Filled on
 * read and on store, emptied for a block when it is freed (a block belongs to one entry until
 * then). Making a new string costs ~100-200 ns here (allocation and GC), most of a lookup in a
 * small tree, and a skewed workload reads the same entries again and again. Bounded: at most
 * 8192 strings are held.
 */
const CACHE_BITS = 12;

function cacheLine(q: number): number {
  return Math.imul(q, 0x9e3779b1) >>> (32 - CACHE_BITS);
}

/** The path stored in block `q` of a heap seen through `bytes` and `text` (views of one buffer). */
export function decodePath(bytes: Uint8Array, text: Buffer, q: number): string {
  const at = q << 2;
  const length = bytes[at] | (bytes[at + 1] << 8);
  return text.toString('utf8', at + 2, at + 2 + length);
}

/** Words a block needs for a path of `byteLength` bytes. */
export function blockWords(byteLength: number): number {
  return (byteLength + LENGTH_PREFIX_BYTES + 3) >> 2;
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
  private readonly cachedPath: (string | undefined)[] = new Array<string | undefined>(1 << CACHE_BITS).fill(undefined);
  private readonly cachedId: (string | undefined)[] = new Array<string | undefined>(1 << CACHE_BITS).fill(undefined);

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
    const top = this.top;
    if ((top + MAX_BLOCK_WORDS) << 2 > this.bytes.length) this.reserve(MAX_BLOCK_WORDS);
    const at = top << 2;
    const length = this.text.write(path, at + 2);
    this.bytes[at] = length & 255;
    this.bytes[at + 1] = length >>> 8;
    const words = blockWords(length);
    this.liveBlocks++;
    this.liveWords += words;
    let q = this.freeHeads[words];
    if (q === NO_BLOCK) {
      q = top;
      this.top = top + words;
    } else {
      this.freeHeads[words] = this.words[q];
      this.freeWords -= words;
      this.words.copyWithin(q, top, top + words);
    }
    this.cache(q, path);
    return q;
  }

  private cache(q: number, path: string): void {
    const line = cacheLine(q);
    this.cachedBlock[line] = q;
    this.cachedPath[line] = path;
    this.cachedId[line] = undefined;
  }

  /** The id string cached for the entry owning block `q`, if a scan formatted it. */
  cachedIdOf(q: number): string | undefined {
    const line = cacheLine(q);
    return this.cachedBlock[line] === q ? this.cachedId[line] : undefined;
  }

  /** Remembers the formatted id of the entry owning block `q` (call after read(q)). */
  cacheId(q: number, id: string): void {
    const line = cacheLine(q);
    if (this.cachedBlock[line] === q) this.cachedId[line] = id;
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
    this.bytes[at] = length & 255;
    this.bytes[at + 1] = length >>> 8;
    this.bytes.set(source.subarray(offset, offset + length), at + 2);
    const line = cacheLine(q);
    if (this.cachedBlock[line] === q) this.cachedBlock[line] = NO_BLOCK;
    return q;
  }

  /** The stored bytes of block `q` (a view into the heap, valid until the heap grows). */
  bytesOf(q: number): Uint8Array {
    const at = q << 2;
    return this.bytes.subarray(at + 2, at + 2 + (this.bytes[at] | (this.bytes[at + 1] << 8)));
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
    const at = q << 2;
    return this.bytes[at] | (this.bytes[at + 1] << 8);
  }

  /** The path at `q`, from the cache or decoded. Computational complexity: O(length). */
  read(q: number): string {
    const line = cacheLine(q);
    if (this.cachedBlock[line] === q) return this.cachedPath[line]!;
    const path = decodePath(this.bytes, this.text, q);
    this.cache(q, path);
    return path;
  }

  release(q: number): void {
    const line = cacheLine(q);
    if (this.cachedBlock[line] === q) {
      this.cachedBlock[line] = NO_BLOCK;
      this.cachedPath[line] = undefined;
      this.cachedId[line] = undefined;
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
