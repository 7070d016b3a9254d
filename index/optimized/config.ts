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
  /** Group concurrent writes into one bulk call (one fsync on a durable index). Off: each write is applied on its own. */
  enableBulkOperations: boolean;
  /**
   * Most writes in one group; a full group is applied at once. A group holds the writes waiting
   * in one turn of the event loop, so the cap only bites above that; on a `sync` index a bigger
   * group is one fsync for more writes (bench:optimized, 128 writers: 64 gives 109k writes/s,
   * 128 gives 160k, 256 gives 157k; the default 256 leaves room for more writers).
   */
  bulkThreshold: number;
  /**
   * Longest a partial group waits for more writes before it is applied (0: the next turn of the
   * event loop). 0 by default: with 1 ms, one client's ycsb-a fell from 80k to 1.7k ops/s and
   * durable-writes from 22k to 5.1k, since a closed-loop client waits out every delay.
   */
  maxBatchDelayMs: number;
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
  enableConcurrentOptimization: false,
  maxConcurrentReaders: 2,
  readerWorkers: 2,
  enableAutoRebalancing: true,
  rebalancingTriggerThreshold: 0.55,
  enableMemoryOptimization: true,
  fragmentationThreshold: 0.3,
  sla: {},
  adaptive: { enabled: false, knobs: ['bulkThreshold', 'maxConcurrentReaders'], epochOps: 2000, minGain: 0.05 },
};

export type OptimizationConfigInput = Partial<Omit<OptimizationConfig, 'adaptive' | 'sla'>> & {
  adaptive?: Partial<AdaptiveConfig>;
  sla?: OptimizationConfig['sla'];
};

function bad(field: string, expected: string, value: unknown): IndexError {
  return new IndexError('INVALID_ARGUMENT', `OptimizationConfig.${field} must be ${expected}, got ${JSON.stringify(value)}`);
}

function int(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw bad(field, `an integer from ${min} to ${max}`, value);
}

function ratio(field: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw bad(field, 'a number from 0 to 1', value);
}

function bool(field: string, value: unknown): void {
  if (typeof value !== 'boolean') throw bad(field, 'true or false', value);
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
  for (const field of ['enableBulkOperations', 'enableConcurrentOptimization', 'enableAutoRebalancing', 'enableMemoryOptimization'] as const) bool(field, config[field]);
  int('bulkThreshold', config.bulkThreshold, 1, 65_536);
  if (typeof config.maxBatchDelayMs !== 'number' || !(config.maxBatchDelayMs >= 0 && config.maxBatchDelayMs <= 10_000)) throw bad('maxBatchDelayMs', 'a number from 0 to 10000', config.maxBatchDelayMs);
  int('readerWorkers', config.readerWorkers, 1, 64);
  int('maxConcurrentReaders', config.maxConcurrentReaders, 1, 65_535);
  ratio('rebalancingTriggerThreshold', config.rebalancingTriggerThreshold);
  ratio('fragmentationThreshold', config.fragmentationThreshold);
  if (config.sla.p99Ms !== undefined && !(config.sla.p99Ms > 0)) throw bad('sla.p99Ms', 'a positive number', config.sla.p99Ms);
  if (config.sla.minOpsPerSec !== undefined && !(config.sla.minOpsPerSec > 0)) throw bad('sla.minOpsPerSec', 'a positive number', config.sla.minOpsPerSec);
  const a = config.adaptive;
  bool('adaptive.enabled', a.enabled);
  if (!Array.isArray(a.knobs) || a.knobs.some((k) => k !== 'bulkThreshold' && k !== 'maxConcurrentReaders')) throw bad('adaptive.knobs', "a list of 'bulkThreshold' and 'maxConcurrentReaders'", a.knobs);
  int('adaptive.epochOps', a.epochOps, 10, 10_000_000);
  if (typeof a.minGain !== 'number' || !(a.minGain >= 0 && a.minGain < 10)) throw bad('adaptive.minGain', 'a number from 0 to 10', a.minGain);
  return config;
}
