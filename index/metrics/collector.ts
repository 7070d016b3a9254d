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
const GET = OPERATION_INDEX.get;

/**
 * One single get, insert or delete in this many, on average, has its latency timed. Timing every
 * one read the clock twice and filled a histogram and two Maps per call: with the overlay lookup,
 * that made the OptimizedIndex cost a lone client 4-6x the plain index. One timed operation costs
 * ~300-400 ns here (two clock reads, the histogram, the per-second Map), so at one in 16 it still
 * added ~25 ns to a 55 ns hot get; at one in 64, ~5 ns. The gaps between timed operations are
 * random (uniform in 1..127), so that no periodic work (maintenance every 32 writes, a client's
 * own cycle) falls always or never on a timed operation. Counts stay exact; bulk calls, getMany,
 * range and flush are always timed (one clock read is nothing beside them).
 */
export const LATENCY_SAMPLE_EVERY = 64;

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
  /** Operations per whole second since start, for recent throughput (attributed when the clock is read). */
  private readonly perSecond = new Map<number, number>();
  private totalAtMark = 0;
  /** Operations until the next timed one; xorshift state for the gaps. */
  private untilSample = 1;
  private gapState = 0x2545f491;
  /**
   * Single gets until the next timed one, counted down by the OptimizedIndex's getSync itself:
   * its gets are counted a gap at a time (getSampleDue), so an untimed get costs one decrement.
   * count('get') adds the gets of the current gap.
   */
  untilGetSample = 1;
  private getGap = 1;
  private multiGroups = 0;
  private multiGroupWrites = 0;
  private maxGroupSize = 0;
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

  /** The start time of a single operation when it is one to time (one in LATENCY_SAMPLE_EVERY on average), else -1. */
  sampleStart(): number {
    if (--this.untilSample !== 0 || !this.timing) return -1;
    this.untilSample = this.nextGap();
    return performance.now();
  }

  /** A random gap between timed operations: uniform in 1..2 * LATENCY_SAMPLE_EVERY - 1. */
  private nextGap(): number {
    let x = this.gapState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.gapState = x;
    return 1 + ((x >>> 0) % (2 * LATENCY_SAMPLE_EVERY - 1));
  }

  /**
   * untilGetSample reached 0: counts the gap's gets (this one the last; lastGetGap says how many),
   * starts the next gap, and returns the start time to time this get with (-1 with timing off).
   */
  getSampleDue(): number {
    this.counts[GET] += this.getGap;
    this.lastGetGap = this.getGap;
    this.getGap = this.untilGetSample = this.nextGap();
    return this.timing ? performance.now() : -1;
  }

  /** The gets that the last getSampleDue counted. */
  lastGetGap = 0;

  /** The get that getSampleDue counted last was refused (a bad id): it does not count. */
  uncountGet(): void {
    this.counts[GET]--;
  }

  /**
   * Counts one operation of `op` that did `items` items of work and, when `started` is a time
   * (not -1), records its latency up to now; returns that latency in ns (0 when not timed).
   */
  record(op: OperationName, started: number, items = 1): number {
    this.counts[OPERATION_INDEX[op]] += items;
    return started < 0 ? 0 : this.timed(op, started);
  }

  /** Records the latency of an operation of `op` begun at `started` (already counted); returns it in ns. */
  timed(op: OperationName, started: number): number {
    if (!this.timing) return 0;
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
    const total = this.totalOperations();
    this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + total - this.totalAtMark);
    this.totalAtMark = total;
    if (this.perSecond.size > 120) this.perSecond.delete(Math.min(...this.perSecond.keys()));
    return ns;
  }

  /**
   * A write applied alone (a group of one); `applyNs` when it was timed. Plain counters, no Map:
   * this runs for every write of an uncontended index.
   */
  recordAlone(applyNs: number | null): void {
    this.aloneGroups++;
    if (applyNs !== null) this.individualNsPerWrite = ewma(this.individualNsPerWrite, applyNs);
  }

  /** Write groups applied, alone ones included. */
  get groups(): number {
    return this.multiGroups + this.aloneGroups;
  }

  /** Writes applied through groups, alone ones included. */
  get groupedWrites(): number {
    return this.multiGroupWrites + this.aloneGroups;
  }

  /** The largest group applied (1 once a write was applied alone). */
  get largestGroup(): number {
    return Math.max(this.maxGroupSize, this.aloneGroups > 0 ? 1 : 0);
  }

  /** A group of `size` writes applied in `applyNs` (null: not timed; 1 = applied alone). */
  recordGroup(size: number, applyNs: number | null): void {
    if (size === 1) {
      this.recordAlone(applyNs);
      return;
    }
    this.multiGroups++;
    this.multiGroupWrites += size;
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
    return this.counts[OPERATION_INDEX[op]] + (op === 'get' ? this.getsInGap() : 0);
  }

  /** Gets of the current gap, not yet added to counts. */
  private getsInGap(): number {
    return this.getGap - this.untilGetSample;
  }

  totalOperations(): number {
    let total = this.getsInGap();
    for (let i = 0; i < this.counts.length; i++) total += this.counts[i];
    return total;
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
