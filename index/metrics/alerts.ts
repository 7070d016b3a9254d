/**
 * Alerts computed from measured data, each naming its evidence: latency and throughput against
 * service levels, cost per operation growing faster than log n, memory not given back after
 * deletes and compaction, and a durable index that refuses writes or fails to checkpoint.
 */
import * as ss from 'simple-statistics';
import type { CompactionRecord, CostPoint, LatencySummary } from './collector.js';

export interface Alert {
  kind: 'p99' | 'throughput' | 'complexity' | 'memory-leak' | 'storage';
  message: string;
  evidence: Record<string, unknown>;
}

export interface GrowthFit {
  /** k in cost ~ n^k (slope of log cost against log n). A log n cost gives k near 0.1 over 1k..1M. */
  exponent: number;
  /** b in cost ~ a + b log2 n, in ns per doubling of n. */
  nsPerDoubling: number;
  /** How well cost ~ a + b log2 n fits (R squared). */
  r2Log: number;
  points: number;
}

/** Fits cost per operation against n both ways; needs at least two points. */
export function fitGrowth(points: { n: number; cost: number }[]): GrowthFit | null {
  const usable = points.filter((p) => p.n > 1 && p.cost > 0);
  if (usable.length < 2) return null;
  const power = ss.linearRegression(usable.map((p) => [Math.log(p.n), Math.log(p.cost)]));
  const logPairs = usable.map((p) => [Math.log2(p.n), p.cost]);
  const log = ss.linearRegression(logPairs);
  const line = ss.linearRegressionLine(log);
  return { exponent: power.m, nsPerDoubling: log.m, r2Log: usable.length > 2 ? ss.rSquared(logPairs, line) : 1, points: usable.length };
}

/**
 * Exponent above which growth is flagged as superlogarithmic. Cache misses alone raised it to
 * ~0.3 for our tree and ~0.5 for a Map between 1k and 100k entries on this machine; a cost linear
 * in n gives ~1. So 0.6 flags algorithmic growth, not a tree outgrowing the caches.
 */
export const MAX_GROWTH_EXPONENT = 0.6;

export function complexityAlert(points: CostPoint[], maxExponent = MAX_GROWTH_EXPONENT): Alert | null {
  const solid = points.filter((p) => p.samples >= 50);
  if (solid.length < 3 || solid[solid.length - 1].entries < 100 * solid[0].entries) return null;
  const fit = fitGrowth(solid.map((p) => ({ n: p.entries, cost: p.nsPerOp })));
  if (!fit || fit.exponent <= maxExponent) return null;
  return {
    kind: 'complexity',
    message: `read cost grows like n^${fit.exponent.toFixed(2)} (more than n^${maxExponent}): faster than log n`,
    evidence: { exponent: fit.exponent, points: solid.map((p) => ({ entries: p.entries, nsPerOp: Math.round(p.nsPerOp), samples: p.samples })) },
  };
}

export function slaAlerts(sla: { p99Ms?: number; minOpsPerSec?: number }, latencies: Record<string, LatencySummary>, opsPerSec: number, totalOps: number): Alert[] {
  const alerts: Alert[] = [];
  if (sla.p99Ms !== undefined) {
    for (const [op, l] of Object.entries(latencies)) {
      if (l.count >= 100 && l.p99 / 1e6 > sla.p99Ms) {
        alerts.push({ kind: 'p99', message: `${op} p99 is ${(l.p99 / 1e6).toFixed(3)} ms, above the ${sla.p99Ms} ms service level`, evidence: { operation: op, p99Ms: l.p99 / 1e6, samples: l.count } });
      }
    }
  }
  if (sla.minOpsPerSec !== undefined && totalOps >= 1000 && opsPerSec < sla.minOpsPerSec) {
    alerts.push({ kind: 'throughput', message: `throughput ${Math.round(opsPerSec)} ops/s is below the ${sla.minOpsPerSec} ops/s service level`, evidence: { opsPerSec, operations: totalOps } });
  }
  return alerts;
}

/** Allocation every index keeps however few entries it holds (minimum arena and heap). */
const FLOOR_BYTES = 1 << 20;

/**
 * After deletes and a compaction the index should hold about what its entries need. Flags a
 * compaction that left more than 1.5x the bytes per entry of the leanest earlier one (plus a floor).
 */
export function memoryLeakAlert(compactions: CompactionRecord[]): Alert | null {
  if (compactions.length < 2) return null;
  const last = compactions[compactions.length - 1];
  const earlier = compactions.slice(0, -1).filter((c) => c.entries > 0);
  if (earlier.length === 0) return null;
  const leanest = Math.min(...earlier.map((c) => c.bytesAllocatedAfter / c.entries));
  const expected = 1.5 * leanest * last.entries + FLOOR_BYTES;
  if (last.bytesAllocatedAfter <= expected) return null;
  return {
    kind: 'memory-leak',
    message: `after compaction the index still holds ${last.bytesAllocatedAfter} bytes for ${last.entries} entries, more than the ${Math.round(expected)} expected: memory was not given back`,
    evidence: { entries: last.entries, bytesAfter: last.bytesAllocatedAfter, leanestBytesPerEntry: leanest, expectedBytes: Math.round(expected) },
  };
}

/**
 * A durable index that takes no more writes (a failed fsync or an unfinished checkpoint: it must be
 * reopened), or whose automatic checkpoints fail (the log grows until they succeed).
 */
export function storageAlert(storage: { failure: string | null; checkpointFailures: number; lastCheckpointError: string | null } | null): Alert | null {
  if (!storage || (storage.failure === null && storage.checkpointFailures === 0)) return null;
  const message = storage.failure
    ? `the durable index takes no more writes until it is reopened: ${storage.failure}`
    : `${storage.checkpointFailures} automatic checkpoint(s) failed, the last: ${storage.lastCheckpointError}; the log keeps every write and grows until one succeeds`;
  return { kind: 'storage', message, evidence: { ...storage } };
}
