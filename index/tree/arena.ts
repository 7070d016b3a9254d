/**
 * Fixed-size pages in one growable shared memory (see buffers.ts for why that memory).
 * Page p is at word p * pageWords of `words`. Freed pages go on a free list and are reused first.
 */
import { GrowableMemory, type SharedMemory } from './buffers.js';

export const NO_PAGE = -1;
const MIN_PAGES = 4;

export class PageArena {
  private memory: GrowableMemory;
  /** A view of the whole arena; replaced after each growth. */
  words: Int32Array;
  /** Pages handed out by the bump allocator; pages below it are live or on the free list. */
  pagesUsed = 0;
  freePages = 0;
  private freeHead = NO_PAGE;

  constructor(
    readonly pageWords: number,
    private readonly onGrow: () => void,
    initialPages = MIN_PAGES,
  ) {
    this.memory = new GrowableMemory(Math.max(initialPages, MIN_PAGES) * pageWords * 4, 'page arena');
    this.words = new Int32Array(this.memory.buffer);
  }

  get capacityPages(): number {
    return Math.floor(this.words.length / this.pageWords);
  }

  get byteLength(): number {
    return this.memory.byteLength;
  }

  get pagesInUse(): number {
    return this.pagesUsed - this.freePages;
  }

  /** The shared memory, for reader threads. */
  get handle(): SharedMemory {
    return this.memory.handle;
  }

  /** Ensures capacity for `pages` pages in total. */
  growTo(pages: number): void {
    if (this.memory.ensure(pages * this.pageWords * 4)) {
      this.words = new Int32Array(this.memory.buffer);
      this.onGrow();
    }
  }

  /** Hands out a page (from the free list first) with its header set. */
  allocate(level: number, next: number, prev: number): number {
    let page = this.freeHead;
    if (page !== NO_PAGE) {
      this.freeHead = this.words[page * this.pageWords + 2];
      this.freePages--;
    } else {
      if (this.pagesUsed >= this.capacityPages) this.growTo(this.pagesUsed + 1);
      page = this.pagesUsed++;
    }
    const w = this.words;
    const base = page * this.pageWords;
    w[base] = 0;
    w[base + 1] = level;
    w[base + 2] = next;
    w[base + 3] = prev;
    return page;
  }

  /** Returns a page to the free list; its level word becomes -1 so that walks can tell. */
  free(page: number): void {
    const base = page * this.pageWords;
    this.words[base] = 0;
    this.words[base + 1] = -1;
    this.words[base + 2] = this.freeHead;
    this.freeHead = page;
    this.freePages++;
  }

  /**
   * Forgets every page before a rebuild that hands them all out again, with room for `pages`.
   * With `exact`, moves to a new memory of just that size (compaction gives memory back; a wasm
   * memory cannot shrink in place).
   */
  clearFor(pages: number, exact: boolean): void {
    this.pagesUsed = 0;
    this.freePages = 0;
    this.freeHead = NO_PAGE;
    if (exact) {
      this.memory = new GrowableMemory(Math.max(pages, MIN_PAGES) * this.pageWords * 4, 'page arena');
      this.words = new Int32Array(this.memory.buffer);
      this.onGrow();
      return;
    }
    this.growTo(pages);
  }
}
