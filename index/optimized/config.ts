/**
 * OptimizationConfig: every field changes what the OptimizedIndex does (a test flips each one).
 * Defaults were chosen with `npm run bench:optimized` on this 2-core machine; see the README.
 */
import { IndexError } from '../errors.js';

export type AdaptiveKnob = 'bulkThreshold' | 'maxConcurrentReaders';

export interface AdaptiveConfig {
  enabled: boolean;
  /** Knobs it may move, in turn. */
  knobs: AdaptiveKnob[];
  /** Operations per measurement epoch. */
  epochOps: number;
  /** Keep a new value only if its median epoch throughput beats the current one by more than this (0.05 = 5%), significantly. */
  minGain: number;
}

export interface OptimizationConfig {
  /**
   * Group concurrent writes into one bulk call (one fsync on a durable index; see write-groups.ts).
   * Off: each write is applied (and fsynced) on its own.
   */
  enableBulkOperations: boolean;
  /**
   * Most writes in one group; more writers wait for the next group. Groups form by themselves on
   * an index that fsyncs (the writers of one turn of the event loop), so the cap only bites above
   * that: 128 writers on a `sync` index with 64 take two fsyncs a round. In memory it matters only
   * with maxBatchDelayMs > 0 (writes are otherwise applied at once).
   */
  bulkThreshold: number;
  /**
   * Longest a partial group waits for more writes. 0 (the default): an in-memory write is applied
   * at once, and a durable group commits after one turn of the event loop. Above 0 every write
   * waits that long for company, in memory too: with 1 ms, one client's ycsb-a fell from 80k to
   * 1.7k ops/s, since a closed-loop client waits out every delay.
   */
  maxBatchDelayMs: number;
  /**
   * Run a group's fdatasync on libuv's thread pool, so that the event loop keeps serving reads and
   * gathering the next group meanwhile. Off by default: on this machine the thread-pool round trip
   * cost ~50 us a group, and closed-loop writers group as fully with the fsync on the event loop
   * (they come back within a turn either way); see the README's bench:optimized figures. On for a
   * server whose other requests must not wait out an fsync.
   */
  fsyncOffLoop: boolean;
  /**
   * Serve batched reads from reader workers over the shared tree. Off: every read on the calling
   * thread. Off by default: on this 2-core machine the calling thread's messaging costs more than
   * the lookups it hands off (bench:optimized, 95% get with 256 clients: 489k ops/s without the
   * pool, 350k with it). It pays where lookups are costlier than a message per batch, or where
   * the calling thread must stay free.
   */
  enableConcurrentOptimization: boolean;
  /** Readers allowed inside the tree's lock at once. */
  maxConcurrentReaders: number;
  /** Reader worker threads. */
  readerWorkers: number;
  /**
   * Time operations: latency histograms from one single operation in 16 and every bulk call, and
   * the read cost per tree size behind the complexity alert. Off: exact counts only (no clock
   * reads). bench:optimized prints what it costs.
   */
  enableMetrics: boolean;
  /** Compact when leaf fill or balance falls below rebalancingTriggerThreshold. */
  enableAutoRebalancing: boolean;
  /** Fill factor (and balance factor) under which the tree is rebuilt. */
  rebalancingTriggerThreshold: number;
  /** Compact when the path heap's fragmentation passes fragmentationThreshold. */
  enableMemoryOptimization: boolean;
  /** Share of the heap on free lists above which it is compacted. */
  fragmentationThreshold: number;
  /** Service levels the alerts compare with (optional). */
  sla: { p99Ms?: number; minOpsPerSec?: number };
  adaptive: AdaptiveConfig;
}

export const DEFAULT_CONFIG: OptimizationConfig = {
  enableBulkOperations: true,
  bulkThreshold: 256,
  maxBatchDelayMs: 0,
  fsyncOffLoop: false,
  enableConcurrentOptimization: false,
  maxConcurrentReaders: 2,
  readerWorkers: 2,
  enableMetrics: true,
  enableAutoRebalancing: true,
  rebalancingTriggerThreshold: 0.55,
  enableMemoryOptimization: true,
  fragmentationThreshold: 0.3,
  sla: {},
  adaptive: { enabled: false, knobs: ['bulkThreshold', 'maxConcurrentReaders'], epochOps: 2000, minGain: 0.05 },
};

/** A scalar config field: its type and bounds (inclusive) and what it does, in one line. */
export interface FieldSpec {
  type: 'integer' | 'number' | 'boolean';
  min?: number;
  max?: number;
  description: string;
}

type ScalarField = Exclude<keyof OptimizationConfig, 'sla' | 'adaptive'>;

/**
 * Every scalar field of OptimizationConfig, defined once: resolveConfig checks against it, the
 * adaptive mode moves its knobs within these bounds, and the harness adapter's knobs
 * (harness/adapters/optimized.ts) are made from it, so the three cannot disagree (they did:
 * maxConcurrentReaders went up to 64 in the adapter and 65,535 here).
 */
export const CONFIG_FIELDS: Readonly<Record<ScalarField, FieldSpec>> = {
  enableBulkOperations: { type: 'boolean', description: 'group concurrent writes into bulk calls' },
  bulkThreshold: { type: 'integer', min: 1, max: 65_536, description: 'most writes per group' },
  maxBatchDelayMs: { type: 'number', min: 0, max: 10_000, description: 'longest a partial group waits (ms)' },
  fsyncOffLoop: { type: 'boolean', description: "run a group's fsync on the thread pool, off the event loop" },
  enableConcurrentOptimization: { type: 'boolean', description: 'serve batched reads from reader workers' },
  maxConcurrentReaders: { type: 'integer', min: 1, max: 64, description: 'readers inside the lock at once' },
  readerWorkers: { type: 'integer', min: 1, max: 16, description: 'reader worker threads' },
  enableMetrics: { type: 'boolean', description: 'time operations (latency histograms, read cost); off: exact counts only' },
  enableAutoRebalancing: { type: 'boolean', description: 'compact when fill or balance falls below the trigger' },
  rebalancingTriggerThreshold: { type: 'number', min: 0, max: 1, description: 'fill/balance factor that triggers a rebuild' },
  enableMemoryOptimization: { type: 'boolean', description: 'compact when the heap fragments' },
  fragmentationThreshold: { type: 'number', min: 0, max: 1, description: 'heap fragmentation that triggers a compaction' },
};

/** The numeric fields of AdaptiveConfig, defined as CONFIG_FIELDS are. */
export const ADAPTIVE_FIELDS: Readonly<Record<'enabled' | 'epochOps' | 'minGain', FieldSpec>> = {
  enabled: { type: 'boolean', description: 'tune bulkThreshold and maxConcurrentReaders while running' },
  epochOps: { type: 'integer', min: 10, max: 10_000_000, description: 'operations per adaptive epoch' },
  minGain: { type: 'number', min: 0, max: 10, description: 'gain a new value must show to be kept' },
};

export type OptimizationConfigInput = Partial<Omit<OptimizationConfig, 'adaptive' | 'sla'>> & {
  adaptive?: Partial<AdaptiveConfig>;
  sla?: OptimizationConfig['sla'];
};

function bad(field: string, expected: string, value: unknown): IndexError {
  return new IndexError('INVALID_ARGUMENT', `OptimizationConfig.${field} must be ${expected}, got ${JSON.stringify(value)}`);
}

function checkField(field: string, spec: FieldSpec, value: unknown): void {
  if (spec.type === 'boolean') {
    if (typeof value !== 'boolean') throw bad(field, 'true or false', value);
    return;
  }
  const min = spec.min ?? -Infinity;
  const max = spec.max ?? Infinity;
  const ok = typeof value === 'number' && value >= min && value <= max && (spec.type === 'number' || Number.isInteger(value));
  if (!ok) throw bad(field, `${spec.type === 'integer' ? 'an integer' : 'a number'} from ${min} to ${max}`, value);
}

/** Fills defaults and checks every field; throws INVALID_ARGUMENT naming the first bad one. */
export function resolveConfig(input: OptimizationConfigInput = {}): OptimizationConfig {
  const known = new Set(Object.keys(DEFAULT_CONFIG));
  for (const key of Object.keys(input)) if (!known.has(key)) throw new IndexError('INVALID_ARGUMENT', `OptimizationConfig has no field "${key}" (fields: ${[...known].join(', ')})`);
  const config: OptimizationConfig = {
    ...DEFAULT_CONFIG,
    ...input,
    sla: { ...input.sla },
    adaptive: { ...DEFAULT_CONFIG.adaptive, ...input.adaptive },
  } as OptimizationConfig;
  for (const [field, spec] of Object.entries(CONFIG_FIELDS)) checkField(field, spec, config[field as ScalarField]);
  if (config.sla.p99Ms !== undefined && !(config.sla.p99Ms > 0)) throw bad('sla.p99Ms', 'a positive number', config.sla.p99Ms);
  if (config.sla.minOpsPerSec !== undefined && !(config.sla.minOpsPerSec > 0)) throw bad('sla.minOpsPerSec', 'a positive number', config.sla.minOpsPerSec);
  const a = config.adaptive;
  if (!Array.isArray(a.knobs) || a.knobs.some((k) => k !== 'bulkThreshold' && k !== 'maxConcurrentReaders')) throw bad('adaptive.knobs', "a list of 'bulkThreshold' and 'maxConcurrentReaders'", a.knobs);
  for (const [field, spec] of Object.entries(ADAPTIVE_FIELDS)) checkField(`adaptive.${field}`, spec, a[field as keyof typeof ADAPTIVE_FIELDS]);
  return config;
}
