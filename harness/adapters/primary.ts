/** The plain primary index (this project's B+ tree, no OptimizedIndex wrapper). */
import { DEFAULT_ORDER, type MemoryIndex, createMemoryIndex } from '../../index/index.js';
import type { Implementation, ImplementationFactory, KnobValues, OpenContext } from './types.js';

export class PrimaryImplementation implements Implementation {
  readonly isAsync = false;

  constructor(
    readonly spec: string,
    readonly config: Readonly<Record<string, unknown>>,
    private readonly index: MemoryIndex,
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

  scan(from: string, count: number): number {
    let read = 0;
    if (count <= 0) return 0;
    for (const entry of this.index.range(from)) {
      void entry;
      if (++read >= count) break;
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

  memoryBytes(): number {
    return this.index.analyze().bytesAllocated;
  }

  close(): void {}
}

export const primaryFactory: ImplementationFactory = {
  name: 'primary',
  description: "this project's B+ tree index, used directly (synchronous)",
  knobs: {
    order: { type: 'integer', min: 3, max: 4096, default: DEFAULT_ORDER, description: 'max keys per node' },
  },
  durability: ['none'],
  open: (knobs: KnobValues, context: OpenContext) =>
    new PrimaryImplementation(context.spec, { order: knobs.order }, createMemoryIndex({ order: knobs.order as number })),
};
