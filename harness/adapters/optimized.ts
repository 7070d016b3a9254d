/**
 * The OptimizedIndex: concurrent clients' writes are grouped on an index that fsyncs, batched
 * reads go to reader workers; where writes apply at once (in memory) it is called through its
 * synchronous methods, as a user would. Every OptimizationConfig field is a knob; `adaptive`
 * turns on self-tuning.
 */
import { DEFAULT_CONFIG, type OptimizedIndex, createMemoryIndex, createOptimizedIndex, openPrimaryIndex } from '../../index/index.js';
import { ADAPTIVE_FIELDS, CONFIG_FIELDS, type FieldSpec } from '../../index/optimized/config.js';
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

  /**
   * Without reader workers there is nothing to batch a read for, and a user would read
   * synchronously (as with lmdb-js's get): getSync. With them, get, which may batch.
   */
  get(id: string): string | undefined | Promise<string | undefined> {
    return this.index.config.enableConcurrentOptimization ? this.index.get(id) : this.index.getSync(id);
  }

  /**
   * Where the index applies writes at once (in memory), a user would write synchronously; else
   * the index's own promise (its boolean is dropped by the runner), with no async wrapper.
   */
  put(id: string, path: string): void | Promise<void> {
    if (this.index.appliesWritesAtOnce) this.index.insertSync(id, path);
    else return this.index.insert(id, path) as Promise<unknown> as Promise<void>;
  }

  delete(id: string): boolean | Promise<boolean> {
    return this.index.appliesWritesAtOnce ? this.index.deleteSync(id) : this.index.delete(id);
  }

  /** Synchronously where writes apply at once (nothing can be pending), as the writes above. */
  scan(from: string, count: number): number | Promise<number> {
    if (count <= 0) return 0;
    if (!this.index.appliesWritesAtOnce) return this.scanAsync(from, count);
    let read = 0;
    for (const entry of this.index.rangeSync(from)) {
      void entry;
      if (++read >= count) break;
    }
    return read;
  }

  private async scanAsync(from: string, count: number): Promise<number> {
    let read = 0;
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
/** Every scalar OptimizationConfig field is a knob, with the library's own bounds and meaning. */
const fieldKnob = (spec: FieldSpec, value: number | boolean): KnobSpec => ({ type: spec.type, ...(spec.min === undefined ? {} : { min: spec.min }), ...(spec.max === undefined ? {} : { max: spec.max }), default: value, description: spec.description });
const knobs: Record<string, KnobSpec> = {
  ...Object.fromEntries(Object.entries(CONFIG_FIELDS).map(([field, spec]) => [field, fieldKnob(spec, d[field as keyof typeof CONFIG_FIELDS])])),
  adaptive: fieldKnob(ADAPTIVE_FIELDS.enabled, d.adaptive.enabled),
  adaptiveEpochOps: fieldKnob(ADAPTIVE_FIELDS.epochOps, d.adaptive.epochOps),
  adaptiveMinGain: fieldKnob(ADAPTIVE_FIELDS.minGain, d.adaptive.minGain),
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
