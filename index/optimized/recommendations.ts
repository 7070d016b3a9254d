/**
 * Recommendations from the live metrics: each rule looks at measured figures of the dashboard and,
 * when they show a setting working against the workload, says what to change and why, with the
 * figures. A rule that lacks the samples to judge stays silent.
 */
import type { Dashboard, Recommendation } from './dashboard.js';

/** Below this many groups (or reads), the averages are too young to act on. */
const MIN_GROUPS = 50;
const MIN_READS = 1000;

export interface RecommendationInput {
  dashboard: Omit<Dashboard, 'recommendations' | 'alerts'>;
  /** Groups are fsynced (a durable index in `sync` or `group` mode). */
  groupsFsync: boolean;
  /** Running mean of read batches sent toward the reader pool, and the least a worker batch takes. */
  meanReadBatch: number;
  poolMinBatch: number;
  /** Compactions within the last minute. */
  recentCompactions: number;
}

export function recommend(input: RecommendationInput): Recommendation[] {
  const d = input.dashboard;
  const c = d.config;
  const g = d.groups;
  const found: Recommendation[] = [];
  const add = (id: string, message: string, evidence: Record<string, number>) => found.push({ id, message, evidence });

  if (c.maxBatchDelayMs > 0 && g.count >= MIN_GROUPS && g.meanSize < 1.5) {
    add('batch-delay-alone', `groups average ${g.meanSize.toFixed(1)} writes: maxBatchDelayMs ${c.maxBatchDelayMs} only delays each write; set it to 0`, { meanGroupSize: g.meanSize, groups: g.count, maxBatchDelayMs: c.maxBatchDelayMs });
  }
  if (input.groupsFsync && g.count >= MIN_GROUPS && g.meanSize >= 0.9 * c.bulkThreshold && c.bulkThreshold < 65_536) {
    add('groups-full', `groups average ${g.meanSize.toFixed(1)} writes against bulkThreshold ${c.bulkThreshold}: writers wait for a second fsync; raise bulkThreshold`, { meanGroupSize: g.meanSize, bulkThreshold: c.bulkThreshold, groups: g.count });
  }
  if (input.groupsFsync && g.count >= MIN_GROUPS && g.meanSize < 1.1) {
    const fsyncUs = d.bulkEfficiency.individualNsPerWrite === null ? 0 : d.bulkEfficiency.individualNsPerWrite / 1000;
    add('one-write-per-fsync', `groups average ${g.meanSize.toFixed(1)} writes: each write pays its own fsync${fsyncUs > 0 ? ` (~${fsyncUs.toFixed(0)} us)` : ''}; more concurrent writers would share them, or durability 'group' with flush() trades the per-write guarantee for throughput`, { meanGroupSize: g.meanSize, groups: g.count, ...(fsyncUs > 0 ? { fsyncUs } : {}) });
  }
  const gets = d.operations.get.count;
  if (c.enableConcurrentOptimization && gets >= MIN_READS && input.meanReadBatch < input.poolMinBatch) {
    add('reader-pool-idle', `reads arrive ${input.meanReadBatch.toFixed(1)} at a time, below the ${input.poolMinBatch} a worker batch needs: the reader pool idles; turn enableConcurrentOptimization off`, { meanReadBatch: input.meanReadBatch, poolMinBatch: input.poolMinBatch, gets });
  }
  if (c.sla.p99Ms !== undefined) {
    for (const [op, o] of Object.entries(d.operations)) {
      if (o.latencyNs.count < 100) continue;
      const p99Ms = o.latencyNs.p99 / 1e6;
      if (p99Ms <= c.sla.p99Ms) continue;
      const during = input.recentCompactions > 0 ? ` during ${input.recentCompactions} compaction(s) in the last minute: raise fragmentationThreshold or compact off-peak with analyzeAndOptimize()` : '';
      add(`p99-over-sla-${op}`, `p99 of ${op} is ${p99Ms.toFixed(3)} ms, above sla.p99Ms ${c.sla.p99Ms}${during}`, { p99Ms, slaP99Ms: c.sla.p99Ms, timed: o.latencyNs.count, recentCompactions: input.recentCompactions });
    }
  }
  if (!c.enableMemoryOptimization && d.tree.heapFragmentation > c.fragmentationThreshold) {
    add('heap-fragmented', `the path heap is ${(d.tree.heapFragmentation * 100).toFixed(0)}% free blocks and enableMemoryOptimization is off: call compact() or analyzeAndOptimize()`, { heapFragmentation: d.tree.heapFragmentation, fragmentationThreshold: c.fragmentationThreshold });
  }
  if (!c.enableAutoRebalancing && d.tree.entries > 0 && d.tree.meanLeafFill < c.rebalancingTriggerThreshold) {
    add('leaves-thin', `leaves are ${(d.tree.meanLeafFill * 100).toFixed(0)}% full and enableAutoRebalancing is off: call compact() or analyzeAndOptimize()`, { meanLeafFill: d.tree.meanLeafFill, rebalancingTriggerThreshold: c.rebalancingTriggerThreshold });
  }
  return found;
}
