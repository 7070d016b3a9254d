/**
 * Runs a scenario's operation mix against one implementation and measures it.
 *
 * tinybench drives the loop: warm-up iterations first (JIT, caches; not measured), then measured
 * iterations. Each iteration executes one chunk of operations from the seeded stream. Chunks
 * alternate: untimed chunks give throughput (no per-operation timer, so a fast operation is not
 * charged for the clock), timed chunks give per-operation latency into HDR histograms (each
 * timed operation includes one clock read, reported as timerOverheadNs). A synchronous
 * implementation with one client runs in a plain loop with no await; otherwise `clients`
 * closed-loop clients share each chunk, each awaiting its own operations in turn.
 *
 * Several arms (implementations) can be measured together: each tinybench iteration is then one
 * cycle in which every arm runs one chunk, always in the same turn order (drawn per round).
 * Whatever the machine does meanwhile (another tenant, a frequency change) falls on all arms
 * alike, so the ratio of two arms measured in one process is far steadier than the ratio of two
 * processes: an A/A pair of processes differed by 10-25% here, two arms in one process by ~2%.
 */
import { Bench } from 'tinybench';
import type { Implementation } from '../adapters/types.js';
import { LatencyRecorder } from '../measure/latency.js';
import { stretch } from '../measure/slowdown.js';
import { fullGc } from '../measure/timing.js';
import type { WorkloadMeasurement } from './types.js';
import { type DataSet, OP, type OpBlock, OpStream } from '../../scenarios/generate.js';
import { OPERATION_KINDS } from '../../scenarios/kinds.js';
import { Rng } from '../../scenarios/random.js';
import type { Scenario } from '../../scenarios/schema.js';

/**
 * A measured chunk should take about this long: long enough that switching between chunks (timed
 * ones touch the latency histograms) does not leave each untimed chunk starting with cold caches,
 * short enough for tens of samples. See `npm run bench:overhead`.
 */
const CHUNK_MS = 2;
/** Fewest measured chunks (half of them untimed, giving throughput samples). */
const MIN_CHUNKS = 24;
const FALLBACK_CHUNK_OPS = 256;
/** Arms whose warm-up rates are within this factor of the fastest share its chunk size. */
const COMMON_CHUNK_SPREAD = 4;

export interface WorkloadPlan {
  /** At least this many operations are measured (warm-up comes on top)... */
  operations?: number;
  /** ...and measuring goes on until at least this much time passed. */
  minTimeMs?: number;
  /** Or: measure for exactly this long (no operation count). */
  durationMs?: number;
  /** Throughput seen while warming up (items/s), to size chunks at about CHUNK_MS each. */
  expectedOpsPerSec?: number;
}

/** One implementation measured by measureWorkloads. */
export interface WorkloadArm {
  impl: Implementation;
  /** Throughput it showed while warming up (items/s), to size its chunks. */
  expectedOpsPerSec?: number;
  /** Fraction by which every measured interval is stretched (measure/slowdown.ts). */
  slowdown?: number;
}

/** Mean items per operation of a mix (a bulk call counts its batch). */
function itemsPerOperation(scenario: Scenario): number {
  const bulk = scenario.mix.bulkInsert + scenario.mix.bulkDelete + scenario.mix.bulkGet;
  return 1 + bulk * (scenario.batchSize - 1);
}

/** The pairs of bulk insert i: its batch of new records, with pool paths from its own argument on. */
function batchPairs(block: OpBlock, i: number, size: number, data: DataSet): [string, string][] {
  const at = block.keys[i];
  const pairs: [string, string][] = new Array(size);
  for (let b = 0; b < size; b++) pairs[b] = [data.ids[block.batch[at + b]], data.pool[(block.args[i] + b) % data.pool.length]];
  return pairs;
}

function batchIds(block: OpBlock, at: number, size: number, data: DataSet): string[] {
  const ids: string[] = new Array(size);
  for (let b = 0; b < size; b++) ids[b] = data.ids[block.batch[at + b]];
  return ids;
}

/** Items an operation of `kind` counts for: a bulk call counts its batch. */
function itemsOf(kind: number, batchSize: number): number {
  return kind === OP.bulkInsert || kind === OP.bulkDelete || kind === OP.bulkGet ? batchSize : 1;
}

/**
 * Every result feeds this checksum, which escapes after each chunk: a result nobody reads lets the
 * JIT drop a side-effect-free call (a Map get measured 100M/s in the runner against 5M/s in a
 * loop that used its results).
 */
export let resultChecksum = 0;

/** Folds a result into the checksum without touching a string's contents (that cost a cache miss per get). */
function digest(value: unknown): number {
  return value === undefined ? 0 : typeof value === 'number' ? value : 1;
}

/**
 * Executes operation i of `block` on a synchronous implementation; returns a digest of its result.
 * Point operations are handled here; the rest in `executeOther`, which keeps this function small
 * enough for the JIT to inline into the chunk loop (harness overhead is measured by
 * `npm run bench:overhead`).
 */
function executeSync(impl: Implementation, block: OpBlock, i: number, data: DataSet, batchSize: number): number {
  const kind = block.kinds[i];
  if (kind === OP.read) return digest(impl.get(data.ids[block.keys[i]]) as string | undefined);
  if (kind === OP.update || kind === OP.insert) {
    impl.put(data.ids[block.keys[i]], data.pool[block.args[i]]);
    return 1;
  }
  return executeOther(impl, block, i, data, batchSize);
}

function executeOther(impl: Implementation, block: OpBlock, i: number, data: DataSet, batchSize: number): number {
  const key = block.keys[i];
  switch (block.kinds[i]) {
    case OP.delete:
      return digest(impl.delete(data.ids[key]) as boolean);
    case OP.scan:
      return impl.scan(data.ids[key], block.args[i]) as number;
    case OP.readModifyWrite: {
      const read = digest(impl.get(data.ids[key]) as string | undefined);
      impl.put(data.ids[key], data.pool[block.args[i]]);
      return read;
    }
    case OP.bulkInsert:
      impl.bulkInsert(batchPairs(block, i, batchSize, data));
      return 1;
    case OP.bulkDelete:
      impl.bulkDelete(batchIds(block, key, batchSize, data));
      return 1;
    case OP.bulkGet:
      return impl.bulkGet(batchIds(block, key, batchSize, data)) as number;
  }
  return 0;
}

/**
 * Starts operation i of `block` on an implementation that may answer with promises, and returns
 * its result or the implementation's own promise of it: a point operation costs the one promise
 * and await a caller of the implementation pays, not another async function around it (that
 * wrapper cost the OptimizedIndex ~15% of a ycsb-c get; bulk operations go through executeBulkAsync).
 */
function startAsync(impl: Implementation, block: OpBlock, i: number, data: DataSet, batchSize: number): unknown {
  const id = data.ids[block.keys[i]];
  switch (block.kinds[i]) {
    case OP.read:
      return impl.get(id);
    case OP.update:
    case OP.insert:
      return impl.put(id, data.pool[block.args[i]]);
    case OP.delete:
      return impl.delete(id);
    case OP.scan:
      return impl.scan(id, block.args[i]);
    case OP.readModifyWrite: {
      const path = data.pool[block.args[i]];
      const read = impl.get(id);
      if (read instanceof Promise) return read.then((value) => writeThen(impl.put(id, path), value));
      return writeThen(impl.put(id, path), read);
    }
  }
  return executeBulkAsync(impl, block, i, data, batchSize);
}

/** The digest of `read` once `written` (a write's result or promise) has settled. */
function writeThen(written: unknown, read: unknown): number | Promise<number> {
  return written instanceof Promise ? written.then(() => digest(read)) : digest(read);
}

/** Executes bulk operation i of `block`, awaiting an asynchronous implementation; returns a digest of its result. */
async function executeBulkAsync(impl: Implementation, block: OpBlock, i: number, data: DataSet, batchSize: number): Promise<number> {
  const key = block.keys[i];
  switch (block.kinds[i]) {
    case OP.bulkInsert:
      await impl.bulkInsert(batchPairs(block, i, batchSize, data));
      return 1;
    case OP.bulkDelete:
      await impl.bulkDelete(batchIds(block, key, batchSize, data));
      return 1;
    case OP.bulkGet:
      return await impl.bulkGet(batchIds(block, key, batchSize, data));
  }
  return 0;
}

interface ChunkOutcome {
  items: number;
  ms: number;
}

function runChunkSync(impl: Implementation, block: OpBlock, data: DataSet, batchSize: number, latency: LatencyRecorder | null, slowdown: number): ChunkOutcome {
  let items = 0;
  let sum = 0;
  const started = performance.now();
  if (latency === null && block.onlyKind === OP.read) {
    // All reads: no per-operation dispatch (it measured 15-30% of a Map get in bench:overhead).
    const ids = data.ids;
    const keys = block.keys;
    for (let i = 0; i < block.count; i++) sum += digest(impl.get(ids[keys[i]]) as string | undefined);
    items = block.count;
  } else if (latency === null) {
    for (let i = 0; i < block.count; i++) {
      sum += executeSync(impl, block, i, data, batchSize);
      items += itemsOf(block.kinds[i], batchSize);
    }
  } else {
    for (let i = 0; i < block.count; i++) {
      const t0 = performance.now();
      sum += executeSync(impl, block, i, data, batchSize);
      latency.record(OPERATION_KINDS[block.kinds[i]], (performance.now() - t0) * 1e6 * (1 + slowdown));
      items += itemsOf(block.kinds[i], batchSize);
    }
  }
  stretch(started, slowdown);
  const ms = performance.now() - started;
  resultChecksum = (resultChecksum + sum) | 0;
  return { items, ms };
}

async function runChunkAsync(
  impl: Implementation,
  block: OpBlock,
  data: DataSet,
  batchSize: number,
  clients: number,
  latency: LatencyRecorder | null,
  slowdown: number,
): Promise<ChunkOutcome> {
  let items = 0;
  let sum = 0;
  const started = performance.now();
  if (latency === null && clients === 1 && block.onlyKind === OP.read) {
    // All reads by one client: no per-operation dispatch, as in runChunkSync; a read answered
    // synchronously is not awaited.
    const ids = data.ids;
    const keys = block.keys;
    for (let i = 0; i < block.count; i++) {
      const answer = impl.get(ids[keys[i]]);
      sum += digest(answer instanceof Promise ? await answer : answer);
    }
    items = block.count;
  } else {
    await Promise.all(Array.from({ length: Math.min(clients, block.count) }, (_, c) => client(c)));
  }
  stretch(started, slowdown);
  const ms = performance.now() - started;
  resultChecksum = (resultChecksum + sum) | 0;
  return { items, ms };

  async function client(c: number): Promise<void> {
    for (let i = c; i < block.count; i += clients) {
      const t0 = latency === null ? 0 : performance.now();
      const pending = startAsync(impl, block, i, data, batchSize);
      sum += digest(pending instanceof Promise ? await pending : pending);
      if (latency !== null) latency.record(OPERATION_KINDS[block.kinds[i]], (performance.now() - t0) * 1e6 * (1 + slowdown));
      items += itemsOf(block.kinds[i], batchSize);
    }
  }
}

/** Operations per chunk for an arm that showed `expectedOpsPerSec` while warming up. */
function chunkSize(scenario: Scenario, plan: WorkloadPlan, expectedOpsPerSec: number | undefined): number {
  let chunkOps = expectedOpsPerSec ? Math.round(((expectedOpsPerSec / itemsPerOperation(scenario)) * CHUNK_MS) / 1000) : FALLBACK_CHUNK_OPS;
  // Without a minimum time the operation count alone bounds the run: keep enough chunks to sample.
  // With one, chunks follow the time target, or a fast implementation would need thousands of tiny
  // chunks to fill the time (a Map did 6000 chunks of 25 us for 150 ms).
  if (plan.operations !== undefined && !plan.minTimeMs) chunkOps = Math.min(chunkOps, Math.floor(plan.operations / MIN_CHUNKS));
  return Math.min(100_000, Math.max(8, chunkOps));
}

/** What one arm has measured so far. */
class ArmRun {
  readonly stream: OpStream;
  readonly latency = new LatencyRecorder();
  readonly kindCounts = new Float64Array(OPERATION_KINDS.length);
  readonly chunkRates: number[] = [];
  readonly prepared: OpBlock[] = [];
  preparedIndex = 0;
  untimedItems = 0;
  untimedMs = 0;
  timedItems = 0;
  warmupItems = 0;
  chunkIndex = 0;

  constructor(
    readonly arm: WorkloadArm,
    readonly chunkOps: number,
    readonly measuredChunks: number,
    scenario: Scenario,
    /** The strings this arm passes (its own copy, see DataSet.forArm). */
    readonly data: DataSet,
    records: number,
  ) {
    this.stream = new OpStream(scenario, data, records);
  }

  /** Generates the blocks before measuring: generating between chunks evicted the hot entries from the caches and cost a Map get ~40%. */
  prepare(chunks: number): void {
    for (let c = 0; c < chunks; c++) this.prepared.push(this.stream.next(this.chunkOps));
  }

  nextBlock(): OpBlock {
    return this.preparedIndex < this.prepared.length ? this.prepared[this.preparedIndex++] : this.stream.next(this.chunkOps);
  }

  result(durationMs: number): WorkloadMeasurement {
    const kinds = this.latency.kinds();
    const byOperation: WorkloadMeasurement['byOperation'] = {};
    OPERATION_KINDS.forEach((kind, k) => {
      if (this.kindCounts[k] > 0) byOperation[kind] = { count: this.kindCounts[k], latencyNs: kinds[kind] ?? this.latency.empty() };
    });
    return {
      opsPerSec: this.untimedMs > 0 ? (this.untimedItems / this.untimedMs) * 1000 : 0,
      chunkOpsPerSec: this.chunkRates,
      operations: this.untimedItems,
      timedOperations: this.timedItems,
      warmupOperations: this.warmupItems,
      latencyNs: this.latency.summary(),
      byOperation,
      histogram: this.latency.encoded(),
      durationMs,
    };
  }
}

/**
 * Lets the event loop run whatever the previous arm left queued (immediates, I/O callbacks) before
 * the next arm starts timing. Without it, among 15 optimized configurations the arm that followed
 * the last synchronously-applying one (bulkThreshold=1) measured 0.6x of its peers in every round.
 */
function turnOfTheEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Measures `scenario`'s mix on `impl`, whose data set (`data`, first `records` records) is loaded. */
export async function measureWorkload(impl: Implementation, scenario: Scenario, data: DataSet, records: number, plan: WorkloadPlan): Promise<WorkloadMeasurement> {
  const [measured] = await measureWorkloads([{ impl, expectedOpsPerSec: plan.expectedOpsPerSec }], scenario, data, records, plan);
  return measured;
}

/**
 * Measures `scenario`'s mix on every arm (each loaded with the first `records` records of `data`),
 * interleaved chunk by chunk. Each arm runs the same operation stream and gets at least the
 * operations and time of `plan`. `orderSeed` picks which arm goes first in the first cycle.
 */
export async function measureWorkloads(arms: WorkloadArm[], scenario: Scenario, data: DataSet, records: number, plan: WorkloadPlan, orderSeed = 0): Promise<WorkloadMeasurement[]> {
  const { batchSize, clients } = scenario;
  const byTime = plan.operations === undefined;
  const warmupChunks = 2;
  // Arms within COMMON_CHUNK_SPREAD of the fastest run chunks of the same operations, sized at
  // about CHUNK_MS for the fastest. Sized per arm from its own warm-up rate, the arm warmed up
  // second (its JIT warmer, its rate higher) got longer chunks, paid the switch between arms (cold
  // caches) over more operations, and in an A/A pair at 10k records (ycsb-c) measured 1.15-1.35x
  // the first in every round. A much slower arm keeps chunks of its own rate, or its chunks (and
  // the run) would grow by the whole ratio.
  const fastest = Math.max(0, ...arms.map((arm) => arm.expectedOpsPerSec ?? 0));
  const runs = arms.map((arm) => {
    const rate = arm.expectedOpsPerSec;
    const chunkOps = chunkSize(scenario, plan, rate !== undefined && rate * COMMON_CHUNK_SPREAD >= fastest ? fastest : rate);
    const measuredChunks = byTime ? 2 : Math.max(MIN_CHUNKS, Math.ceil((plan.operations ?? 0) / chunkOps));
    const run = new ArmRun(arm, chunkOps, measuredChunks, scenario, arms.length > 1 ? data.forArm() : data, records);
    run.prepare(warmupChunks + (byTime ? 0 : measuredChunks));
    return run;
  });
  let measuring = false;
  const firstArm = new Rng(orderSeed).int(arms.length);
  // Start from a clean heap: the garbage of generating the stream would otherwise be marked by
  // concurrent GC threads while we measure, competing with the measured code on a two-core machine.
  fullGc();

  const runArm = async (run: ArmRun): Promise<ChunkOutcome> => {
    const block = run.nextBlock();
    if (measuring) for (let i = 0; i < block.count; i++) run.kindCounts[block.kinds[i]]++;
    const timed = measuring && run.chunkIndex % 2 === 1;
    const recorder = timed ? run.latency : null;
    const { impl, slowdown = 0 } = run.arm;
    const outcome = !impl.isAsync && clients === 1 ? runChunkSync(impl, block, run.data, batchSize, recorder, slowdown) : await runChunkAsync(impl, block, run.data, batchSize, clients, recorder, slowdown);
    if (!measuring) run.warmupItems += outcome.items;
    else {
      run.chunkIndex++;
      if (timed) run.timedItems += outcome.items;
      else {
        run.untimedItems += outcome.items;
        run.untimedMs += outcome.ms;
        if (outcome.ms > 0) run.chunkRates.push((outcome.items / outcome.ms) * 1000);
      }
    }
    return outcome;
  };

  // Strict turns (A B A B ..., the first arm drawn per round): each arm always follows the same
  // other arm. Rotating the order (A B B A ...) let an arm run twice in a row at every other cycle
  // boundary, in step with its timed and untimed chunks, and skewed an A/A p99 by 8%.
  const runCycle = async (): Promise<{ overriddenDuration: number; overriddenIterationCost: number }> => {
    let items = 0;
    let ms = 0;
    for (let k = 0; k < runs.length; k++) {
      if (runs.length > 1) await turnOfTheEventLoop();
      const outcome = await runArm(runs[(firstArm + k) % runs.length]);
      items += outcome.items;
      ms += outcome.ms;
    }
    return { overriddenDuration: ms / Math.max(1, items), overriddenIterationCost: ms };
  };

  const bench = new Bench({
    iterations: Math.max(...runs.map((r) => r.measuredChunks)),
    time: (byTime ? (plan.durationMs ?? 0) : (plan.minTimeMs ?? 0)) * arms.length,
    warmupIterations: warmupChunks,
    warmupTime: 0,
    throws: true,
  });
  bench.add(scenario.name, runCycle, {
    async: true,
    beforeAll(mode) {
      measuring = mode === 'run';
    },
  });
  const started = performance.now();
  await bench.run();
  const durationMs = performance.now() - started;
  return runs.map((run) => run.result(durationMs));
}
