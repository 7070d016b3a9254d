/**
 * Reader workers over a shared tree. `createReaderPool(index, options)` starts worker threads that
 * search the index's own memory; from then on every change the owning thread makes takes the
 * write lock (installed as the index's write guard), so a reader never sees a half-applied
 * insert, delete, split, merge or bulk operation.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { IndexError } from '../errors.js';
import { type DocumentId, invalidIdError } from '../id.js';
import type { MemoryIndex } from '../memory-index.js';
import { type ContentionMetrics, RwLock } from './rwlock.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './reader-worker.js';

export interface ReaderPoolOptions {
  /** Worker threads (default 2: this machine's cores). */
  workers?: number;
  /** Readers allowed inside the lock at once (default: the number of workers). */
  maxConcurrentReaders?: number;
  /** Lookups a worker does per read-lock hold; smaller lets a writer in sooner (default 256). */
  holdOps?: number;
  /** How long a reader or writer waits for the lock before TIMEOUT (default 10 s). */
  lockTimeoutMs?: number;
}

export interface WorkloadCounts {
  ops: number;
  found: number;
  pathBytes: number;
  /** Wall time of the whole call, including handing the ids to the workers. */
  durationMs: number;
  /** Time each worker spent on its share. */
  workerMs: number[];
}

export interface ReaderPool {
  readonly workers: number;
  /**
   * Looks `ids` up on the workers; answers in input order. `consistent` reads the whole batch
   * under one lock hold on one worker; `workers` spreads it over only the first k workers.
   */
  getMany(ids: readonly DocumentId[], options?: { consistent?: boolean; workers?: number }): Promise<(string | undefined)[]>;
  /** Each worker looks up its share itself (decoding paths to strings when `decode`); only counts come back. */
  readWorkload(ids: readonly DocumentId[], options?: { decode?: boolean; workers?: number }): Promise<WorkloadCounts>;
  /** Live lock state and measured contention. */
  contention(): ContentionMetrics;
  resetContention(): void;
  setMaxConcurrentReaders(max: number): void;
  /** Stops the workers and detaches from the index (its changes no longer take the lock). */
  close(): Promise<void>;
}

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
}

/**
 * Starts the worker entry next to this module. Built, that is reader-worker.js. Run from source
 * (tests, through tsx), a worker does not inherit tsx's hooks, so a tiny eval'd stub registers
 * tsx's ESM API in the worker and then imports reader-worker.ts.
 */
function startWorker(init: WorkerInit, transfer: MessagePort): Worker {
  if (!fileURLToPath(import.meta.url).endsWith('.ts')) {
    return new Worker(new URL('./reader-worker.js', import.meta.url), { workerData: init, transferList: [transfer] });
  }
  const entry = new URL('./reader-worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: init, transferList: [transfer] });
}

/**
 * Ids are dispatched in chunks of this many, each posted as soon as it is encoded, round-robin:
 * encoding all ids before dispatching was serial work that held 2 workers to 1.62x of one.
 */
const DISPATCH_CHUNK = 16_384;

function chunks(count: number): [number, number][] {
  const result: [number, number][] = [];
  for (let from = 0; from < count; from += DISPATCH_CHUNK) result.push([from, Math.min(count, from + DISPATCH_CHUNK)]);
  return result;
}

/**
 * Ids [from, to) as 36 ASCII bytes each, in a buffer handed over to a worker without copying:
 * workers then never make id strings (deserializing 1M of them took ~400 ms there). The chunk is
 * joined and encoded at once (35% cheaper than one write per id); since every id is 36 characters,
 * 36 bytes per id proves them all ASCII. Otherwise the id at fault is found and refused here.
 */
function encodeIds(ids: readonly unknown[], from: number, to: number): ArrayBuffer {
  for (let i = from; i < to; i++) {
    const id = ids[i];
    if (typeof id !== 'string' || id.length !== 36) throw invalidIdError(id, ` at ids[${i}]`);
  }
  const bytes = Buffer.from((ids.slice(from, to) as string[]).join(''), 'utf8');
  if (bytes.length !== 36 * (to - from)) {
    for (let i = from; i < to; i++) if (Buffer.byteLength(ids[i] as string, 'utf8') !== 36) throw invalidIdError(ids[i], ` at ids[${i}]`);
  }
  // Small buffers come from Node's shared pool: transferring one would detach the whole pool.
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length) return bytes.buffer as ArrayBuffer;
  return Uint8Array.from(bytes).buffer;
}

class WorkerReaderPool implements ReaderPool {
  private readonly lock: RwLock;
  private readonly threads: Worker[] = [];
  private readonly updatePorts: MessagePort[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly owner = new Map<number, number>();
  private nextId = 0;
  private broken: IndexError | null = null;
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly index: MemoryIndex,
    readonly workers: number,
    maxReaders: number,
    holdOps: number,
    lockTimeoutMs: number,
  ) {
    this.lock = new RwLock(undefined, maxReaders);
    index.setWriteGuard({ acquire: () => this.lock.write(lockTimeoutMs), release: () => this.lock.releaseWrite() });
    this.unsubscribe = index.onMemoryReplaced(() => {
      const handles = index.sharedHandles();
      for (const port of this.updatePorts) port.postMessage(handles);
    });
    for (let w = 0; w < workers; w++) {
      const channel = new MessageChannel();
      const init: WorkerInit = { handles: index.sharedHandles(), lock: this.lock.buffer, updates: channel.port2, holdOps, lockTimeoutMs };
      const thread = startWorker(init, channel.port2);
      thread.on('message', (reply: WorkerReply) => this.settle(reply));
      thread.on('error', (error) => this.fail(`reader worker ${w + 1} failed: ${error.message}`));
      thread.on('exit', (code) => {
        if (!this.closed) this.fail(`reader worker ${w + 1} exited unexpectedly (exit code ${code})`);
      });
      thread.unref();
      this.threads.push(thread);
      this.updatePorts.push(channel.port1);
    }
  }

  private settle(reply: WorkerReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    this.owner.delete(reply.id);
    waiting.resolve(reply);
  }

  /** A worker died: fail everything pending and every later call, without hanging anyone. */
  private fail(message: string): void {
    this.broken ??= new IndexError('WORKER_FAILED', `${message}; the reader pool is closed`);
    for (const [id, waiting] of this.pending) {
      this.pending.delete(id);
      waiting.reject(this.broken);
    }
  }

  private send(worker: number, request: WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      this.owner.set(request.id, worker);
      this.threads[worker].ref();
      this.threads[worker].postMessage(request, [request.ids]);
    }).finally(() => {
      if (![...this.owner.values()].includes(worker)) this.threads[worker].unref();
    }) as Promise<WorkerReply>;
  }

  private check(): void {
    if (this.closed) throw new IndexError('CLOSED', 'the reader pool is closed');
    if (this.broken) throw this.broken;
  }

  /** How many workers a call may use: all, or the first `requested`. */
  private using(requested: number | undefined): number {
    if (requested === undefined) return this.workers;
    if (!Number.isInteger(requested) || requested < 1 || requested > this.workers) {
      throw new IndexError('INVALID_ARGUMENT', `workers must be an integer from 1 to ${this.workers}, got ${requested}`);
    }
    return requested;
  }

  async getMany(ids: readonly DocumentId[], options: { consistent?: boolean; workers?: number } = {}): Promise<(string | undefined)[]> {
    this.check();
    const using = this.using(options.workers);
    const parts: [number, number][] = options.consistent ? [[0, ids.length]] : chunks(ids.length);
    const first = this.nextId % using;
    const replies = await Promise.all(
      parts.map(([from, to], p) => this.send((first + p) % using, { type: 'getMany', id: this.nextId++, ids: encodeIds(ids, from, to), count: to - from })),
    );
    return replies.flatMap((reply, p) => {
      this.throwIfFailed(reply, ids, parts[p][0]);
      if (!('values' in reply)) throw new IndexError('WORKER_FAILED', 'a reader worker answered the wrong request');
      return reply.values;
    });
  }

  /** Turns a worker's error reply into the IndexError a caller expects (naming a bad id by its value). */
  private throwIfFailed(reply: WorkerReply, ids: readonly DocumentId[], offset: number): void {
    if (reply.ok) return;
    if (reply.code === 'INVALID_ID' && reply.at !== undefined) throw invalidIdError(ids[offset + reply.at], ` at ids[${offset + reply.at}]`);
    throw new IndexError(reply.code === 'TIMEOUT' ? 'TIMEOUT' : 'WORKER_FAILED', reply.error);
  }

  async readWorkload(ids: readonly DocumentId[], options: { decode?: boolean; workers?: number } = {}): Promise<WorkloadCounts> {
    this.check();
    const using = this.using(options.workers);
    const started = performance.now();
    const parts = chunks(ids.length);
    const decode = options.decode ?? true;
    const replies = await Promise.all(
      parts.map(([from, to], p) => this.send(p % using, { type: 'readWorkload', id: this.nextId++, ids: encodeIds(ids, from, to), count: to - from, decode })),
    );
    const counts = { ops: 0, found: 0, pathBytes: 0, durationMs: 0, workerMs: new Array<number>(using).fill(0) };
    for (const [p, reply] of replies.entries()) {
      this.throwIfFailed(reply, ids, parts[p][0]);
      if (!('counts' in reply)) throw new IndexError('WORKER_FAILED', 'a reader worker answered the wrong request');
      counts.ops += reply.counts.ops;
      counts.found += reply.counts.found;
      counts.pathBytes += reply.counts.pathBytes;
      counts.workerMs[p % using] += reply.counts.busyMs;
    }
    counts.durationMs = performance.now() - started;
    return counts;
  }

  contention(): ContentionMetrics {
    return this.lock.metrics();
  }

  resetContention(): void {
    this.lock.resetMetrics();
  }

  setMaxConcurrentReaders(max: number): void {
    this.lock.setMaxReaders(max);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.index.setWriteGuard(null);
    this.unsubscribe();
    for (const [, waiting] of this.pending) waiting.reject(new IndexError('CLOSED', 'the reader pool was closed'));
    this.pending.clear();
    for (const port of this.updatePorts) port.close();
    await Promise.all(this.threads.map((t) => t.terminate()));
  }

  /** @internal For tests: the worker threads. */
  get threadsForTest(): readonly Worker[] {
    return this.threads;
  }
}

/**
 * Starts `workers` reader threads over `index` (an in-memory index, or a durable index's
 * `memory`). Computational cost: a thread start each (tens of ms).
 */
export function createReaderPool(index: MemoryIndex, options: ReaderPoolOptions = {}): ReaderPool {
  const workers = options.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new IndexError('INVALID_ARGUMENT', `workers must be an integer from 1 to 64, got ${workers}`);
  const holdOps = options.holdOps ?? 256;
  if (!Number.isInteger(holdOps) || holdOps < 1) throw new IndexError('INVALID_ARGUMENT', `holdOps must be a positive integer, got ${holdOps}`);
  const timeout = options.lockTimeoutMs ?? 10_000;
  if (!(timeout > 0)) throw new IndexError('INVALID_ARGUMENT', `lockTimeoutMs must be positive, got ${timeout}`);
  return new WorkerReaderPool(index, workers, options.maxConcurrentReaders ?? workers, holdOps, timeout);
}
