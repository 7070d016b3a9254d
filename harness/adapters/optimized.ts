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
  /**
   * False where the index applies writes at once and has no reader workers: then every call is
   * answered synchronously, as a user would call it (getSync, insertSync, bulkInsertSync, ...),
   * and the runner takes its plain loop. Its async loop cost the OptimizedIndex ~10% of a 10k
   * ycsb-c get here (0.63x against 0.72x the bare index).
   */
  readonly isAsync: boolean;

  constructor(
    readonly spec: string,
    readonly config: Readonly<Record<string, unknown>>,
    private readonly index: OptimizedIndex,
  ) {
    this.isAsync = !index.appliesWritesAtOnce || index.config.enableConcurrentOptimization;
  }

  load(ids: readonly string[], paths: readonly string[]): void | Promise<void> {
    const pairs = ids.map((id, i) => [id, paths[i]] as [string, string]);
    if (!this.isAsync) this.index.bulkInsertSync(pairs);
    else return this.index.bulkInsert(pairs).then(() => undefined);
  }

  /** With reader workers, get, which may batch; without, getSync (as with lmdb-js's get). */
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
    for (const entry of this.index.rangeSync(from, undefined, count)) {
      void entry;
      read++;
    }
    return read;
  }

  private async scanAsync(from: string, count: number): Promise<number> {
    let read = 0;
    for await (const entry of this.index.range(from, undefined, count)) {
      void entry;
      read++;
    }
    return read;
  }

  bulkInsert(pairs: [string, string][]): void | Promise<void> {
    if (this.index.appliesWritesAtOnce) this.index.bulkInsertSync(pairs);
    else return this.index.bulkInsert(pairs).then(() => undefined);
  }

  bulkDelete(ids: string[]): void | Promise<void> {
    if (this.index.appliesWritesAtOnce) this.index.bulkDeleteSync(ids);
    else return this.index.bulkDelete(ids).then(() => undefined);
  }

  bulkGet(ids: string[]): number | Promise<number> {
    const found = (values: (string | undefined)[]): number => values.filter((v) => v !== undefined).length;
    return this.isAsync ? this.index.getMany(ids).then(found) : found(this.index.getManySync(ids));
  }

  /** Its buffers and its string caches (hot ids, paths): everything it keeps alive. */
  memoryBytes(): number {
    const analysis = this.index.analyze();
    return analysis.bytesAllocated + analysis.cacheBytes;
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
