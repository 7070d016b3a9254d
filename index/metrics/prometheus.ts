/**
 * Prometheus text exposition of an OptimizedIndex dashboard, produced with prom-client: one
 * registry per call, filled from the dashboard's measured figures. Names are prefixed tunebench_
 * and carry their unit (_seconds, _bytes, _ratio, _total).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Dashboard } from '../optimized/dashboard.js';

const QUANTILES: [string, keyof Dashboard['operations']['get']['latencyNs']][] = [
  ['0.5', 'p50'],
  ['0.95', 'p95'],
  ['0.99', 'p99'],
  ['0.999', 'p999'],
];

export async function renderPrometheus(d: Dashboard): Promise<string> {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name: `tunebench_${name}`, help, labelNames, registers: [registry] });
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name: `tunebench_${name}`, help, labelNames, registers: [registry] });

  const operations = counter('operations_total', 'Operations completed, by operation (a bulk call counts its items).', ['operation']);
  const latency = gauge('operation_latency_seconds', 'Latency of an operation from call to answer, by quantile.', ['operation', 'quantile']);
  for (const [op, o] of Object.entries(d.operations)) {
    if (o.count === 0) continue;
    operations.inc({ operation: op }, o.count);
    for (const [q, field] of QUANTILES) latency.set({ operation: op, quantile: q }, o.latencyNs[field] / 1e9);
  }
  gauge('throughput_operations_per_second', 'Operations per second since start.').set(d.throughput.opsPerSec);
  counter('write_groups_total', 'Write groups applied (group commits).').inc(d.groups.count);
  gauge('write_group_size_mean', 'Mean writes per group.').set(d.groups.meanSize);
  gauge('write_group_size_max', 'Most writes in one group.').set(d.groups.maxSize);
  if (d.bulkEfficiency.speedup !== null) gauge('bulk_efficiency_ratio', 'Cost of a write applied alone over a write applied in a group (measured).').set(d.bulkEfficiency.speedup);
  if (d.contention) {
    const c = d.contention;
    gauge('lock_contention_ratio', 'Lock acquisitions that had to wait, over all acquisitions.').set(c.contentionRatio);
    const acquisitions = counter('lock_acquisitions_total', 'Lock acquisitions, by mode.', ['mode']);
    acquisitions.inc({ mode: 'read' }, c.readAcquisitions);
    acquisitions.inc({ mode: 'write' }, c.writeAcquisitions);
    const wait = counter('lock_wait_seconds_total', 'Time spent waiting for the lock, by mode.', ['mode']);
    wait.inc({ mode: 'read' }, c.readWaitMs / 1000);
    wait.inc({ mode: 'write' }, c.writeWaitMs / 1000);
    gauge('lock_active_readers', 'Readers inside the lock now.').set(c.activeReaders);
    gauge('lock_pending_writers', 'Writers waiting for the lock now.').set(c.pendingWriters);
  }
  gauge('tree_entries', 'Entries in the index.').set(d.tree.entries);
  gauge('tree_depth', 'Levels from root to leaves.').set(d.tree.depth);
  gauge('tree_leaf_fill_ratio', 'Mean leaf fill (keys held over capacity).').set(d.tree.meanLeafFill);
  gauge('tree_balance_ratio', 'Min leaf depth over max leaf depth.').set(d.tree.balanceFactor);
  gauge('heap_fragmentation_ratio', 'Free bytes inside the path heap over its span.').set(d.tree.heapFragmentation);
  const memory = gauge('memory_bytes', 'Bytes of the index: used by entries, allocated, raw (16 per id + path bytes).', ['kind']);
  memory.set({ kind: 'used' }, d.memory.bytesUsed);
  memory.set({ kind: 'allocated' }, d.memory.bytesAllocated);
  memory.set({ kind: 'raw' }, d.memory.rawBytes);
  counter('compactions_total', 'Compactions run (automatic or requested).').inc(d.maintenance.compactions);
  if (d.sla.withinLatency !== null) gauge('sla_latency_compliance_ratio', 'Share of timed operations within sla.p99Ms.').set(d.sla.withinLatency);
  if (d.sla.windowsMeetingThroughput !== null) gauge('sla_throughput_compliance_ratio', 'Share of whole seconds in use that reached sla.minOpsPerSec.').set(d.sla.windowsMeetingThroughput);
  // An info metric: the labels carry the suggestion, the value is always 1.
  const advice = gauge('recommendation_info', 'A recommendation from the live metrics (labels: id, message).', ['id', 'message']);
  for (const r of d.recommendations) advice.set({ id: r.id, message: r.message }, 1);
  const alerts = gauge('alert_active', 'Alerts raised from measured data (1 = active).', ['kind']);
  for (const kind of ['p99', 'throughput', 'complexity', 'memory-leak', 'storage']) alerts.set({ kind }, d.alerts.some((a) => a.kind === kind) ? 1 : 0);
  return registry.metrics();
}
