/**
 * What the OptimizedIndex measures about itself: per-operation latency histograms (HDR),
 * operation counts and throughput, write-group sizes, the cost of a write applied alone and in a
 * group (bulk efficiency), the cost of a read at each size (for the complexity alert), and the
 * memory left after each compaction (for the leak alert). Every figure is measured.
 */
import type * as hdr from 'hdr-histogram-js';
import { type LatencySummary, newHistogram, summarize, trackable } from './histogram.js';

export type { LatencySummary };

export const OPERATIONS = ['insert', 'delete', 'get', 'getMany', 'bulkInsert', 'bulkDelete', 'range', 'flush'] as const;
export type OperationName = (typeof OPERATIONS)[number];
const OPERATION_INDEX = Object.fromEntries(OPERATIONS.map((op, i) => [op, i])) as Record<OperationName, number>;

/**
 * One single get, insert or delete in this many has its latency timed (a power of two). Timing
 * every one read the clock twice and filled a histogram and two Maps per call: with the overlay
 * lookup, that made the OptimizedIndex cost a lone client 4-6x the plain index. Counts stay exact;
 * bulk calls, getMany, range and flush are always timed (one clock read is nothing beside them).
 */
export const LATENCY_SAMPLE_EVERY = 16;

/** Weight of the newest sample in the running cost averages. */
const EWMA_WEIGHT = 0.1;

/** The running average `old` moved toward `sample` (the sample itself when there is none yet). */
function ewma(old: number | null, sample: number): number {
  return old === null ? sample : old + EWMA_WEIGHT * (sample - old);
}

/** A point of read cost at one tree size (the complexity alert fits these). */
export interface CostPoint {
  entries: number;
  nsPerOp: number;
  samples: number;
}

export interface CompactionRecord {
  at: number;
  entries: number;
  bytesAllocatedBefore: number;
  bytesAllocatedAfter: number;
  reason: string;
}

export class MetricsCollector {
  readonly startedAt = performance.now();
  /** Off: exact counts only, no clock reads, latency histograms or read costs (OptimizationConfig.enableMetrics). */
  private readonly timing: boolean;
  /** The latency service level (sla.p99Ms) in ns: timed operations above it are counted. */
  private readonly slaLatencyNs: number;
  private timedOperations = 0;
  private timedOverSla = 0;
  private readonly histograms = new Map<OperationName, hdr.Histogram>();
  private readonly counts = new Float64Array(OPERATIONS.length);
  private total = 0;
  /** Operations per whole second since start, for recent throughput (attributed when the clock is read). */
  private readonly perSecond = new Map<number, number>();
  private totalAtMark = 0;
  private ticks = 0;
  groups = 0;
  groupedWrites = 0;
  maxGroupSize = 0;
  private readonly groupSizeBuckets = new Map<number, number>();
  private aloneGroups = 0;
  individualNsPerWrite: number | null = null;
  groupedNsPerWrite: number | null = null;
  private readonly costByDecade = new Map<number, { entries: number; totalNs: number; samples: number }>();
  readonly compactions: CompactionRecord[] = [];

  constructor(options: { timing?: boolean; slaP99Ms?: number } = {}) {
    this.timing = options.timing ?? true;
    this.slaLatencyNs = options.slaP99Ms === undefined ? Infinity : options.slaP99Ms * 1e6;
  }

  /** The start time of a single operation when it is one to time (one in LATENCY_SAMPLE_EVERY), else -1. */
  sampleStart(): number {
    if (!this.timing) return -1;
    return (++this.ticks & (LATENCY_SAMPLE_EVERY - 1)) === 0 ? performance.now() : -1;
  }

  /**
   * Counts one operation of `op` that did `items` items of work and, when `started` is a time
   * (not -1), records its latency up to now.
   */
  record(op: OperationName, started: number, items = 1): void {
    this.counts[OPERATION_INDEX[op]] += items;
    this.total += items;
    if (started < 0 || !this.timing) return;
    const at = performance.now();
    let h = this.histograms.get(op);
    if (!h) {
      h = newHistogram();
      this.histograms.set(op, h);
    }
    const ns = (at - started) * 1e6;
    h.recordValue(trackable(ns));
    this.timedOperations++;
    if (ns > this.slaLatencyNs) this.timedOverSla++;
    // Everything counted since the last clock read is put in this second.
    const second = Math.floor((at - this.startedAt) / 1000);
    this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + this.total - this.totalAtMark);
    this.totalAtMark = this.total;
    if (this.perSecond.size > 120) this.perSecond.delete(Math.min(...this.perSecond.keys()));
  }

  /**
   * A write applied alone (a group of one); `applyNs` when it was timed. Plain counters, no Map:
   * this runs for every write of an uncontended index.
   */
  recordAlone(applyNs: number | null): void {
    this.groups++;
    this.groupedWrites++;
    this.aloneGroups++;
    if (this.maxGroupSize < 1) this.maxGroupSize = 1;
    if (applyNs !== null) this.individualNsPerWrite = ewma(this.individualNsPerWrite, applyNs);
  }

  /** A group of `size` writes applied in `applyNs` (null: not timed; 1 = applied alone). */
  recordGroup(size: number, applyNs: number | null): void {
    if (size === 1) {
      this.recordAlone(applyNs);
      return;
    }
    this.groups++;
    this.groupedWrites += size;
    this.maxGroupSize = Math.max(this.maxGroupSize, size);
    const bucket = 2 ** Math.floor(Math.log2(size));
    this.groupSizeBuckets.set(bucket, (this.groupSizeBuckets.get(bucket) ?? 0) + 1);
    if (applyNs !== null) this.groupedNsPerWrite = ewma(this.groupedNsPerWrite, applyNs / size);
  }

  /** A read that took `ns` on a tree of `entries` entries. Averaged per decade of size. */
  recordReadCost(entries: number, ns: number): void {
    if (entries < 1 || !this.timing) return;
    const decade = Math.floor(Math.log10(entries));
    const point = this.costByDecade.get(decade) ?? { entries: 0, totalNs: 0, samples: 0 };
    point.entries = Math.max(point.entries, entries);
    point.totalNs += ns;
    point.samples++;
    this.costByDecade.set(decade, point);
  }

  costPoints(): CostPoint[] {
    return [...this.costByDecade.values()].map((p) => ({ entries: p.entries, nsPerOp: p.totalNs / p.samples, samples: p.samples })).sort((a, b) => a.entries - b.entries);
  }

  latency(op: OperationName): LatencySummary {
    const h = this.histograms.get(op);
    return h ? summarize(h) : summarize(newHistogram());
  }

  count(op: OperationName): number {
    return this.counts[OPERATION_INDEX[op]];
  }

  totalOperations(): number {
    return this.total;
  }

  /** Operations per second since start, and over the last 10 whole seconds. */
  throughput(): { sinceStart: number; recent: number } {
    const elapsed = (performance.now() - this.startedAt) / 1000;
    const now = Math.floor(elapsed);
    let recent = 0;
    let seconds = 0;
    for (let s = now - 10; s < now; s++) {
      if (s < 0) continue;
      recent += this.perSecond.get(s) ?? 0;
      seconds++;
    }
    return { sinceStart: elapsed > 0 ? this.totalOperations() / elapsed : 0, recent: seconds > 0 ? recent / seconds : 0 };
  }

  /**
   * SLA compliance, measured: the share of timed operations within the latency level, and the
   * share of whole seconds (of the last 120 with a clock read) that did at least `minOpsPerSec`.
   * null where there is no level or nothing measured.
   */
  slaCompliance(minOpsPerSec: number | undefined): { withinLatency: number | null; timedOperations: number; windowsMeetingThroughput: number | null; windows: number } {
    const withinLatency = this.slaLatencyNs === Infinity || this.timedOperations === 0 ? null : 1 - this.timedOverSla / this.timedOperations;
    // The current second is still filling: only whole ones count.
    const current = Math.floor((performance.now() - this.startedAt) / 1000);
    const seconds = [...this.perSecond.entries()].filter(([second]) => second < current);
    const windowsMeetingThroughput = minOpsPerSec === undefined || seconds.length === 0 ? null : seconds.filter(([, ops]) => ops >= minOpsPerSec).length / seconds.length;
    return { withinLatency, timedOperations: this.timedOperations, windowsMeetingThroughput, windows: seconds.length };
  }

  groupSizes(): { size: number; groups: number }[] {
    const buckets = new Map(this.groupSizeBuckets);
    if (this.aloneGroups > 0) buckets.set(1, (buckets.get(1) ?? 0) + this.aloneGroups);
    return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([size, groups]) => ({ size, groups }));
  }

  /** How much faster a grouped write is than a write applied alone, when both were measured. */
  bulkEfficiency(): number | null {
    if (this.individualNsPerWrite === null || this.groupedNsPerWrite === null || this.groupedNsPerWrite === 0) return null;
    return this.individualNsPerWrite / this.groupedNsPerWrite;
  }
}
