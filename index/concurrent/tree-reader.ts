/**
 * A reader thread's view of a shared tree: typed-array views over the arena and heap memories
 * and the meta block, searched with the same code as the owning thread (findSlot, decodePath).
 * Only ever used under the read lock. When the owner grows a memory (same memory object, longer)
 * or replaces one (compaction), it bumps META_GENERATION; the reader then makes new views.
 */
import { parseIdBytesInto } from '../id.js';
import type { SharedTreeHandles } from '../memory-index.js';
import { META_GENERATION, NONE, findSlot } from '../tree/btree.js';
import { blockByteLength, decodePath } from '../tree/heap.js';

export const INVALID = -2;

export class TreeReader {
  private words!: Int32Array;
  private bytes!: Uint8Array;
  private text!: Buffer;
  private readonly meta: Int32Array;
  private generation = -1;
  private readonly key = new Int32Array(4);

  constructor(private handles: SharedTreeHandles) {
    this.meta = new Int32Array(handles.meta);
    this.attach();
  }

  /** Swaps in replaced memories (sent by the owner when it compacted). */
  replace(handles: SharedTreeHandles): void {
    this.handles = handles;
    this.generation = -1;
  }

  private attach(): void {
    this.words = new Int32Array(this.handles.arena.buffer);
    const heap = this.handles.heap.buffer;
    this.bytes = new Uint8Array(heap);
    this.text = Buffer.from(heap);
    this.generation = Atomics.load(this.meta, META_GENERATION);
  }

  /** Call once per read-lock hold, before searching: re-attaches if the memories changed. */
  sync(): void {
    if (Atomics.load(this.meta, META_GENERATION) !== this.generation) this.attach();
  }

  /** The heap slot of the id in the 36 bytes at `from`, NONE when absent, or INVALID when not an id. */
  slotOf(ids: Uint8Array, from: number): number {
    const k = this.key;
    if (!parseIdBytesInto(ids, from, k, 0)) return INVALID;
    const h = this.handles;
    return findSlot(this.words, this.meta, h.order, h.pageWords, h.slotAt, k[0], k[1], k[2], k[3]);
  }

  path(slot: number): string {
    return decodePath(this.bytes, this.text, slot);
  }

  pathBytes(slot: number): number {
    return blockByteLength(this.bytes, slot);
  }
}

export { NONE };
