/**
 * Which jobs a run executes, in which order. Rounds are the outer loop and the implementations'
 * order rotates from round to round (A B, B A, ...), so drift over a run and JIT order effects
 * spread evenly over the implementations instead of favouring the one that always runs first.
 */
import { findFactory, formatImplSpec, type ImplSpec } from '../adapters/registry.js';
import type { Job } from './types.js';
import type { UnitFilter } from '../shard/plan.js';
import type { Scenario } from '../../scenarios/schema.js';

/** Largest size a --quick growth or bulk-vs-individual run keeps when the scenario names no quick sizes. */
const QUICK_MAX_SIZE = 100_000;

/** The scenario with --quick settings: its `quick` block, else sizes divided by ten. */
export function scaleForQuick(scenario: Scenario): Scenario {
  const quick = scenario.quick ?? {};
  const scaled: Scenario = { ...scenario, dataset: { ...scenario.dataset } };
  scaled.dataset.records = quick.records ?? Math.min(scenario.dataset.records, Math.max(1_000, Math.floor(scenario.dataset.records / 10)));
  if (scenario.durationMs !== undefined) scaled.durationMs = Math.max(200, Math.floor(scenario.durationMs / 10));
  else if (scenario.operations !== undefined || quick.operations !== undefined) {
    scaled.operations = quick.operations ?? Math.max(2_000, Math.floor((scenario.operations ?? 0) / 10));
  }
  if (scenario.sizes) {
    const small = scenario.sizes.filter((n) => n <= QUICK_MAX_SIZE);
    scaled.sizes = quick.sizes ?? (small.length > 0 ? small : [Math.min(...scenario.sizes)]);
  }
  return scaled;
}

export interface Skip {
  scenario: string;
  implementation: string;
  reason: string;
}

export interface JobPlan {
  jobs: Job[];
  skipped: Skip[];
}

export function planJobs(scenarios: Scenario[], impls: ImplSpec[], rounds: number, options: { quick?: boolean; only?: UnitFilter } = {}): JobPlan {
  const jobs: Job[] = [];
  const skipped: Skip[] = [];
  const runnable = new Map<string, ImplSpec[]>();
  for (const scenario of scenarios) {
    const ok: ImplSpec[] = [];
    for (const impl of impls) {
      const factory = findFactory(impl.name);
      // A pair that cannot run is skipped in every shard (merge keeps one); another shard's pair is not run here.
      if (!factory.durability.includes(scenario.durability)) skipped.push({ scenario: scenario.name, implementation: formatImplSpec(impl), reason: `${impl.name} has no ${scenario.durability} durability` });
      else if (!options.only || options.only(scenario.name, formatImplSpec(impl))) ok.push(impl);
    }
    runnable.set(scenario.name, ok);
  }
  for (let round = 0; round < rounds; round++) {
    for (const scenario of scenarios) {
      const list = runnable.get(scenario.name) ?? [];
      for (let i = 0; i < list.length; i++) {
        const impl = list[(i + round) % list.length];
        jobs.push({ scenario, arms: [{ label: formatImplSpec(impl), impl }], round, quick: options.quick ?? false });
      }
    }
  }
  return { jobs, skipped };
}
