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
 */
import { Bench } from 'tinybench';
import type { Implementation } from '../adapters/types.js';
import { LatencyRecorder } from '../measure/latency.js';
import { fullGc } from '../measure/timing.js';
import type { WorkloadMeasurement } from './types.js';
import { type DataSet, OP, type OpBlock, OpStream } from '../../scenarios/generate.js';
import { OPERATION_KINDS } from '../../scenarios/kinds.js';
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

export interface WorkloadPlan {
  /** At least this many operations are measured (warm-up comes on top)... */
  operations?: number;
  /** ...and measuring goes on until at least this much time passed. */
  minTimeMs?: number;
  /** Or: measure for exactly this long (no operation count). */
  durationMs?: number;
  /** Throughput seen while warming up (items/s), to size chunks at about 1 ms each. */
  expectedOpsPerSec?: number;
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
function digest(value: string | undefined | number | boolean): number {
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

/** Executes operation i of `block`, awaiting an asynchronous implementation; returns a digest of its result. */
async function executeAsync(impl: Implementation, block: OpBlock, i: number, data: DataSet, batchSize: number): Promise<number> {
  const key = block.keys[i];
  switch (block.kinds[i]) {
    case OP.read:
      return digest(await impl.get(data.ids[key]));
    case OP.update:
    case OP.insert:
      await impl.put(data.ids[key], data.pool[block.args[i]]);
      return 1;
    case OP.delete:
      return digest(await impl.delete(data.ids[key]));
    case OP.scan:
      return await impl.scan(data.ids[key], block.args[i]);
    case OP.readModifyWrite: {
      const read = digest(await impl.get(data.ids[key]));
      await impl.put(data.ids[key], data.pool[block.args[i]]);
      return read;
    }
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

function runChunkSync(impl: Implementation, block: OpBlock, data: DataSet, batchSize: number, latency: LatencyRecorder | null): ChunkOutcome {
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
      latency.record(OPERATION_KINDS[block.kinds[i]], (performance.now() - t0) * 1e6);
      items += itemsOf(block.kinds[i], batchSize);
    }
  }
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
): Promise<ChunkOutcome> {
  let items = 0;
  let sum = 0;
  const started = performance.now();
  const client = async (c: number): Promise<void> => {
    for (let i = c; i < block.count; i += clients) {
      const t0 = latency === null ? 0 : performance.now();
      sum += await executeAsync(impl, block, i, data, batchSize);
      if (latency !== null) latency.record(OPERATION_KINDS[block.kinds[i]], (performance.now() - t0) * 1e6);
      items += itemsOf(block.kinds[i], batchSize);
    }
  };
  await Promise.all(Array.from({ length: Math.min(clients, block.count) }, (_, c) => client(c)));
  const ms = performance.now() - started;
  resultChecksum = (resultChecksum + sum) | 0;
  return { items, ms };
}

/** Measures `scenario`'s mix on `impl`, whose data set (`data`, first `records` records) is loaded. */
export async function measureWorkload(impl: Implementation, scenario: Scenario, data: DataSet, records: number, plan: WorkloadPlan): Promise<WorkloadMeasurement> {
  const stream = new OpStream(scenario, data, records);
  const { batchSize, clients } = scenario;
  const plain = !impl.isAsync && clients === 1;
  const byTime = plan.operations === undefined;
  const operations = plan.operations ?? 0;
  let chunkOps = plan.expectedOpsPerSec
    ? Math.round(((plan.expectedOpsPerSec / itemsPerOperation(scenario)) * CHUNK_MS) / 1000)
    : FALLBACK_CHUNK_OPS;
  // Without a minimum time the operation count alone bounds the run: keep enough chunks to sample.
  // With one, chunks follow the time target, or a fast implementation would need thousands of tiny
  // chunks to fill the time (a Map did 6000 chunks of 25 us for 150 ms).
  if (!byTime && !plan.minTimeMs) chunkOps = Math.min(chunkOps, Math.floor(operations / MIN_CHUNKS));
  chunkOps = Math.min(100_000, Math.max(8, chunkOps));
  const measuredChunks = byTime ? 2 : Math.max(MIN_CHUNKS, Math.ceil(operations / chunkOps));
  const warmupChunks = 2;

  const latency = new LatencyRecorder();
  const kindCounts = new Float64Array(OPERATION_KINDS.length);
  const chunkRates: number[] = [];
  let untimedItems = 0;
  let untimedMs = 0;
  let timedItems = 0;
  let warmupItems = 0;
  let measuring = false;
  let chunkIndex = 0;
  // Warm-up chunks and every chunk the operation count calls for are generated before measuring:
  // generating between chunks evicted the hot entries from the caches and cost a Map get ~40%.
  const prepared: OpBlock[] = [];
  for (let c = 0; c < warmupChunks + (byTime ? 0 : measuredChunks); c++) prepared.push(stream.next(chunkOps));
  let preparedIndex = 0;
  // Start from a clean heap: the garbage of generating the stream would otherwise be marked by
  // concurrent GC threads while we measure, competing with the measured code on a two-core machine.
  fullGc();

  const runOne = async (): Promise<{ overriddenDuration: number; overriddenIterationCost: number }> => {
    const block = preparedIndex < prepared.length ? prepared[preparedIndex++] : stream.next(chunkOps);
    if (measuring) for (let i = 0; i < block.count; i++) kindCounts[block.kinds[i]]++;
    const timed = measuring && chunkIndex % 2 === 1;
    const recorder = timed ? latency : null;
    const outcome = plain ? runChunkSync(impl, block, data, batchSize, recorder) : await runChunkAsync(impl, block, data, batchSize, clients, recorder);
    if (!measuring) warmupItems += outcome.items;
    else {
      chunkIndex++;
      if (timed) timedItems += outcome.items;
      else {
        untimedItems += outcome.items;
        untimedMs += outcome.ms;
        if (outcome.ms > 0) chunkRates.push((outcome.items / outcome.ms) * 1000);
      }
    }
    return { overriddenDuration: outcome.ms / Math.max(1, outcome.items), overriddenIterationCost: outcome.ms };
  };

  const bench = new Bench({
    iterations: measuredChunks,
    time: byTime ? plan.durationMs : (plan.minTimeMs ?? 0),
    warmupIterations: warmupChunks,
    warmupTime: 0,
    throws: true,
  });
  bench.add(scenario.name, runOne, {
    async: true,
    beforeAll(mode) {
      measuring = mode === 'run';
    },
  });
  const started = performance.now();
  await bench.run();
  const durationMs = performance.now() - started;

  const kinds = latency.kinds();
  const byOperation: WorkloadMeasurement['byOperation'] = {};
  OPERATION_KINDS.forEach((kind, k) => {
    if (kindCounts[k] > 0) byOperation[kind] = { count: kindCounts[k], latencyNs: kinds[kind] ?? latency.empty() };
  });
  return {
    opsPerSec: untimedMs > 0 ? (untimedItems / untimedMs) * 1000 : 0,
    chunkOpsPerSec: chunkRates,
    operations: untimedItems,
    timedOperations: timedItems,
    warmupOperations: warmupItems,
    latencyNs: latency.summary(),
    byOperation,
    histogram: latency.encoded(),
    durationMs,
  };
}
