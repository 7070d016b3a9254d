/**
 * The OptimizedIndex: an asynchronous front for a primary index (in memory or durable) that
 *
 * - groups writes from many callers into one bulk call (a group commit: one fsync on a durable
 *   index), each caller's promise resolving once its group is applied (and durable);
 * - answers reads from pending writes first, and serves batched reads from reader workers;
 * - compacts when the tree's fill or balance, or the heap's fragmentation, crosses a bound;
 * - measures itself (latency histograms, group sizes, bulk efficiency, contention, tree health,
 *   memory), exports a JSON dashboard and Prometheus text, and raises alerts from measured data;
 * - optionally tunes bulkThreshold and maxConcurrentReaders while it runs (adaptive.ts).
 *
 * Its parts each have a module: write grouping (write-groups.ts), the index underneath
 * (backing.ts), maintenance and analyzeAndOptimize (maintenance.ts), recommendations
 * (recommendations.ts), the dashboard's shape (dashboard.ts); read batching is here.
 */
import { IndexError } from '../errors.js';
import { type DocumentId, invalidIdError, isDocumentId } from '../id.js';
import type { MemoryIndex } from '../memory-index.js';
import type { BulkDeleteResult, BulkInsertResult, CompactResult, IdPathPair, TreeAnalysis } from '../types.js';
import { type ReaderPool, createReaderPool } from '../concurrent/pool.js';
import type { ContentionMetrics } from '../concurrent/rwlock.js';
import { LATENCY_SAMPLE_EVERY, MetricsCollector, OPERATIONS, type OperationName } from '../metrics/collector.js';
import { type Alert, complexityAlert, memoryLeakAlert, slaAlerts, storageAlert } from '../metrics/alerts.js';
import { renderPrometheus } from '../metrics/prometheus.js';
import { type AdaptiveDecision, AdaptiveController } from './adaptive.js';
import { type PendingWrite, WriteGroups } from './write-groups.js';
import { type Backing, type InnerIndex, backingOf } from './backing.js';
import { type OptimizationReport, compactionReasons, fillReason, fragmentationReason, treeState } from './maintenance.js';
import type { Dashboard, Recommendation } from './dashboard.js';
import { recommend } from './recommendations.js';
import { type AdaptiveKnob, CONFIG_FIELDS, type OptimizationConfig, type OptimizationConfigInput, resolveConfig } from './config.js';

export type { InnerIndex } from './backing.js';

/** Batches of fewer reads than this are answered on the calling thread: a worker round trip costs more. */
export const POOL_MIN_BATCH = 64;
/** A read batch is sent as soon as it holds this many reads. */
const READ_BATCH_MAX = 4096;
/** While reads arrive one at a time, one get in this many is held for a turn to see whether others come. */
const READ_PROBE_EVERY = 64;
/**
 * Writes between maintenance checks (fill, balance, fragmentation). They change slowly, and
 * checking after every single write cost ~6 ns of a 360 ns in-memory update (47 ns over the bare
 * index with it, 41 without).
 */
const MAINTAIN_EVERY = 32;
/** Trees smaller than this are never compacted automatically. */
const MIN_MAINTAINED_ENTRIES = 1000;

interface PendingRead {
  id: DocumentId;
  started: number;
  resolve: (path: string | undefined) => void;
  reject: (error: Error) => void;
}

export type { Dashboard, Recommendation } from './dashboard.js';

const now = () => performance.now();
const closedError = () => new IndexError('CLOSED', 'the optimized index is closed');

export class OptimizedIndex {
  readonly config: OptimizationConfig;
  readonly metrics: MetricsCollector;
  /** The in-memory index underneath (a durable index's memory). */
  readonly memory: MemoryIndex;
  private readonly backing: Backing;
  private readonly pool: ReaderPool | null;
  private readonly adaptive: AdaptiveController | null;
  private readonly groups: WriteGroups;
  private reads: PendingRead[] = [];
  private readTimer: NodeJS.Immediate | null = null;
  /**
   * Reads are batched for the workers only while they arrive together: a lone get held for a turn
   * of the event loop cost a single client half its throughput (ycsb-a, 80k against 167k ops/s).
   * The running mean of batch sizes decides; a probe batches one whole turn's gets to measure it.
   */
  private meanReadBatch = 0;
  private probing = false;
  private sinceProbe = 0;
  private closed = false;
  private lastReason: string | null = null;
  private checkedFillAt = -1;
  private untilMaintenance = MAINTAIN_EVERY;
  /** WriteGroups.appliesAtOnce, read on every get. */
  private readonly appliesAtOnce: boolean;

  constructor(
    readonly inner: InnerIndex,
    input: OptimizationConfigInput = {},
  ) {
    this.config = resolveConfig(input);
    this.backing = backingOf(inner);
    this.memory = this.backing.memory;
    this.metrics = new MetricsCollector({ timing: this.config.enableMetrics, slaP99Ms: this.config.sla.p99Ms });
    this.groups = new WriteGroups(this.backing, this.config, {
      onApplied: (size, applyNs) => this.metrics.recordGroup(size, applyNs),
      onAppliedAlone: (kind, started) => {
        // The write's latency is its apply time: one clock read for both.
        const ns = this.metrics.record(kind, started);
        this.metrics.recordAlone(started >= 0 ? ns : null);
        this.adaptive?.onOperations(1);
        this.afterApply(1);
      },
      onWrite: (kind, started) => this.done(kind, started),
      afterApply: (size) => this.afterApply(size),
    });
    this.appliesAtOnce = this.groups.appliesAtOnce;
    this.pool = this.config.enableConcurrentOptimization
      ? createReaderPool(this.memory, { workers: this.config.readerWorkers, maxConcurrentReaders: this.config.maxConcurrentReaders })
      : null;
    this.adaptive = this.config.adaptive.enabled
      ? new AdaptiveController(this.config.adaptive, {
          get: (knob) => this.config[knob],
          set: (knob, value) => this.setKnob(knob, value),
          // The config's own bounds (CONFIG_FIELDS); the reader cap at most the workers there are.
          // Without a reader pool the reader cap does nothing, so it is not worth a trial.
          bounds: (knob) =>
            knob === 'bulkThreshold'
              ? [CONFIG_FIELDS.bulkThreshold.min!, CONFIG_FIELDS.bulkThreshold.max!]
              : this.config.enableConcurrentOptimization
                ? [CONFIG_FIELDS.maxConcurrentReaders.min!, Math.min(this.config.readerWorkers, CONFIG_FIELDS.maxConcurrentReaders.max!)]
                : [this.config.maxConcurrentReaders, this.config.maxConcurrentReaders],
        })
      : null;
  }

  /** Counts `size` applied writes toward the next maintenance check (every MAINTAIN_EVERY). */
  private afterApply(size: number): void {
    this.untilMaintenance -= size;
    if (this.untilMaintenance <= 0) {
      this.untilMaintenance = MAINTAIN_EVERY;
      this.maintain();
    }
  }

  /** Entries applied so far (writes still waiting in a group are not counted). */
  get size(): number {
    return this.inner.size;
  }

  private setKnob(knob: AdaptiveKnob, value: number): void {
    this.config[knob] = value;
    if (knob === 'maxConcurrentReaders') this.pool?.setMaxConcurrentReaders(value);
  }

  private check(): void {
    if (this.closed) throw closedError();
  }

  /** Counts an operation begun at `started` (-1: not one the collector times; see LATENCY_SAMPLE_EVERY). */
  private done(op: OperationName, started: number, items = 1): void {
    this.metrics.record(op, started, items);
    this.adaptive?.onOperations(items);
  }

  // ---------------------------------------------------------------- writes

  /** Inserts or replaces; resolves to true when `id` was new, once its group is applied (and durable). */
  insert(id: DocumentId, path: string): Promise<boolean> {
    return this.write('insert', id, path);
  }

  /** Removes `id`; resolves to whether it existed, once its group is applied (and durable). */
  delete(id: DocumentId): Promise<boolean> {
    return this.write('delete', id, '');
  }

  /**
   * Whether every write is applied at once (in memory, or durable without fsyncs, and no batch
   * delay; or grouping off). Then `insertSync` and `deleteSync` may be used, and cost no promise.
   */
  get appliesWritesAtOnce(): boolean {
    return this.appliesAtOnce;
  }

  /** Inserts or replaces now, on the calling thread; true when `id` was new. Only where `appliesWritesAtOnce`. */
  insertSync(id: DocumentId, path: string): boolean {
    this.check();
    return this.groups.writeSync('insert', id, path, this.metrics.sampleStart());
  }

  /** Removes `id` now; whether it existed. Only where `appliesWritesAtOnce`. */
  deleteSync(id: DocumentId): boolean {
    this.check();
    return this.groups.writeSync('delete', id, '', this.metrics.sampleStart());
  }

  private write(kind: 'insert' | 'delete', id: DocumentId, path: string): Promise<boolean> {
    if (this.closed) return Promise.reject(closedError());
    return this.groups.write(kind, id, path, this.metrics.sampleStart());
  }

  /** Applies pending writes first, then the whole batch: inserts or replaces every pair. */
  async bulkInsert(pairs: Iterable<IdPathPair>): Promise<BulkInsertResult> {
    this.check();
    await this.groups.drain();
    return this.bulkInsertNow(pairs);
  }

  async bulkDelete(ids: Iterable<DocumentId>): Promise<BulkDeleteResult> {
    this.check();
    await this.groups.drain();
    return this.bulkDeleteNow(ids);
  }

  /** bulkInsert now, on the calling thread. Only where `appliesWritesAtOnce` (nothing is ever pending). */
  bulkInsertSync(pairs: Iterable<IdPathPair>): BulkInsertResult {
    this.check();
    this.groups.checkAppliesAtOnce();
    return this.bulkInsertNow(pairs);
  }

  /** bulkDelete now, on the calling thread. Only where `appliesWritesAtOnce`. */
  bulkDeleteSync(ids: Iterable<DocumentId>): BulkDeleteResult {
    this.check();
    this.groups.checkAppliesAtOnce();
    return this.bulkDeleteNow(ids);
  }

  private bulkInsertNow(pairs: Iterable<IdPathPair>): BulkInsertResult {
    const started = now();
    const result = this.inner.bulkInsert(pairs);
    this.done('bulkInsert', started, result.operations);
    this.maintain();
    return result;
  }

  private bulkDeleteNow(ids: Iterable<DocumentId>): BulkDeleteResult {
    const started = now();
    const result = this.inner.bulkDelete(ids);
    this.done('bulkDelete', started, result.operations);
    this.maintain();
    return result;
  }

  // ---------------------------------------------------------------- reads

  /**
   * The path of `id`, seeing every write issued before (pending or applied). Batched to the reader
   * workers while reads arrive together and a pool is on; otherwise answered on this thread.
   */
  get(id: DocumentId): Promise<string | undefined> {
    if (this.closed) return Promise.reject(closedError());
    const batching = this.pool !== null && (this.meanReadBatch >= POOL_MIN_BATCH || this.probing || ++this.sinceProbe >= READ_PROBE_EVERY);
    if (!batching) {
      try {
        return Promise.resolve(this.getSync(id));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    // The main thread's one parse of a batched read: it lets a bad id reject its own read rather
    // than fail the whole batch on a worker. The worker parses again the bytes it is sent (ids
    // cross threads as UTF-8), off this thread.
    if (!isDocumentId(id)) return Promise.reject(invalidIdError(id));
    const started = this.metrics.sampleStart();
    const pending = this.pendingWrite(id);
    if (pending) {
      this.done('get', started);
      return Promise.resolve(pending.kind === 'insert' ? pending.path : undefined);
    }
    this.probing = true;
    this.sinceProbe = 0;
    return new Promise((resolve, reject) => {
      this.reads.push({ id, started, resolve, reject });
      if (this.reads.length >= READ_BATCH_MAX) void this.flushReads();
      else this.readTimer ??= setImmediate(() => void this.flushReads());
    });
  }

  /**
   * The path of `id` now, on the calling thread (as lmdb-js's synchronous `get`), seeing every
   * write issued before. A read that needs no worker pays no promise: awaiting even a resolved one
   * cost ~110 ns here, half of a 10k-entry get. Throws INVALID_ID or CLOSED.
   */
  getSync(id: DocumentId): string | undefined {
    this.check();
    // Where writes apply at once nothing is ever pending: no overlay to look in.
    if (!this.appliesAtOnce && this.groups.overlay.size > 0) return this.getSyncOverlaid(id);
    // An untimed get costs one decrement here, which also counts it (MetricsCollector.untilGetSample):
    // the bookkeeping of each get was ~25% of a hot 10k-entry get through the harness (0.75x
    // the bare index on ycsb-c with a count, a sample tick and an adaptive tick per call).
    const metrics = this.metrics;
    if (--metrics.untilGetSample !== 0) {
      try {
        return this.inner.get(id); // the index validates the id: the one parse of this call
      } catch (error) {
        metrics.untilGetSample++; // a refused get is not counted
        throw error;
      }
    }
    const started = metrics.getSampleDue();
    let path: string | undefined;
    try {
      path = this.inner.get(id);
    } catch (error) {
      metrics.uncountGet();
      throw error;
    }
    if (started >= 0) metrics.recordReadCost(this.inner.size, metrics.timed('get', started));
    this.adaptive?.onOperations(metrics.lastGetGap);
    return path;
  }

  /** getSync while writes wait in groups: a pending write answers first. */
  private getSyncOverlaid(id: DocumentId): string | undefined {
    const started = this.metrics.sampleStart();
    if (!isDocumentId(id)) throw invalidIdError(id);
    const pending = this.pendingWrite(id);
    if (pending) {
      this.done('get', started);
      return pending.kind === 'insert' ? pending.path : undefined;
    }
    const path = this.inner.get(id);
    const ns = this.metrics.record('get', started);
    if (started >= 0) this.metrics.recordReadCost(this.inner.size, ns);
    this.adaptive?.onOperations(1);
    return path;
  }

  /** The write to a (valid) `id` still waiting in a group, if any. */
  private pendingWrite(id: DocumentId): PendingWrite | undefined {
    const overlay = this.groups.overlay;
    return overlay.size === 0 ? undefined : overlay.get(id.toLowerCase());
  }

  private async flushReads(): Promise<void> {
    if (this.readTimer !== null) {
      clearImmediate(this.readTimer);
      this.readTimer = null;
    }
    const batch = this.reads;
    this.probing = false;
    if (batch.length === 0) return;
    this.reads = [];
    this.meanReadBatch += 0.2 * (batch.length - this.meanReadBatch);
    try {
      const values = await this.lookUp(batch.map((r) => r.id));
      batch.forEach((r, i) => {
        this.done('get', r.started);
        r.resolve(values[i]);
      });
    } catch (error) {
      for (const r of batch) r.reject(error as Error);
    }
  }

  /**
   * Looks ids up on the workers (large batches) or here (small ones, or no pool). A batch worth
   * several round trips is split across the workers so that they read at the same time (as many
   * as maxConcurrentReaders lets in).
   */
  private async lookUp(ids: DocumentId[]): Promise<(string | undefined)[]> {
    const t0 = now();
    let values: (string | undefined)[];
    if (this.pool === null || ids.length < POOL_MIN_BATCH) values = this.memory.bulkGet(ids).values;
    else {
      const pool = this.pool;
      const slices = Math.min(this.config.readerWorkers, Math.floor(ids.length / POOL_MIN_BATCH));
      const size = Math.ceil(ids.length / slices);
      const parts = await Promise.all(Array.from({ length: slices }, (_, s) => pool.getMany(ids.slice(s * size, (s + 1) * size))));
      values = parts.length === 1 ? parts[0] : parts.flat();
    }
    if (ids.length > 0) this.metrics.recordReadCost(this.inner.size, ((now() - t0) * 1e6) / ids.length);
    return values;
  }

  /** Paths of many ids, in input order, seeing every write issued before. */
  async getMany(ids: readonly DocumentId[]): Promise<(string | undefined)[]> {
    this.check();
    const started = now();
    const { answers, rest } = this.pendingAnswers(ids);
    return this.fillAnswers(ids, answers, rest, await this.lookUp(rest.map((i) => ids[i])), started);
  }

  /** getMany now, on the calling thread (never on the reader workers). */
  getManySync(ids: readonly DocumentId[]): (string | undefined)[] {
    this.check();
    const started = now();
    const { answers, rest } = this.pendingAnswers(ids);
    const t0 = now();
    const values = this.memory.bulkGet(rest.map((i) => ids[i])).values;
    if (rest.length > 0) this.metrics.recordReadCost(this.inner.size, ((now() - t0) * 1e6) / rest.length);
    return this.fillAnswers(ids, answers, rest, values, started);
  }

  /** Validates `ids` and answers those with a write pending; `rest` are the positions still to look up. */
  private pendingAnswers(ids: readonly DocumentId[]): { answers: (string | undefined)[]; rest: number[] } {
    ids.forEach((id, i) => {
      if (!isDocumentId(id)) throw invalidIdError(id, ` at ids[${i}]`);
    });
    const answers: (string | undefined)[] = new Array(ids.length);
    const rest: number[] = [];
    ids.forEach((id, i) => {
      const pending = this.pendingWrite(id);
      if (pending) answers[i] = pending.kind === 'insert' ? pending.path : undefined;
      else rest.push(i);
    });
    return { answers, rest };
  }

  private fillAnswers(ids: readonly DocumentId[], answers: (string | undefined)[], rest: number[], values: (string | undefined)[], started: number): (string | undefined)[] {
    rest.forEach((i, k) => {
      answers[i] = values[k];
    });
    this.done('getMany', started, ids.length);
    return answers;
  }

  /** Entries with from <= id < to in id order, after applying pending writes. */
  range(from?: DocumentId, to?: DocumentId, limit?: number): AsyncIterableIterator<[DocumentId, string]> {
    this.check();
    const entries = this.inner.range(from, to, limit); // validates the bounds and the limit now
    const self = this;
    return (async function* () {
      await self.flush();
      const started = now();
      let n = 0;
      for (const entry of entries) {
        n++;
        yield entry;
      }
      self.done('range', started, Math.max(1, n));
    })();
  }

  /**
   * Entries with from <= id < to in id order, synchronously, counted as one range call (of as many
   * entries as it yields). Only where `appliesWritesAtOnce`, where no write can be pending: an
   * async generator's per-entry promises made ycsb-e 2.5x slower (60k against 148k ops/s, --quick).
   */
  rangeSync(from?: DocumentId, to?: DocumentId, limit?: number): IterableIterator<[DocumentId, string]> {
    this.check();
    if (!this.appliesWritesAtOnce) throw new IndexError('INVALID_ARGUMENT', 'this index groups writes: use range(), which applies pending writes first');
    const entries = this.inner.range(from, to, limit);
    const started = this.metrics.sampleStart();
    let n = 0;
    const self = this;
    return {
      [Symbol.iterator]() {
        return this;
      },
      next() {
        const step = entries.next();
        if (step.done) self.done('range', started, Math.max(1, n));
        else n++;
        return step;
      },
      return(value?: unknown) {
        self.done('range', started, Math.max(1, n));
        return entries.return?.(value) ?? { done: true, value: undefined };
      },
    };
  }

  /** Applies pending writes and waiting reads; on a durable index, makes every write durable. */
  async flush(): Promise<void> {
    this.check();
    const started = now();
    await this.groups.drain();
    await this.flushReads();
    this.backing.flush();
    this.done('flush', started);
  }

  // ---------------------------------------------------------------- maintenance

  /** Compacts when the heap is fragmented or the tree has thinned out (see config). */
  private maintain(): void {
    const tree = this.memory.counters;
    if (tree.size < MIN_MAINTAINED_ENTRIES) return;
    const heap = tree.heap;
    const fragmented = this.config.enableMemoryOptimization && heap.top > 0 ? fragmentationReason(heap.freeWords / heap.top, this.config) : null;
    if (fragmented !== null) {
      this.compactFor(fragmented);
      return;
    }
    if (!this.config.enableAutoRebalancing) return;
    // An O(1) estimate of leaf fill gates the O(n) analysis, which then runs at most once per
    // 10% change of size.
    const estimate = tree.size / (tree.pagesInUse * tree.order);
    if (estimate >= this.config.rebalancingTriggerThreshold) return;
    if (this.checkedFillAt >= 0 && Math.abs(tree.size - this.checkedFillAt) < tree.size / 10) return;
    this.checkedFillAt = tree.size;
    const thin = fillReason(this.memory.analyze(), this.config);
    if (thin !== null) this.compactFor(thin);
  }

  private compactFor(reason: string): CompactResult {
    const result = this.inner.compact();
    this.lastReason = reason;
    this.checkedFillAt = -1;
    this.metrics.compactions.push({ at: Date.now(), entries: this.inner.size, bytesAllocatedBefore: result.bytesAllocatedBefore, bytesAllocatedAfter: result.bytesAllocatedAfter, reason });
    return result;
  }

  /**
   * Applies pending writes, measures the tree (bytes, fill, balance, fragmentation and a short
   * timed read probe), compacts if that evidence crosses the config's bounds (whether or not the
   * automatic maintenance is on), and measures again. Returns what it did with both measurements.
   */
  async analyzeAndOptimize(): Promise<OptimizationReport> {
    this.check();
    await this.groups.drain();
    const started = now();
    const before = treeState(this.memory);
    const reasons = compactionReasons(before, this.config);
    if (reasons.length === 0) return { actions: [], before, after: before, durationMs: now() - started };
    this.compactFor(`analyzeAndOptimize: ${reasons.join('; ')}`);
    const after = treeState(this.memory);
    return { actions: [{ action: 'compact', reasons }], before, after, durationMs: now() - started };
  }

  /** Rebuilds densely now (pending writes applied first). */
  async compact(): Promise<CompactResult> {
    this.check();
    await this.groups.drain();
    return this.compactFor('requested');
  }

  analyze(): TreeAnalysis {
    this.check();
    return this.inner.analyze();
  }

  // ---------------------------------------------------------------- observability

  /** Every decision of the adaptive mode, with the figures behind it. */
  adaptiveLog(): AdaptiveDecision[] {
    return [...(this.adaptive?.log ?? [])];
  }

  /** Live lock contention of the reader pool (null without one). */
  contention(): ContentionMetrics | null {
    return this.pool?.contention() ?? null;
  }

  /** A JSON-ready picture of everything measured. Computational complexity: O(n) (it analyzes the tree). */
  dashboard(): Dashboard {
    const analysis = this.inner.analyze();
    const operations = Object.fromEntries(OPERATIONS.map((op) => [op, { count: this.metrics.count(op), latencyNs: this.metrics.latency(op) }])) as Dashboard['operations'];
    const throughput = this.metrics.throughput();
    const m = this.metrics;
    const measured: Omit<Dashboard, 'recommendations' | 'alerts'> = {
      at: new Date().toISOString(),
      uptimeMs: now() - m.startedAt,
      config: structuredClone(this.config),
      operations,
      latencySampleEvery: this.config.enableMetrics ? LATENCY_SAMPLE_EVERY : 0,
      throughput: { opsPerSec: throughput.sinceStart, recentOpsPerSec: throughput.recent },
      groups: { count: m.groups, writes: m.groupedWrites, meanSize: m.groups === 0 ? 0 : m.groupedWrites / m.groups, maxSize: m.largestGroup, sizes: m.groupSizes() },
      bulkEfficiency: { individualNsPerWrite: m.individualNsPerWrite, groupedNsPerWrite: m.groupedNsPerWrite, speedup: m.bulkEfficiency() },
      contention: this.contention(),
      tree: { entries: analysis.entries, depth: analysis.depth, meanLeafFill: analysis.meanLeafFill, fillFactor: analysis.fillFactor, balanceFactor: analysis.balanceFactor, heapFragmentation: analysis.heapFragmentation },
      memory: { bytesUsed: analysis.bytesUsed, bytesAllocated: analysis.bytesAllocated, rawBytes: analysis.rawBytes, overhead: analysis.overhead, allocatedOverhead: analysis.allocatedOverhead },
      maintenance: { compactions: m.compactions.length, lastReason: this.lastReason },
      adaptive: { enabled: this.adaptive !== null, epochs: this.adaptive?.epochs ?? 0, decisions: this.adaptive?.log.length ?? 0, bulkThreshold: this.config.bulkThreshold, maxConcurrentReaders: this.config.maxConcurrentReaders, trial: this.adaptive?.trial ?? null },
      sla: { p99Ms: this.config.sla.p99Ms ?? null, minOpsPerSec: this.config.sla.minOpsPerSec ?? null, ...m.slaCompliance(this.config.sla.minOpsPerSec) },
    };
    return { ...measured, recommendations: this.recommendationsFrom(measured), alerts: this.alerts(operations, throughput.sinceStart) };
  }

  /** Concrete suggestions from the live metrics, each with the figures behind it (also in the dashboard). */
  recommendations(): Recommendation[] {
    return this.dashboard().recommendations;
  }

  private recommendationsFrom(dashboard: Omit<Dashboard, 'recommendations' | 'alerts'>): Recommendation[] {
    const minuteAgo = Date.now() - 60_000;
    return recommend({
      dashboard,
      groupsFsync: this.backing.needsSync && this.config.enableBulkOperations,
      meanReadBatch: this.meanReadBatch,
      poolMinBatch: POOL_MIN_BATCH,
      recentCompactions: this.metrics.compactions.filter((c) => c.at >= minuteAgo).length,
    });
  }

  private alerts(operations: Dashboard['operations'], opsPerSec: number): Alert[] {
    const latencies = Object.fromEntries(Object.entries(operations).map(([op, o]) => [op, o.latencyNs]));
    const found: (Alert | null)[] = [...slaAlerts(this.config.sla, latencies, opsPerSec, this.metrics.totalOperations()), complexityAlert(this.metrics.costPoints()), memoryLeakAlert(this.metrics.compactions), storageAlert(this.backing.storageHealth())];
    return found.filter((a): a is Alert => a !== null);
  }

  /** The dashboard as Prometheus text exposition (metric names prefixed tunebench_, units in names). */
  prometheus(): Promise<string> {
    return renderPrometheus(this.dashboard());
  }

  /** Applies pending writes, stops the reader workers and closes the inner index. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.groups.drain();
      await this.flushReads();
    } finally {
      this.closed = true;
      await this.pool?.close();
      this.backing.close();
    }
  }
}

/** Wraps `inner` (createMemoryIndex() or openPrimaryIndex(...)) with the optimizations `config` turns on. */
export function createOptimizedIndex(inner: InnerIndex, config?: OptimizationConfigInput): OptimizedIndex {
  return new OptimizedIndex(inner, config);
}

/** createOptimizedIndex with every default. */
export function createOptimizedIndexWithDefaults(inner: InnerIndex): OptimizedIndex {
  return new OptimizedIndex(inner);
}
