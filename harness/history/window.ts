/**
 * `gate --history`: the reference a candidate is judged against is the recent window of a
 * branch's runs on this machine (the last 10 commits of main by default), every round of them
 * pooled, rather than one saved baseline. The window holds the run-to-run drift of ordinary
 * commits, so a candidate is called worse only against the spread main itself shows.
 */
import { formatImplSpec, type ImplSpec } from '../adapters/registry.js';
import { UsageError } from '../errors.js';
import type { Reference, SideSamples } from '../gate/baseline-gate.js';
import type { Scenario } from '../../scenarios/schema.js';
import type { UnitFilter } from '../shard/plan.js';
import { digestOf } from './records.js';
import { loadSeries } from './runs.js';
import type { HistoryStore } from './store.js';
import { shortSha } from './trend.js';

export interface WindowRequest {
  scenarios: readonly Scenario[];
  impls: readonly ImplSpec[];
  branch: string;
  /** Commits in the window. */
  window: number;
  machine: string;
  quick: boolean;
  /** Fresh rounds to measure now. */
  rounds: number;
  /** The candidate's own commit, left out of its reference if it was recorded already. */
  exclude: string | null;
  /** Only these scenario x implementation pairs (a shard's). */
  only?: UnitFilter;
}

export function scenarioDigest(scenario: Scenario): string {
  return digestOf(scenario).slice(0, 16);
}

export function historyReference(store: HistoryStore, request: WindowRequest): Reference {
  const specs = request.impls.map(formatImplSpec);
  const series = loadSeries(store, { fingerprint: request.machine, branch: request.branch, scenarios: request.scenarios.map((s) => s.name), implementations: specs, metrics: [], last: null });
  const sides: SideSamples[] = [];
  const commits = new Set<string>();
  for (const scenario of request.scenarios) {
    const digest = scenarioDigest(scenario);
    for (const implementation of specs) {
      if (request.only && !request.only(scenario.name, implementation)) continue;
      const mine = series.filter((s) => s.key.scenario === scenario.name && s.key.scenarioDigest === digest && s.key.implementation === implementation);
      const metrics = mine.flatMap((s) => {
        const points = s.points.filter((p) => p.commit !== request.exclude).slice(-request.window);
        for (const p of points) commits.add(p.commit);
        return points.length === 0 ? [] : [{ metric: s.key.metric, better: s.key.better, unit: s.key.unit, values: points.flatMap((p) => p.values) }];
      });
      if (metrics.length === 0) {
        throw new UsageError(
          `the history has no runs of ${scenario.name}${request.quick ? ' (quick)' : ''} x ${implementation} on branch ${request.branch} on this machine (${request.machine}) with this scenario's definition; record some (run --record on ${request.branch}) or name other scenarios`,
        );
      }
      sides.push({ scenario: scenario.name, implementation, metrics, rounds: [] });
    }
  }
  const pooled = sides.length === 0 ? 0 : Math.min(...sides.flatMap((s) => s.metrics.map((m) => m.values.length)));
  const thin = [...commits].length < Math.min(3, request.window) ? [`the history window holds only ${commits.size} commit(s) of ${request.branch}: run-to-run drift is barely in it yet`] : [];
  return {
    label: `history (${request.branch}, last ${commits.size} commits)`,
    sides,
    quick: request.quick,
    rounds: request.rounds,
    referenceRounds: Math.max(1, pooled),
    fingerprints: [request.machine],
    notes: [`judged against the last ${commits.size} commits of ${request.branch} on this machine (${[...commits].map(shortSha).join(', ')}), at least ${pooled} rounds pooled per metric`, ...thin],
  };
}
