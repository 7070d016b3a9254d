/**
 * The OptimizedIndex dashboard's shape: what `dashboard()` returns and `prometheus()` renders
 * (metrics/prometheus.ts reads this type, not the index).
 */
import type { ContentionMetrics } from '../concurrent/rwlock.js';
import type { Alert } from '../metrics/alerts.js';
import type { LatencySummary, OperationName } from '../metrics/collector.js';
import type { AdaptiveController } from './adaptive.js';
import type { OptimizationConfig } from './config.js';

/** A concrete suggestion from the live metrics, with the figures behind it. */
export interface Recommendation {
  id: string;
  message: string;
  evidence: Record<string, number>;
}

export interface Dashboard {
  at: string;
  uptimeMs: number;
  config: OptimizationConfig;
  /** Exact counts; latency (its `count`: the operations timed) from one single get, insert or delete in `latencySampleEvery` (0: enableMetrics is off, nothing is timed), and from every bulk call, getMany, range and flush. */
  operations: Record<OperationName, { count: number; latencyNs: LatencySummary }>;
  latencySampleEvery: number;
  throughput: { opsPerSec: number; recentOpsPerSec: number };
  groups: { count: number; writes: number; meanSize: number; maxSize: number; sizes: { size: number; groups: number }[] };
  bulkEfficiency: { individualNsPerWrite: number | null; groupedNsPerWrite: number | null; speedup: number | null };
  contention: ContentionMetrics | null;
  tree: { entries: number; depth: number; meanLeafFill: number; fillFactor: number; balanceFactor: number; heapFragmentation: number };
  memory: { bytesUsed: number; bytesAllocated: number; rawBytes: number; overhead: number; allocatedOverhead: number };
  maintenance: { compactions: number; lastReason: string | null };
  adaptive: { enabled: boolean; epochs: number; decisions: number; bulkThreshold: number; maxConcurrentReaders: number; trial: AdaptiveController['trial'] };
  /**
   * SLA compliance, measured: the share of timed operations within sla.p99Ms, and the share of
   * whole seconds in use (of the last 120) that reached sla.minOpsPerSec. null without that level
   * or with nothing measured.
   */
  sla: { p99Ms: number | null; minOpsPerSec: number | null; withinLatency: number | null; timedOperations: number; windowsMeetingThroughput: number | null; windows: number };
  recommendations: Recommendation[];
  alerts: Alert[];
}
