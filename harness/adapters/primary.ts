/**
 * The plain primary index (this project's B+ tree, no OptimizedIndex wrapper): in memory, or the
 * durable index in the job's directory when the scenario asks for `group` or `sync` durability.
 */
import { DEFAULT_ORDER, type PrimaryIndex, createMemoryIndex, openPrimaryIndex } from '../../index/index.js';
import type { Implementation, ImplementationFactory, KnobValues, OpenContext } from './types.js';

export class PrimaryImplementation implements Implementation {
  readonly isAsync = false;

  constructor(
    readonly spec: string,
    readonly config: Readonly<Record<string, unknown>>,
    private readonly index: PrimaryIndex & { close?: () => void },
  ) {}

  load(ids: readonly string[], paths: readonly string[]): void {
    this.index.bulkInsert(ids.map((id, i) => [id, paths[i]] as [string, string]));
  }

  get(id: string): string | undefined {
    return this.index.get(id);
  }

  put(id: string, path: string): void {
    this.index.insert(id, path);
  }

  delete(id: string): boolean {
    return this.index.delete(id);
  }

  /** With range's limit, as lmdb's getRange and LevelDB's iterator take one: no entry decoded past it. */
  scan(from: string, count: number): number {
    let read = 0;
    if (count <= 0) return 0;
    for (const entry of this.index.range(from, undefined, count)) {
      void entry;
      read++;
    }
    return read;
  }

  bulkInsert(pairs: [string, string][]): void {
    this.index.bulkInsert(pairs);
  }

  bulkDelete(ids: string[]): void {
    this.index.bulkDelete(ids);
  }

  bulkGet(ids: string[]): number {
    return this.index.bulkGet(ids).found;
  }

  /** Its buffers and its string caches (hot ids, paths): everything it keeps alive. */
  memoryBytes(): number {
    const analysis = this.index.analyze();
    return analysis.bytesAllocated + analysis.cacheBytes;
  }

  close(): void {
    this.index.close?.();
  }
}

export const primaryFactory: ImplementationFactory = {
  name: 'primary',
  description: "this project's B+ tree index, used directly (synchronous)",
  knobs: {
    order: { type: 'integer', min: 3, max: 4096, default: DEFAULT_ORDER, description: 'max keys per node' },
    hotIds: { type: 'boolean', default: true, description: 'hot-id table: gets and updates of recent ids skip the parse and the descent' },
  },
  durability: ['none', 'group', 'sync'],
  // 92 bytes per entry measured at 50-byte paths (`run --quick`); shared wasm memory, outside the JS heap.
  memoryPerEntry: { bytes: 36, perPathByte: 1.15, jsHeap: false },
  open: (knobs: KnobValues, context: OpenContext) => {
    const order = knobs.order as number;
    const hotIds = knobs.hotIds as boolean;
    const index = context.durability === 'none' ? createMemoryIndex({ order, hotIds }) : openPrimaryIndex(context.directory, { durability: context.durability, order, hotIds });
    return new PrimaryImplementation(context.spec, { order, hotIds, durability: context.durability }, index);
  },
};
