/**
 * `--shard I/N`: a suite's scenario x implementation work split over N CI jobs, each of which
 * measures (and for a gate, pairs and judges) its own part on its own runner, so that every
 * shard's verdict is valid alone and `tunebench merge` only gathers them.
 *
 * The split is by expected duration, not by count: a growth or bulk series on a disk store runs
 * several times longer than a time-bounded YCSB job. Longest job first onto the least-loaded
 * shard (Graham's LPT rule: within 4/3 of the best makespan), ties broken by name, so every
 * shard computes the same plan without talking to the others.
 */
import { UsageError } from '../errors.js';
import { findFactory, formatImplSpec, type ImplSpec } from '../adapters/registry.js';
import type { Scenario } from '../../scenarios/schema.js';

export interface ShardSpec {
  /** 1-based. */
  index: number;
  count: number;
}

export const MAX_SHARDS = 256;

export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new UsageError(`--shard must be I/N (this job's number I of N shards, e.g. 2/4), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw new UsageError(`--shard ${text}: N must be from 1 to ${MAX_SHARDS}`);
  if (index < 1 || index > count) throw new UsageError(`--shard ${text}: I must be from 1 to ${count}`);
  return { index, count };
}

export interface WorkUnit {
  scenario: string;
  implementation: string;
  /** Expected milliseconds of all its rounds. */
  cost: number;
}

export const unitKey = (u: Pick<WorkUnit, 'scenario' | 'implementation'>) => `${u.scenario}\u0000${u.implementation}`;

/** A fresh process and the open of its implementation (measured here: about 0.3 s). */
const PROCESS_MS = 300;
/** Warm-up plus measuring of a time-bounded workload round (execute.ts), per arm. */
const MEASURE_MS = { quick: 300, full: 1000 };
/** Microseconds per entry loaded or inserted: in memory, and through a store on disk. */
const ENTRY_US = { memory: 1.5, disk: 6 };

/**
 * Expected milliseconds of one round of `scenario` on `impl` with `arms` arms in the process
 * (a gate pairs two). A model, not a measurement: its only job is to keep shards even.
 */
export function expectedRoundMs(scenario: Scenario, impl: ImplSpec, quick: boolean, arms = 1): number {
  const factory = findFactory(impl.name);
  const perEntry = factory.durability.includes('sync') ? ENTRY_US.disk : ENTRY_US.memory;
  // A workload loads its records, then measures for a set time (its inserts ride in that time).
  if (scenario.kind === 'workload') return PROCESS_MS + arms * ((scenario.durationMs ?? (quick ? MEASURE_MS.quick : MEASURE_MS.full)) + (scenario.dataset.records * perEntry) / 1000);
  // Series scenarios build every size in turn (bulk-vs-individual twice: one by one and in bulk).
  const built = (scenario.sizes ?? [scenario.dataset.records]).reduce((s, n) => s + n, 0) * (scenario.kind === 'bulk-vs-individual' ? 2 : 1);
  return PROCESS_MS + (arms * built * perEntry) / 1000;
}

/** Every scenario x implementation pair that can run (durability), with its expected cost. */
export function workUnits(scenarios: readonly Scenario[], impls: readonly ImplSpec[], rounds: number, quick: boolean, arms = 1): WorkUnit[] {
  return scenarios.flatMap((scenario) =>
    impls.filter((impl) => findFactory(impl.name).durability.includes(scenario.durability)).map((impl) => ({ scenario: scenario.name, implementation: formatImplSpec(impl), cost: rounds * expectedRoundMs(scenario, impl, quick, arms) })),
  );
}

/** The N shards of `units`: longest first, each onto the shard with the least expected time. */
export function assignShards(units: readonly WorkUnit[], count: number): WorkUnit[][] {
  const shards: WorkUnit[][] = Array.from({ length: count }, () => []);
  const load = new Array<number>(count).fill(0);
  const order = [...units].sort((a, b) => b.cost - a.cost || (unitKey(a) < unitKey(b) ? -1 : 1));
  for (const unit of order) {
    let best = 0;
    for (let s = 1; s < count; s++) if (load[s] < load[best]) best = s;
    shards[best].push(unit);
    load[best] += unit.cost;
  }
  return shards;
}

export interface ShardPlan {
  spec: ShardSpec;
  /** This shard's units, in suite order. */
  units: WorkUnit[];
  /** Every unit of the suite, in suite order: the same list in every shard. */
  all: WorkUnit[];
  expectedMs: number;
  totalMs: number;
}

export function planShard(all: readonly WorkUnit[], spec: ShardSpec): ShardPlan {
  const mine = new Set(assignShards(all, spec.count)[spec.index - 1].map(unitKey));
  const units = all.filter((u) => mine.has(unitKey(u)));
  const sum = (list: readonly WorkUnit[]) => list.reduce((s, u) => s + u.cost, 0);
  return { spec, units, all: [...all], expectedMs: sum(units), totalMs: sum(all) };
}

/** Whether a scenario x implementation pair is this shard's (everything, without --shard). */
export type UnitFilter = (scenario: string, implementation: string) => boolean;

export function unitFilter(plan: ShardPlan | null): UnitFilter {
  if (!plan) return () => true;
  const mine = new Set(plan.units.map(unitKey));
  return (scenario, implementation) => mine.has(unitKey({ scenario, implementation }));
}

/** The line printed at the start of a sharded command. */
export function describeShard(plan: ShardPlan): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
  const units = plan.units.length === 0 ? 'nothing (more shards than jobs)' : plan.units.map((u) => `${u.scenario} x ${u.implementation}`).join(', ');
  return `shard ${plan.spec.index}/${plan.spec.count}: ${plan.units.length} of ${plan.all.length} scenario x implementation jobs, about ${s(plan.expectedMs)} of ${s(plan.totalMs)} expected: ${units}`;
}

/** What a shard's report says of its part, for merge to check that shards fit together. */
export function shardSetting(plan: ShardPlan) {
  return { index: plan.spec.index, count: plan.spec.count, units: plan.units.map((u) => ({ scenario: u.scenario, implementation: u.implementation })), all: plan.all.map((u) => ({ scenario: u.scenario, implementation: u.implementation })) };
}
