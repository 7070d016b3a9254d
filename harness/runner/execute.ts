/**
 * Executes one job (scenario x implementation x round) in this process. The runner calls it in a
 * fresh child process per job (child.ts) so that one job cannot warm the JIT or fill the heap for
 * the next.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFactory, formatImplSpec, resolveKnobs } from '../adapters/registry.js';
import type { Implementation } from '../adapters/types.js';
import { heapBytes, nsPerOpAsync, timerOverheadNs } from '../measure/timing.js';
import { type WorkloadPlan, measureWorkload } from './workload.js';
import type { Job, RoundResult, SeriesPoint } from './types.js';
import { DataSet } from '../../scenarios/generate.js';
import { Rng, shuffle } from '../../scenarios/random.js';
import { DEFAULT_OPERATIONS } from '../../scenarios/kinds.js';
import type { Scenario } from '../../scenarios/schema.js';

type Opener = () => Promise<Implementation>;

function opener(job: Job, root: string): Opener {
  const factory = findFactory(job.impl.name);
  const knobs = resolveKnobs(job.impl);
  const spec = formatImplSpec(job.impl);
  let opened = 0;
  return async () => {
    const directory = join(root, `instance-${opened++}`);
    return factory.open(knobs, { spec, durability: job.scenario.durability, directory });
  };
}

/** Loads the first `records` records; returns the bytes the structure holds afterwards. */
async function load(impl: Implementation, data: DataSet, records: number): Promise<number> {
  const before = heapBytes();
  await impl.load(data.ids.slice(0, records), data.paths.slice(0, records));
  return impl.memoryBytes() ?? Math.max(0, heapBytes() - before);
}

/** Least measured time per workload: enough for a stable figure on a noisy machine. */
const MIN_MEASURE_MS = { quick: 150, full: 500 };

function plan(job: Job, expectedOpsPerSec: number): WorkloadPlan {
  const { scenario } = job;
  if (scenario.durationMs !== undefined) return { durationMs: scenario.durationMs, expectedOpsPerSec };
  return { operations: scenario.operations ?? DEFAULT_OPERATIONS, minTimeMs: job.quick ? MIN_MEASURE_MS.quick : MIN_MEASURE_MS.full, expectedOpsPerSec };
}

/** Sum of results of one-by-one loops: read after each loop so that no call can be optimized away. */
export let consumed = 0;

/** Records of the throwaway instance the JIT warms up on. */
const WARMUP_RECORDS = 10_000;
const WARMUP_MS = { quick: 150, full: 250 };

/**
 * Warms the JIT up on a throwaway instance with its own data (another seed) for ~250 ms of the
 * same mix. Warming up on the measured instance would leave it in a state that depends on how
 * fast the implementation is (a fast one would have done more inserts when measuring starts).
 */
async function warmUp(scenario: Scenario, open: Opener, records: number, quick: boolean): Promise<number> {
  const n = Math.min(records, WARMUP_RECORDS);
  const warm: Scenario = { ...scenario, seed: (scenario.seed ^ 0x77a2) >>> 0 };
  const data = new DataSet(warm.seed, n, scenario.dataset.pathBytes);
  const impl = await open();
  try {
    await impl.load(data.ids.slice(0, n), data.paths.slice(0, n));
    return (await measureWorkload(impl, warm, data, n, { durationMs: quick ? WARMUP_MS.quick : WARMUP_MS.full })).opsPerSec;
  } finally {
    await impl.close();
  }
}

async function runWorkload(job: Job, open: Opener, result: RoundResult): Promise<void> {
  const { scenario } = job;
  const records = scenario.dataset.records;
  const warmRate = await warmUp(scenario, open, records, job.quick ?? false);
  const data = new DataSet(scenario.seed, records, scenario.dataset.pathBytes);
  const impl = await open();
  try {
    result.memoryBytes = await load(impl, data, records);
    result.records = records;
    result.workload = await measureWorkload(impl, scenario, data, records, plan(job, warmRate));
  } finally {
    await impl.close();
  }
}

async function runGrowth(job: Job, open: Opener, result: RoundResult): Promise<void> {
  const { scenario } = job;
  const warmRate = await warmUp(scenario, open, Math.min(...(scenario.sizes ?? [0])), job.quick ?? false);
  for (const n of scenario.sizes ?? []) {
    const data = new DataSet(scenario.seed, n, scenario.dataset.pathBytes);
    const impl = await open();
    try {
      const bytes = await load(impl, data, n);
      const measured = await measureWorkload(impl, scenario, data, n, plan(job, warmRate));
      const point = (metric: string, unit: string, better: 'higher' | 'lower', value: number): SeriesPoint => ({ metric, n, unit, better, value });
      result.series.push(
        point('nsPerOp', 'ns', 'lower', measured.opsPerSec > 0 ? 1e9 / measured.opsPerSec : 0),
        point('latency.p50', 'ns', 'lower', measured.latencyNs.p50),
        point('latency.p99', 'ns', 'lower', measured.latencyNs.p99),
        point('bytesPerEntry', 'bytes', 'lower', n > 0 ? bytes / n : 0),
      );
    } finally {
      await impl.close();
    }
  }
}

/**
 * At each size: inserting every record one by one into an empty structure against one bulk insert
 * of them all, getting every record in a random order one by one against one bulk get, and
 * deleting half of them one by one against one bulk delete. Each figure repeats on fresh
 * structures until enough time was measured (40 ms a figure with --quick, 150 ms otherwise).
 */
async function runBulkVsIndividual(job: Job, open: Opener, result: RoundResult): Promise<void> {
  const { scenario } = job;
  const minMs = job.quick ? 40 : 150;
  for (const n of scenario.sizes ?? []) {
    const data = new DataSet(scenario.seed, n, scenario.dataset.pathBytes);
    const ids = data.ids.slice(0, n);
    const paths = data.paths.slice(0, n);
    const shuffled = shuffle(new Rng(scenario.seed ^ n), ids.slice());
    const doomed = shuffled.slice(0, Math.max(1, Math.floor(n / 2)));
    const loaded = async (): Promise<Implementation> => {
      const impl = await open();
      await impl.load(ids, paths);
      return impl;
    };
    // Gets change nothing: one loaded instance serves every repetition.
    let reading: Implementation | null = null;
    const forReading = async (): Promise<Implementation> => (reading ??= await loaded());
    const pairs = ids.map((id, i) => [id, paths[i]] as [string, string]);
    // One by one means a plain loop for a synchronous implementation: awaiting each call would
    // charge every operation a microtask (it made a Map's "bulk" insert, the same loop, look 4x faster).
    // Results are counted into `consumed` so that the JIT cannot drop a side-effect-free get.
    type Step = (impl: Implementation) => Promise<void>;
    const each = (run: (impl: Implementation, i: number) => unknown, count: number): Step => async (impl) => {
      let answered = 0;
      if (impl.isAsync) for (let i = 0; i < count; i++) answered += (await run(impl, i)) === undefined ? 0 : 1;
      else for (let i = 0; i < count; i++) answered += run(impl, i) === undefined ? 0 : 1;
      consumed += answered;
    };
    const measures: [string, number, () => Promise<Implementation>, Step, Step][] = [
      ['insert', n, open, each((impl, i) => impl.put(ids[i], paths[i]), n), async (impl) => impl.bulkInsert(pairs)],
      ['get', n, forReading, each((impl, i) => impl.get(shuffled[i]), n), async (impl) => void (await impl.bulkGet(shuffled))],
      ['delete', doomed.length, loaded, each((impl, i) => impl.delete(doomed[i]), doomed.length), async (impl) => impl.bulkDelete(doomed)],
    ];
    const close = async (impl: Implementation) => {
      if (impl !== reading) await impl.close();
    };
    for (const [operation, ops, setup, individual, bulk] of measures) {
      const oneByOne = await nsPerOpAsync(setup, individual, ops, close, minMs);
      const inBulk = await nsPerOpAsync(setup, bulk, ops, close, minMs);
      result.series.push(
        { metric: `${operation}.individual`, n, unit: 'ns', better: 'lower', value: oneByOne },
        { metric: `${operation}.bulk`, n, unit: 'ns', better: 'lower', value: inBulk },
        { metric: `${operation}.speedup`, n, unit: 'x', better: 'higher', value: oneByOne / inBulk },
      );
    }
    await (reading as Implementation | null)?.close();
  }
}

export async function executeJob(job: Job): Promise<RoundResult> {
  const root = mkdtempSync(join(tmpdir(), 'tunebench-'));
  const result: RoundResult = {
    scenario: job.scenario.name,
    kind: job.scenario.kind,
    implementation: formatImplSpec(job.impl),
    config: resolveKnobs(job.impl),
    round: job.round,
    workload: null,
    series: [],
    memoryBytes: null,
    records: 0,
    timerOverheadNs: timerOverheadNs(),
    warnings: [],
  };
  try {
    const open = opener(job, root);
    if (job.scenario.kind === 'workload') await runWorkload(job, open, result);
    else if (job.scenario.kind === 'growth') await runGrowth(job, open, result);
    else await runBulkVsIndividual(job, open, result);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return result;
}
