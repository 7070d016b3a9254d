/**
 * One interface for every implementation under test. Synchronous implementations return plain
 * values (the runner then calls them in a tight loop with no await); asynchronous ones return
 * promises and declare `isAsync`.
 */
export type MaybePromise<T> = T | Promise<T>;

export type Durability = 'none' | 'group' | 'sync';
export type KnobValue = number | boolean;
export type KnobValues = Record<string, KnobValue>;

export interface Implementation {
  /** The spec that names it, e.g. "optimized:bulkThreshold=64". */
  readonly spec: string;
  /** Every config field in effect, defaults included. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly isAsync: boolean;
  /** Loads the initial records, the implementation's fastest way. */
  load(ids: readonly string[], paths: readonly string[]): MaybePromise<void>;
  get(id: string): MaybePromise<string | undefined>;
  /** Insert or update. */
  put(id: string, path: string): MaybePromise<void>;
  delete(id: string): MaybePromise<boolean>;
  /** Reads up to `count` entries in id order from `from`; returns how many it read. */
  scan(from: string, count: number): MaybePromise<number>;
  bulkInsert(pairs: [string, string][]): MaybePromise<void>;
  bulkDelete(ids: string[]): MaybePromise<void>;
  /** Returns how many were found. */
  bulkGet(ids: string[]): MaybePromise<number>;
  /** Bytes the structure holds, when it can tell exactly; otherwise the runner measures the heap. */
  memoryBytes(): number | undefined;
  close(): MaybePromise<void>;
}

export interface KnobSpec {
  type: 'integer' | 'number' | 'boolean';
  min?: number;
  max?: number;
  default: KnobValue;
  description: string;
}

export interface OpenContext {
  /** The canonical spec string (knobs the user set, in name order). */
  spec: string;
  durability: Durability;
  /** A fresh, empty directory (created before open) the implementation may use for files; removed after the run. */
  directory: string;
}

/**
 * Memory an implementation holds per entry, so that a run that cannot fit is refused before it
 * starts: `bytes` plus `perPathByte` times the mean path length; `jsHeap` when it lives in the
 * JavaScript heap (whose limit is lower than the machine's memory).
 */
export interface MemoryPerEntry {
  bytes: number;
  perPathByte: number;
  jsHeap: boolean;
}

export interface ImplementationFactory {
  readonly name: string;
  readonly description: string;
  readonly knobs: Readonly<Record<string, KnobSpec>>;
  /** Durability modes it supports; a scenario asking for another one is skipped for it. */
  readonly durability: readonly Durability[];
  /** Estimated memory per entry (default: a conservative 250 bytes + 2 per path byte, in the JS heap). */
  readonly memoryPerEntry?: MemoryPerEntry;
  open(knobs: KnobValues, context: OpenContext): MaybePromise<Implementation>;
}
