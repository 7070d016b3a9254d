/**
 * Write grouping for the OptimizedIndex: a leader/follower group commit, as in MySQL's binlog
 * group commit and PostgreSQL's WAL flush.
 *
 * - A write to an idle index that needs no fsync (in memory, or durable with `none`) is applied at
 *   once: one client never waits for a group it cannot fill (a turn of the event loop per write
 *   cost one ycsb-a client 38-41% against `bulkThreshold=1`).
 * - On a durable index that fsyncs (`sync`, `group`), the writes issued in one turn of the event
 *   loop form a group, logged as one record and fsynced once. Writers that come while it is
 *   fsynced, and the ones its answers release within a turn, form the next group. The fsync runs
 *   on the event loop by default (writers arriving meanwhile wait in the OS and join the next
 *   group), or on libuv's thread pool with `fsyncOffLoop`, so that the event loop keeps serving
 *   meanwhile. Nobody waits for a timer: the group size follows the load.
 * - `bulkThreshold` caps a group (more writers wait for the next one); `maxBatchDelayMs` > 0 makes
 *   even an idle index wait that long for company (and groups in-memory writes too).
 *
 * A group is applied to memory only after its fsync: until then its writes are answered from the
 * overlay, and a failed fsync rejects the whole group with nothing applied.
 */
import { IndexError } from '../errors.js';
import { type DocumentId, invalidIdError, parseIdInto } from '../id.js';
import { invalidPathError, isValidPath } from '../path.js';
import type { Backing, ParsedGroup } from './backing.js';
import type { OptimizationConfig } from './config.js';

export interface PendingWrite {
  kind: 'insert' | 'delete';
  id: DocumentId;
  /** The id in canonical (lower) case: the overlay's key. */
  key: string;
  path: string;
  /** The id's four key words, parsed once when the write was issued. */
  words: Int32Array;
  started: number;
  resolve: (changed: boolean) => void;
  reject: (error: Error) => void;
}

/** What the OptimizedIndex is told as writes are applied. */
export interface GroupHooks {
  /** `size` writes were applied together in `applyNs` (null: not timed). */
  onApplied(size: number, applyNs: number | null): void;
  /**
   * A write was applied alone, at once (started: its metrics sample start), and is acknowledged:
   * one hook where a group takes three, since this runs for every write of an uncontended index.
   */
  onAppliedAlone(kind: PendingWrite['kind'], started: number): void;
  /** A write is acknowledged. */
  onWrite(kind: PendingWrite['kind'], started: number): void;
  /** After every applied write or group of `size` writes (maintenance checks). */
  afterApply(size: number): void;
}

const now = () => performance.now();

/** The last writes of a group's ids as key arrays (inserts and deletes apart). */
function reduced(writes: Iterable<PendingWrite>, count: number): ParsedGroup {
  const insertPaths: string[] = [];
  const insertKeys = new Int32Array(4 * count);
  const deleteKeys = new Int32Array(4 * count);
  let deletes = 0;
  for (const w of writes) {
    if (w.kind === 'insert') {
      insertKeys.set(w.words, 4 * insertPaths.length);
      insertPaths.push(w.path);
    } else deleteKeys.set(w.words, 4 * deletes++);
  }
  return { insertKeys: insertKeys.subarray(0, 4 * insertPaths.length), insertPaths, deleteKeys: deleteKeys.subarray(0, 4 * deletes) };
}

export class WriteGroups {
  private queue: PendingWrite[] = [];
  /** Writes issued but not yet applied, by canonical id: what reads must see first. */
  readonly overlay = new Map<string, PendingWrite>();
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  /** The commit whose fsync is in flight, settled (never rejecting) once its group is answered. */
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly target: Backing,
    private readonly config: Pick<OptimizationConfig, 'enableBulkOperations' | 'bulkThreshold' | 'maxBatchDelayMs' | 'fsyncOffLoop'>,
    private readonly hooks: GroupHooks,
  ) {
    this.appliesAtOnce = !config.enableBulkOperations || (!target.needsSync && config.maxBatchDelayMs === 0);
  }

  /**
   * Whether this configuration applies every write at once: grouping is off, or there is nothing
   * to fsync and no batch delay. Then nothing is ever queued. Fixed at construction: neither field
   * is one the adaptive mode changes.
   */
  readonly appliesAtOnce: boolean;

  /** Writes that must wait for a group: everything, once one is forming or in flight. */
  private gathers(): boolean {
    return !this.appliesAtOnce || this.queue.length > 0 || this.inFlight !== null;
  }

  /** Applies one write now; validation is the index's own. */
  private applyNow(kind: PendingWrite['kind'], id: DocumentId, path: string, started: number): boolean {
    const changed = kind === 'insert' ? this.target.insert(id, path) : this.target.delete(id);
    this.hooks.onAppliedAlone(kind, started);
    return changed;
  }

  /**
   * Applies a write synchronously; only where `appliesAtOnce` (else INVALID_ARGUMENT: a grouped
   * write can only be answered once its group commits).
   */
  writeSync(kind: PendingWrite['kind'], id: DocumentId, path: string, started: number): boolean {
    this.checkAppliesAtOnce();
    return this.applyNow(kind, id, path, started);
  }

  /** Throws INVALID_ARGUMENT unless a write may be applied now, synchronously. */
  checkAppliesAtOnce(): void {
    if (this.gathers()) throw new IndexError('INVALID_ARGUMENT', 'this index groups writes (a durable index that fsyncs, or maxBatchDelayMs > 0): use the promise-returning call, which resolves once the group commits');
  }

  /**
   * Inserts or deletes `id` (`started`: the metrics sample start). Resolves to whether the id was
   * new (insert) or existed (delete), once applied and durable. A write applied at once is
   * validated by the index itself (one id parse for the call); a grouped one here, so that a bad
   * write fails alone and never joins a group.
   */
  write(kind: PendingWrite['kind'], id: DocumentId, path: string, started: number): Promise<boolean> {
    if (!this.gathers()) {
      try {
        return Promise.resolve(this.applyNow(kind, id, path, started));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    // The one parse of this write: its words travel with it to the log and the tree.
    const words = new Int32Array(4);
    if (!parseIdInto(id, words, 0)) return Promise.reject(invalidIdError(id));
    if (kind === 'insert' && !isValidPath(path)) return Promise.reject(invalidPathError(path));
    const key = id.toLowerCase();
    return new Promise<boolean>((resolve, reject) => {
      const pending: PendingWrite = { kind, id, key, path, words, started, resolve, reject };
      this.queue.push(pending);
      this.overlay.set(key, pending);
      this.schedule();
    });
  }

  private schedule(): void {
    // The commit in flight starts the next group when it settles.
    if (this.inFlight !== null) return;
    if (this.queue.length >= this.config.bulkThreshold) {
      this.commit();
      return;
    }
    if (this.timer !== null) return;
    // One turn of the event loop gathers every writer that is about to write: each closed-loop
    // client comes back through several promise hops after its answer. A microtask instead split
    // 16 clients into two cohorts that took turns at the fsync (durable-writes 0.79x of grouping
    // per turn), since the first write's commit ran before the others had written again.
    this.timer = this.config.maxBatchDelayMs > 0 ? setTimeout(() => this.commit(), this.config.maxBatchDelayMs) : setImmediate(() => this.commit());
  }

  /**
   * Commits up to bulkThreshold queued writes as one group. The group is first reduced to each
   * id's last write (so inserts and deletes touch distinct ids and one bulk insert plus one bulk
   * delete apply it), and each caller gets the answer it would have got in call order.
   */
  private commit(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = null;
    if (this.inFlight !== null || this.queue.length === 0) return;
    const group = this.queue.splice(0, this.config.bulkThreshold);
    const exists = new Map<string, boolean>();
    const last = new Map<string, PendingWrite>();
    const answers: boolean[] = [];
    let parsed: ParsedGroup;
    let t0: number;
    try {
      for (const w of group) {
        const before = exists.has(w.key) ? exists.get(w.key)! : this.target.has(w.words);
        answers.push(w.kind === 'insert' ? !before : before);
        exists.set(w.key, w.kind === 'insert');
        last.set(w.key, w);
      }
      parsed = reduced(last.values(), last.size);
      t0 = now();
      const logged = this.target.log(parsed);
      if (!this.target.needsSync || !logged || !this.config.fsyncOffLoop) {
        if (logged && this.target.needsSync) this.target.syncNow();
        if (logged) this.target.apply(parsed);
        this.settle(group, answers, t0);
        return;
      }
    } catch (error) {
      this.fail(group, error as Error);
      return;
    }
    this.inFlight = this.target.sync().then(
      () => {
        try {
          this.target.apply(parsed);
        } catch (error) {
          this.fail(group, error as Error);
          return;
        }
        this.settle(group, answers, t0);
      },
      (error: Error) => this.fail(group, error),
    );
    void this.inFlight.then(() => {
      this.inFlight = null;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private forget(group: readonly PendingWrite[]): void {
    for (const w of group) if (this.overlay.get(w.key) === w) this.overlay.delete(w.key);
  }

  private settle(group: readonly PendingWrite[], answers: readonly boolean[], t0: number): void {
    this.hooks.onApplied(group.length, (now() - t0) * 1e6);
    this.forget(group);
    group.forEach((w, i) => {
      this.hooks.onWrite(w.kind, w.started);
      w.resolve(answers[i]);
    });
    this.hooks.afterApply(group.length);
    if (this.inFlight === null && this.queue.length > 0) this.schedule();
  }

  private fail(group: readonly PendingWrite[], error: Error): void {
    this.forget(group);
    for (const w of group) w.reject(error);
  }

  /** Resolves once every write issued so far is applied (and durable) or has failed. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.inFlight !== null) await this.inFlight;
      else if (this.queue.length > 0) this.commit();
      else return;
    }
  }
}
