/**
 * The OptimizedIndex, asynchronous: concurrent clients' writes are grouped, batched reads go to
 * reader workers. Every OptimizationConfig field is a knob; `adaptive` turns on self-tuning.
 */
import { DEFAULT_CONFIG, type OptimizedIndex, createMemoryIndex, createOptimizedIndex, openPrimaryIndex } from '../../index/index.js';
import type { Implementation, ImplementationFactory, KnobSpec, KnobValues, OpenContext } from './types.js';

class OptimizedImplementation implements Implementation {
  readonly isAsync = true;

  constructor(
    readonly spec: string,
    readonly config: Readonly<Record<string, unknown>>,
    private readonly index: OptimizedIndex,
  ) {}

  async load(ids: readonly string[], paths: readonly string[]): Promise<void> {
    await this.index.bulkInsert(ids.map((id, i) => [id, paths[i]] as [string, string]));
  }

  get(id: string): Promise<string | undefined> {
    return this.index.get(id);
  }

  async put(id: string, path: string): Promise<void> {
    await this.index.insert(id, path);
  }

  delete(id: string): Promise<boolean> {
    return this.index.delete(id);
  }

  async scan(from: string, count: number): Promise<number> {
    let read = 0;
    if (count <= 0) return 0;
    for await (const entry of this.index.range(from)) {
      void entry;
      if (++read >= count) break;
    }
    return read;
  }

  async bulkInsert(pairs: [string, string][]): Promise<void> {
    await this.index.bulkInsert(pairs);
  }

  async bulkDelete(ids: string[]): Promise<void> {
    await this.index.bulkDelete(ids);
  }

  async bulkGet(ids: string[]): Promise<number> {
    const values = await this.index.getMany(ids);
    return values.filter((v) => v !== undefined).length;
  }

  memoryBytes(): number {
    return this.index.analyze().bytesAllocated;
  }

  close(): Promise<void> {
    return this.index.close();
  }
}

const d = DEFAULT_CONFIG;
const knobs: Record<string, KnobSpec> = {
  enableBulkOperations: { type: 'boolean', default: d.enableBulkOperations, description: 'group concurrent writes into bulk calls' },
  bulkThreshold: { type: 'integer', min: 1, max: 65_536, default: d.bulkThreshold, description: 'most writes per group' },
  maxBatchDelayMs: { type: 'number', min: 0, max: 10_000, default: d.maxBatchDelayMs, description: 'longest a partial group waits (ms)' },
  enableConcurrentOptimization: { type: 'boolean', default: d.enableConcurrentOptimization, description: 'serve batched reads from reader workers' },
  maxConcurrentReaders: { type: 'integer', min: 1, max: 64, default: d.maxConcurrentReaders, description: 'readers inside the lock at once' },
  readerWorkers: { type: 'integer', min: 1, max: 16, default: d.readerWorkers, description: 'reader worker threads' },
  enableAutoRebalancing: { type: 'boolean', default: d.enableAutoRebalancing, description: 'compact when fill or balance falls below the trigger' },
  rebalancingTriggerThreshold: { type: 'number', min: 0, max: 1, default: d.rebalancingTriggerThreshold, description: 'fill/balance factor that triggers a rebuild' },
  enableMemoryOptimization: { type: 'boolean', default: d.enableMemoryOptimization, description: 'compact when the heap fragments' },
  fragmentationThreshold: { type: 'number', min: 0, max: 1, default: d.fragmentationThreshold, description: 'heap fragmentation that triggers a compaction' },
  adaptive: { type: 'boolean', default: d.adaptive.enabled, description: 'tune bulkThreshold and maxConcurrentReaders while running' },
  adaptiveEpochOps: { type: 'integer', min: 10, max: 10_000_000, default: d.adaptive.epochOps, description: 'operations per adaptive epoch' },
  adaptiveMinGain: { type: 'number', min: 0, max: 10, default: d.adaptive.minGain, description: 'gain a new value must show to be kept' },
};

export const optimizedFactory: ImplementationFactory = {
  name: 'optimized',
  description: 'the OptimizedIndex over this project\'s index: grouped writes, reader workers, auto-compaction, optional self-tuning',
  knobs,
  durability: ['none', 'group', 'sync'],
  // the primary index's 92 bytes per entry at 50-byte paths (`run --quick`); shared wasm memory.
  memoryPerEntry: { bytes: 36, perPathByte: 1.15, jsHeap: false },
  open: (k: KnobValues, context: OpenContext) => {
    const inner = context.durability === 'none' ? createMemoryIndex() : openPrimaryIndex(context.directory, { durability: context.durability });
    const index = createOptimizedIndex(inner, {
      enableBulkOperations: k.enableBulkOperations as boolean,
      bulkThreshold: k.bulkThreshold as number,
      maxBatchDelayMs: k.maxBatchDelayMs as number,
      enableConcurrentOptimization: k.enableConcurrentOptimization as boolean,
      maxConcurrentReaders: k.maxConcurrentReaders as number,
      readerWorkers: k.readerWorkers as number,
      enableAutoRebalancing: k.enableAutoRebalancing as boolean,
      rebalancingTriggerThreshold: k.rebalancingTriggerThreshold as number,
      enableMemoryOptimization: k.enableMemoryOptimization as boolean,
      fragmentationThreshold: k.fragmentationThreshold as number,
      adaptive: { enabled: k.adaptive as boolean, epochOps: k.adaptiveEpochOps as number, minGain: k.adaptiveMinGain as number },
    });
    return new OptimizedImplementation(context.spec, { ...k, durability: context.durability }, index);
  },
};
