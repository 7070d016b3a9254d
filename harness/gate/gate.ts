/**
 * The regression gate. Two ways to get the "before" side:
 *
 * - against a build (`--against DIR`): DIR's implementations and this build's are measured in the
 *   same processes, in turns (a contest per scenario, every implementation a pair): the paired
 *   statistics of `compare`, the recommended CI mode;
 * - against a saved baseline (`--baseline NAME`): the baseline's rounds against fresh rounds of
 *   the same scenarios, unpaired (ratio of medians, two-sample bootstrap CI, Mann-Whitney U).
 *
 * A metric that comes out regressed is measured again (`confirm` times, a fresh contest or fresh
 * rounds with another seed) and fails the gate only when every re-measurement calls it regressed
 * too: one noisy round cannot fail a pipeline, and a real regression shows every time.
 */
import { formatImplSpec, findFactory, type ImplSpec } from '../adapters/registry.js';
import { type ContestResult, type ContestSettings, type MetricRound, type Pair, runContest, samplesOf } from '../compare/contest.js';
import { judgeUnpaired } from '../compare/statistics.js';
import { median } from '../stats.js';
import { planJobs } from '../runner/plan.js';
import { runJobs, type RunOptions } from '../runner/run.js';
import type { RoundResult } from '../runner/types.js';
import { type CheckResult, complexityCheck } from './checks.js';
import type { Comparison, GateEntry } from '../../reports/schema.js';
import type { Scenario } from '../../scenarios/schema.js';

export interface GateSettings extends ContestSettings {
  /** Re-measurements a regression must survive. */
  confirm: number;
}

export type Confirmation = GateEntry['confirmations'][number];

export interface GateHooks {
  execute?: RunOptions['execute'];
  onProgress?: (label: string, done: number, total: number) => void;
}

const key = (c: Pick<Comparison, 'scenario' | 'pair' | 'metric'>) => `${c.scenario}\u0000${c.pair}\u0000${c.metric}`;

/** The implementations of `impls` that can run `scenario` (durability). */
export function runnable(scenario: Scenario, impls: ImplSpec[]): ImplSpec[] {
  return impls.filter((impl) => findFactory(impl.name).durability.includes(scenario.durability));
}

/** A confirmation entry for `first`, from the same comparison in each re-measurement. */
function confirmationOf(first: Comparison, again: Comparison[][]): Confirmation {
  const attempts = again.map((list) => list.find((c) => key(c) === key(first)));
  return {
    scenario: first.scenario,
    pair: first.pair,
    metric: first.metric,
    attempts: attempts.map((c) => (c ? { ratio: c.ratio, ci: c.ci, pValue: c.pValue, verdict: c.verdict } : { ratio: Number.NaN, ci: [Number.NaN, Number.NaN], pValue: 1, verdict: 'unchanged' })),
    confirmed: attempts.every((c) => c?.verdict === 'regressed'),
  };
}

export interface AgainstResult {
  contests: ContestResult[];
  comparisons: Comparison[];
  confirmations: Confirmation[];
  checks: CheckResult[];
}

/** `gate --against DIR`: one contest per scenario, every implementation a pair (DIR's as A, this build's as B). */
export async function gateAgainst(scenarios: Scenario[], impls: ImplSpec[], baseDir: string, slowdown: number, settings: GateSettings, hooks: GateHooks = {}): Promise<AgainstResult> {
  const pairsFor = (scenario: Scenario): Pair[] =>
    runnable(scenario, impls).map((impl) => {
      const spec = formatImplSpec(impl);
      return { name: spec, a: { label: `base ${spec}`, impl, build: baseDir }, b: { label: `this ${spec}`, impl, ...(slowdown ? { slowdown } : {}) } };
    });
  const contests: ContestResult[] = [];
  for (const [i, scenario] of scenarios.entries()) {
    const pairs = pairsFor(scenario);
    if (pairs.length === 0) continue;
    contests.push(await runContest(scenario, pairs, settings, { execute: hooks.execute, onRound: (done) => hooks.onProgress?.(`${scenario.name} round ${done}`, i, scenarios.length) }));
  }
  const comparisons = contests.flatMap((c) => c.comparisons);
  const confirmations: Confirmation[] = [];
  for (const contest of contests) {
    const flagged = contest.comparisons.filter((c) => c.verdict === 'regressed');
    if (flagged.length === 0 || settings.confirm === 0) continue;
    const pairs = contest.pairs.filter((p) => flagged.some((c) => c.pair === p.name));
    const again: Comparison[][] = [];
    for (let attempt = 1; attempt <= settings.confirm; attempt++) {
      const seed = (settings.seed + attempt * 0x9e37) >>> 0;
      const rerun = await runContest(contest.scenario, pairs, { ...settings, seed }, { execute: hooks.execute, onRound: (done) => hooks.onProgress?.(`confirming ${contest.scenario.name} round ${done}`, attempt, settings.confirm) });
      again.push(rerun.comparisons);
    }
    for (const c of flagged) confirmations.push(confirmationOf(c, again));
  }
  const checks: CheckResult[] = [];
  for (const contest of contests.filter((c) => c.scenario.kind === 'growth')) {
    for (const pair of contest.pairs) checks.push(complexityCheck(`${contest.scenario.name}, this build's ${pair.name}`, contest.rounds.filter((r) => r.arm === pair.b.label)));
  }
  return { contests, comparisons, confirmations, checks };
}

/** Rounds of one scenario x implementation, from a baseline or a fresh run. */
export interface SideRounds {
  scenario: string;
  implementation: string;
  rounds: MetricRound[];
}

/** Unpaired comparisons of every metric of `before` against `after`, matched by scenario and implementation. */
export function compareUnpaired(before: SideRounds[], after: SideRounds[], settings: Pick<ContestSettings, 'alpha' | 'threshold' | 'seed'>, labels: { a: string; b: string }): Comparison[] {
  const out: Comparison[] = [];
  for (const b of after) {
    const a = before.find((x) => x.scenario === b.scenario && x.implementation === b.implementation);
    if (!a) continue;
    const samplesA = samplesOf(a.rounds);
    const samplesB = samplesOf(b.rounds);
    for (const sa of samplesA) {
      const sb = samplesB.find((m) => m.metric === sa.metric);
      if (!sb) continue;
      const j = judgeUnpaired(sa.values, sb.values, { better: sa.better, threshold: settings.threshold, alpha: settings.alpha, seed: settings.seed });
      out.push({
        scenario: b.scenario,
        pair: b.implementation,
        metric: sa.metric,
        better: sa.better,
        unit: sa.unit,
        rounds: Math.min(sa.values.length, sb.values.length),
        a: { implementation: `${labels.a} ${a.implementation}`, median: median(sa.values), samples: sa.values },
        b: { implementation: `${labels.b} ${b.implementation}`, median: median(sb.values), samples: sb.values },
        ratio: j.ratio,
        ci: j.ci,
        pValue: j.pValue,
        alpha: settings.alpha,
        verdict: j.verdict,
        reason: j.reason,
      });
    }
  }
  return out;
}

/** Fresh rounds of `scenarios` x `impls` in separate processes (as `run`), B slowed by `slowdown`. */
export async function freshRounds(scenarios: Scenario[], impls: ImplSpec[], rounds: number, quick: boolean, slowdown: number, hooks: GateHooks = {}): Promise<RoundResult[]> {
  const { jobs } = planJobs(scenarios, impls, rounds, { quick });
  const slowed = jobs.map((job) => ({ ...job, arms: job.arms.map((arm) => (slowdown ? { ...arm, slowdown } : arm)) }));
  return runJobs(slowed, { execute: hooks.execute, onJobDone: (done, total) => hooks.onProgress?.('fresh rounds', done, total) });
}

/** Groups round results by scenario x implementation. */
export function sidesOf(rounds: readonly (MetricRound & { scenario: string; implementation: string })[]): SideRounds[] {
  const sides = new Map<string, SideRounds>();
  for (const r of rounds) {
    const k = `${r.scenario}\u0000${r.implementation}`;
    const side = sides.get(k) ?? { scenario: r.scenario, implementation: r.implementation, rounds: [] };
    side.rounds.push(r);
    sides.set(k, side);
  }
  return [...sides.values()];
}

/** Confirmations for baseline mode: the flagged metrics judged again on fresh rounds each time. */
export async function confirmAgainstBaseline(
  flagged: Comparison[],
  before: SideRounds[],
  remeasure: (scenarios: string[], attempt: number) => Promise<SideRounds[]>,
  settings: GateSettings,
  labels: { a: string; b: string },
): Promise<Confirmation[]> {
  if (flagged.length === 0 || settings.confirm === 0) return [];
  const scenarios = [...new Set(flagged.map((c) => c.scenario))];
  const again: Comparison[][] = [];
  for (let attempt = 1; attempt <= settings.confirm; attempt++) {
    const after = await remeasure(scenarios, attempt);
    again.push(compareUnpaired(before, after, { ...settings, seed: (settings.seed + attempt * 0x9e37) >>> 0 }, labels));
  }
  return flagged.map((c) => confirmationOf(c, again));
}

/** What fails the gate: confirmed regressions (all regressions when nothing was re-measured) and failed checks. */
export function gateVerdict(comparisons: Comparison[], confirmations: Confirmation[], checks: CheckResult[], confirm: number): { regressed: Comparison[]; failedChecks: CheckResult[]; exitCode: 0 | 1 } {
  const confirmed = new Set(confirmations.filter((c) => c.confirmed).map(key));
  const regressed = comparisons.filter((c) => c.verdict === 'regressed' && (confirm === 0 || confirmed.has(key(c))));
  const failedChecks = checks.filter((c) => !c.passed);
  return { regressed, failedChecks, exitCode: regressed.length > 0 || failedChecks.length > 0 ? 1 : 0 };
}
