/**
 * Executes one job (scenario x arms x round) in this process. The runner calls it in a fresh child
 * process per job (child.ts) so that one job cannot warm the JIT or fill the heap for the next.
 * A job's arms are measured together, interleaved (workload.ts, timing.ts); an arm may come from
 * another build of tunebench (`Arm.build`), whose adapters are imported from its dist/ folder.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as localRegistry from '../adapters/registry.js';
import type { Implementation, ImplementationFactory, KnobValues } from '../adapters/types.js';
import { loadBuildRegistry } from '../builds.js';
import { heapBytes, nsPerOpArms, timerOverheadNs } from '../measure/timing.js';
import { type WorkloadPlan, measureWorkloads } from './workload.js';
import type { Arm, Job, RoundResult, SeriesPoint } from './types.js';
import { DataSet } from '../../scenarios/generate.js';
import { Rng, shuffle } from '../../scenarios/random.js';
import { DEFAULT_OPERATIONS } from '../../scenarios/kinds.js';
import type { Scenario } from '../../scenarios/schema.js';

/** An arm ready to open instances of its implementation. */
interface ArmContext {
  arm: Arm;
  spec: string;
  knobs: KnobValues;
  open: () => Promise<Implementation>;
}

async function armContext(job: Job, arm: Arm, root: string, index: number): Promise<ArmContext> {
  const registry = arm.build ? await loadBuildRegistry(arm.build) : localRegistry;
  const factory: ImplementationFactory = registry.findFactory(arm.impl.name);
  const knobs = registry.resolveKnobs(arm.impl);
  const spec = registry.formatImplSpec(arm.impl);
  let opened = 0;
  return {
    arm,
    spec,
    knobs,
    open: async () => {
      const directory = join(root, `arm-${index}-instance-${opened++}`);
      mkdirSync(directory);
      return factory.open(knobs, { spec, durability: job.scenario.durability, directory });
    },
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

function plan(job: Job): WorkloadPlan {
  const { scenario } = job;
  if (scenario.durationMs !== undefined) return { durationMs: scenario.durationMs };
  return { operations: scenario.operations ?? DEFAULT_OPERATIONS, minTimeMs: job.quick ? MIN_MEASURE_MS.quick : MIN_MEASURE_MS.full };
}

/** The arms in the order they take their first turn this round (it rotates from round to round). */
function inTurn<T>(job: Job, items: T[]): T[] {
  const first = new Rng(job.orderSeed ?? job.round).int(items.length);
  return items.map((_, k) => items[(first + k) % items.length]);
}

/** Warms every arm up (in this round's order); returns each arm's warm-up throughput. */
async function warmUpAll(job: Job, arms: ArmContext[], records: number): Promise<Map<ArmContext, number>> {
  const rates = new Map<ArmContext, number>();
  for (const arm of inTurn(job, arms)) rates.set(arm, await warmUp(job.scenario, arm.open, records, job.quick ?? false));
  return rates;
}

/**
 * Opens and loads an instance for every arm, in this round's turn order: the arm loaded last was
 * ~1.5% faster in A/A runs with a fixed order, so the order must not favour one arm.
 */
async function openAll(job: Job, arms: ArmContext[], data: DataSet, records: number): Promise<{ impls: Implementation[]; bytes: number[] }> {
  const impls: Implementation[] = new Array(arms.length);
  const bytes: number[] = new Array(arms.length);
  try {
    for (const k of inTurn(job, arms.map((_, i) => i))) {
      impls[k] = await arms[k].open();
      bytes[k] = await load(impls[k], data, records);
    }
  } catch (error) {
    await closeAll(impls.filter((impl) => impl !== undefined));
    throw error;
  }
  return { impls, bytes };
}

async function closeAll(impls: Implementation[]): Promise<void> {
  for (const impl of impls) await impl.close();
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
async function warmUp(scenario: Scenario, open: () => Promise<Implementation>, records: number, quick: boolean): Promise<number> {
  const n = Math.min(records, WARMUP_RECORDS);
  const warm: Scenario = { ...scenario, seed: (scenario.seed ^ 0x77a2) >>> 0 };
  const data = new DataSet(warm.seed, n, scenario.dataset.pathBytes);
  const impl = await open();
  try {
    await impl.load(data.ids.slice(0, n), data.paths.slice(0, n));
    const [measured] = await measureWorkloads([{ impl }], warm, data, n, { durationMs: quick ? WARMUP_MS.quick : WARMUP_MS.full });
    return measured.opsPerSec;
  } finally {
    await impl.close();
  }
}

async function runWorkload(job: Job, arms: ArmContext[], results: RoundResult[]): Promise<void> {
  const { scenario } = job;
  const records = scenario.dataset.records;
  const warmRates = await warmUpAll(job, arms, records);
  const data = new DataSet(scenario.seed, records, scenario.dataset.pathBytes);
  const { impls, bytes } = await openAll(job, arms, data, records);
  try {
    const measured = await measureWorkloads(
      impls.map((impl, k) => ({ impl, expectedOpsPerSec: warmRates.get(arms[k]), slowdown: arms[k].arm.slowdown })),
      scenario,
      data,
      records,
      plan(job),
      job.orderSeed ?? job.round,
    );
    results.forEach((result, k) => {
      result.memoryBytes = bytes[k];
      result.records = records;
      result.workload = measured[k];
    });
  } finally {
    await closeAll(impls);
  }
}

async function runGrowth(job: Job, arms: ArmContext[], results: RoundResult[]): Promise<void> {
  const { scenario } = job;
  const warmRates = await warmUpAll(job, arms, Math.min(...(scenario.sizes ?? [0])));
  for (const n of scenario.sizes ?? []) {
    const data = new DataSet(scenario.seed, n, scenario.dataset.pathBytes);
    const { impls, bytes } = await openAll(job, arms, data, n);
    try {
      const measured = await measureWorkloads(
        impls.map((impl, k) => ({ impl, expectedOpsPerSec: warmRates.get(arms[k]), slowdown: arms[k].arm.slowdown })),
        scenario,
        data,
        n,
        plan(job),
        (job.orderSeed ?? job.round) + n,
      );
      results.forEach((result, k) => {
        const m = measured[k];
        const point = (metric: string, unit: string, better: 'higher' | 'lower', value: number): SeriesPoint => ({ metric, n, unit, better, value });
        result.series.push(
          point('nsPerOp', 'ns', 'lower', m.opsPerSec > 0 ? 1e9 / m.opsPerSec : 0),
          point('latency.p50', 'ns', 'lower', m.latencyNs.p50),
          point('latency.p99', 'ns', 'lower', m.latencyNs.p99),
          point('bytesPerEntry', 'bytes', 'lower', n > 0 ? bytes[k] / n : 0),
        );
      });
    } finally {
      await closeAll(impls);
    }
  }
}

/**
 * At each size: inserting every record one by one into an empty structure against one bulk insert
 * of them all, getting every record in a random order one by one against one bulk get, and
 * deleting half of them one by one against one bulk delete. Each figure repeats on fresh
 * structures until enough time was measured (40 ms a figure with --quick, 150 ms otherwise).
 */
async function runBulkVsIndividual(job: Job, arms: ArmContext[], results: RoundResult[]): Promise<void> {
  const { scenario } = job;
  const minMs = job.quick ? 40 : 150;
  for (const n of scenario.sizes ?? []) {
    const data = new DataSet(scenario.seed, n, scenario.dataset.pathBytes);
    const ids = data.ids.slice(0, n);
    const paths = data.paths.slice(0, n);
    const shuffled = shuffle(new Rng(scenario.seed ^ n), ids.slice());
    const doomed = shuffled.slice(0, Math.max(1, Math.floor(n / 2)));
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
    // Gets change nothing: one loaded instance per arm serves every repetition.
    const reading: (Implementation | null)[] = arms.map(() => null);
    const measures: [string, number, 'empty' | 'loaded' | 'reading', Step, Step][] = [
      ['insert', n, 'empty', each((impl, i) => impl.put(ids[i], paths[i]), n), async (impl) => impl.bulkInsert(pairs)],
      ['get', n, 'reading', each((impl, i) => impl.get(shuffled[i]), n), async (impl) => void (await impl.bulkGet(shuffled))],
      ['delete', doomed.length, 'loaded', each((impl, i) => impl.delete(doomed[i]), doomed.length), async (impl) => impl.bulkDelete(doomed)],
    ];
    try {
      for (const [operation, ops, state, individual, bulk] of measures) {
        const timed = (step: Step) =>
          arms.map((arm, k) => ({
            setup: async (): Promise<Implementation> => {
              if (state === 'reading' && reading[k]) return reading[k];
              const impl = await arm.open();
              if (state !== 'empty') await impl.load(ids, paths);
              if (state === 'reading') reading[k] = impl;
              return impl;
            },
            op: (impl: unknown) => step(impl as Implementation),
            teardown: async (impl: unknown) => {
              if (impl !== reading[k]) await (impl as Implementation).close();
            },
            slowdown: arm.arm.slowdown,
          }));
        const first = new Rng((job.orderSeed ?? job.round) + n).int(arms.length);
        const oneByOne = await nsPerOpArms(timed(individual), ops, minMs, 40, first);
        const inBulk = await nsPerOpArms(timed(bulk), ops, minMs, 40, first);
        results.forEach((result, k) => {
          result.series.push(
            { metric: `${operation}.individual`, n, unit: 'ns', better: 'lower', value: oneByOne[k] },
            { metric: `${operation}.bulk`, n, unit: 'ns', better: 'lower', value: inBulk[k] },
            { metric: `${operation}.speedup`, n, unit: 'x', better: 'higher', value: oneByOne[k] / inBulk[k] },
          );
        });
      }
    } finally {
      await closeAll(reading.filter((r): r is Implementation => r !== null));
    }
  }
}

export async function executeJob(job: Job): Promise<RoundResult[]> {
  const root = mkdtempSync(join(tmpdir(), 'tunebench-'));
  try {
    const arms = await Promise.all(job.arms.map((arm, k) => armContext(job, arm, root, k)));
    const overhead = timerOverheadNs();
    const results: RoundResult[] = arms.map((a) => ({
      arm: a.arm.label,
      scenario: job.scenario.name,
      kind: job.scenario.kind,
      implementation: a.spec,
      config: a.knobs,
      round: job.round,
      workload: null,
      series: [],
      memoryBytes: null,
      records: 0,
      timerOverheadNs: overhead,
      warnings: [],
    }));
    if (job.scenario.kind === 'workload') await runWorkload(job, arms, results);
    else if (job.scenario.kind === 'growth') await runGrowth(job, arms, results);
    else await runBulkVsIndividual(job, arms, results);
    return results;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
