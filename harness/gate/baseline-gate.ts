/**
 * `gate --baseline NAME`: a saved baseline's rounds against fresh rounds of the same scenarios
 * (or against a second saved baseline). No round of one side shares a process with a round of the
 * other, so this is unpaired: the exact Mann-Whitney test and the two-sample Hodges-Lehmann shift
 * (compare/statistics.ts), with the gate's two stages (gate.ts): suspects from the first
 * comparison, each confirmed on fresh rounds at its weighted share of alpha. Processes differ by
 * 10-25% here, which pairing cancels and this mode cannot: its power is far lower, so every such
 * gate states it (unpairedPower: simulated for its rounds) and recommends `--against`.
 */
import { formatImplSpec, type ImplSpec } from '../adapters/registry.js';
import { MACHINE_NOISE } from '../simulate/noise.js';
import { simulateUnpaired } from '../simulate/simulate.js';
import { type MetricRound, type MetricSamples, samplesOf } from '../compare/contest.js';
import { judgeUnpaired } from '../compare/statistics.js';
import { planJobs } from '../runner/plan.js';
import type { UnitFilter } from '../shard/plan.js';
import { runJobs } from '../runner/run.js';
import type { RoundResult } from '../runner/types.js';
import { median } from '../stats/basics.js';
import { type Baseline } from './baselines.js';
import { type CheckResult, complexityCheck, memoryReclamationCheck } from './checks.js';
import { type Attempt, type Confirmation, type ConfirmationRun, type GateHooks, type GateSettings, comparisonKey, confirmationsOf, estimateWorse, isSuspect, suspectLevels } from './gate.js';
import type { Comparison } from '../../reports/schema.js';
import type { Scenario } from '../../scenarios/schema.js';

/** Every metric's values of one scenario x implementation: from a baseline, the history or a fresh run. */
export interface SideSamples {
  scenario: string;
  implementation: string;
  metrics: MetricSamples[];
  /** Fresh rounds of this side behind the values (for the growth checks; empty for saved sides). */
  rounds: MetricRound[];
}

/** Unpaired comparisons of every metric of `before` against `after`, matched by scenario and implementation. */
export function compareUnpaired(before: SideSamples[], after: SideSamples[], settings: Pick<GateSettings, 'alpha' | 'threshold'>, labels: { a: string; b: string }): Comparison[] {
  const out: Comparison[] = [];
  for (const b of after) {
    const a = before.find((x) => x.scenario === b.scenario && x.implementation === b.implementation);
    if (!a) continue;
    for (const sa of a.metrics) {
      const sb = b.metrics.find((m) => m.metric === sa.metric);
      if (!sb) continue;
      const j = judgeUnpaired(sa.values, sb.values, { better: sa.better, threshold: settings.threshold, alpha: settings.alpha });
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
        pWorse: j.pWorse,
        alpha: settings.alpha,
        verdict: j.verdict,
        reason: j.reason,
      });
    }
  }
  return out;
}

/** Fresh rounds of `scenarios` x `impls` in separate processes (as `run`), slowed by `slowdown`. */
export async function freshRounds(scenarios: Scenario[], impls: ImplSpec[], rounds: number, quick: boolean, slowdown: number, hooks: GateHooks = {}, only?: UnitFilter): Promise<RoundResult[]> {
  const { jobs } = planJobs(scenarios, impls, rounds, { quick, only });
  const slowed = jobs.map((job) => ({ ...job, arms: job.arms.map((arm) => (slowdown ? { ...arm, slowdown } : arm)) }));
  return runJobs(slowed, { execute: hooks.execute, onJobDone: (done, total) => hooks.onProgress?.('fresh rounds', done, total) });
}

/** Groups round results by scenario x implementation, with each metric's values. */
export function sidesOf(rounds: readonly (MetricRound & { scenario: string; implementation: string })[]): SideSamples[] {
  const sides = new Map<string, { scenario: string; implementation: string; rounds: MetricRound[] }>();
  for (const r of rounds) {
    const k = `${r.scenario}\u0000${r.implementation}`;
    const side = sides.get(k) ?? { scenario: r.scenario, implementation: r.implementation, rounds: [] };
    side.rounds.push(r);
    sides.set(k, side);
  }
  return [...sides.values()].map((side) => ({ ...side, metrics: samplesOf(side.rounds) }));
}

/** C(n, k), for the smallest two-sided Mann-Whitney p-value of m against n rounds: 2 / C(m + n, m). */
function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** A warning when the rounds of a baseline comparison cannot reach p < alpha whatever they show. */
function tooFewRounds(comparisons: Comparison[], alpha: number): string[] {
  const weak = comparisons.filter((c) => 2 / choose(c.a.samples.length + c.b.samples.length, c.a.samples.length) >= alpha);
  if (weak.length === 0) return [];
  const c = weak[0];
  return [`too few rounds: ${c.a.samples.length} against ${c.b.samples.length} rounds cannot reach p < ${alpha} with the Mann-Whitney test (${weak.length} metrics), so nothing can be called regressed; save the baseline with more --rounds`];
}

/** What a fresh run is judged against without pairing: a saved baseline, or a window of the history. */
export interface Reference {
  /** How the reports name it: 'baseline "main"', 'history (last 10 commits of main)'. */
  label: string;
  sides: SideSamples[];
  quick: boolean;
  /** Fresh rounds to measure per scenario x implementation. */
  rounds: number;
  /** Fewest saved rounds behind a metric (for the power statement). */
  referenceRounds: number;
  /** Machines its values come from (a warning when one is not this one). */
  fingerprints: string[];
  /** Said on every gate against it: what it holds and what this mode can see. */
  notes: string[];
}

/** A saved baseline as a reference, limited to `scenarios`. */
export function baselineReference(baseline: Baseline, scenarios: readonly Scenario[], impls: readonly ImplSpec[]): Reference {
  const inScope = (r: { scenario: string; implementation: string }) => scenarios.some((s) => s.name === r.scenario) && impls.some((i) => formatImplSpec(i) === r.implementation);
  const sides = sidesOf(baseline.rounds.filter(inScope));
  return {
    label: `baseline ${baseline.name}`,
    sides: sides.map((side) => ({ ...side, rounds: [] })),
    quick: baseline.quick,
    // As many fresh rounds as the baseline holds of a scenario x implementation (a shard's baseline holds some pairs only).
    rounds: Math.max(1, ...sides.map((side) => side.rounds.length)),
    referenceRounds: Math.max(1, ...sides.map((side) => side.rounds.length)),
    fingerprints: [baseline.environment.fingerprint],
    notes: [],
  };
}

export interface BaselineGateInput {
  reference: Reference;
  scenarios: Scenario[];
  impls: ImplSpec[];
  /** A second saved baseline to judge instead of measuring now (nothing is re-measured then). */
  candidate: Baseline | null;
  slowdown: number;
  settings: GateSettings;
  /** This machine's fingerprint (a warning when the reference's differs). */
  machine: string;
  /** Only these scenario x implementation pairs (a shard's). */
  only?: UnitFilter;
  /** Run the index's memory-reclamation check (default true; one shard of a sharded gate runs it). */
  memoryCheck?: boolean;
}

export interface BaselineGateResult {
  comparisons: Comparison[];
  suspects: Comparison[];
  confirmations: Confirmation[];
  checks: CheckResult[];
  warnings: string[];
  candidateName: string;
  /** Confirmation stages actually run (none when judging a saved candidate). */
  confirm: number;
}

/** Rounds per side up to which the power statement is simulated (beyond, the exact tests get slow). */
const MAX_SIMULATED_ROUNDS = 40;

/** Saved rounds beyond which the power is simulated with this many (more only raise it). */
const MAX_SIMULATED_REFERENCE = 60;

/**
 * What this mode can see, said on every such gate: the share of gates that catch a 10% slowdown of
 * one metric with `rounds` fresh rounds against `referenceRounds` saved ones, simulated under this
 * kind of machine's noise (the best case: that metric the only suspect).
 */
export function unpairedPower(rounds: number, settings: Pick<GateSettings, 'alpha' | 'threshold'>, referenceRounds = rounds): string {
  const prefix = `a gate against saved rounds (a baseline or the history) is unpaired (no round shares a process with the other side, whose 10-25% process noise does not cancel)`;
  if (rounds > MAX_SIMULATED_ROUNDS) return `${prefix}: prefer --against DIR (paired)`;
  const reference = Math.min(referenceRounds, MAX_SIMULATED_REFERENCE);
  const power = simulateUnpaired(MACHINE_NOISE, { rounds, referenceRounds: reference, effect: 0.1, trials: 200, seed: 1, alpha: settings.alpha, threshold: settings.threshold });
  const sizes = referenceRounds === rounds ? `${rounds} rounds per side` : `${rounds} rounds now against ${referenceRounds} saved${referenceRounds > reference ? ` (simulated with ${reference}: at least this)` : ''}`;
  return `${prefix}: with ${sizes} it catches a 10% slowdown of one metric in about ${Math.round(power.rate * 100)}% of gates [${Math.round(power.ci[0] * 100)}-${Math.round(power.ci[1] * 100)}%] (simulated, this kind of machine's noise); gate --against DIR catches it in over 90%`;
}

export async function gateAgainstBaseline(input: BaselineGateInput, hooks: GateHooks = {}): Promise<BaselineGateResult> {
  const { reference, scenarios, impls, settings } = input;
  const inScope = (r: { scenario: string }) => scenarios.some((s) => s.name === r.scenario);
  const labels = { a: reference.label, b: 'now' };
  const only = input.only ?? (() => true);
  const before = reference.sides.filter((side) => inScope(side) && only(side.scenario, side.implementation));
  const measure = async (which: Scenario[]) => sidesOf(await freshRounds(which, impls, reference.rounds, reference.quick, input.slowdown, hooks, only));
  const after = input.candidate ? sidesOf(input.candidate.rounds.filter(inScope)) : await measure(scenarios);
  for (const side of before) {
    if (!after.some((x) => x.scenario === side.scenario && x.implementation === side.implementation)) throw new Error(`the run has no rounds of ${side.scenario} x ${side.implementation} to compare with the ${reference.label}`);
  }
  const comparisons = compareUnpaired(before, after, settings, labels);
  const confirm = input.candidate ? 0 : settings.confirm;
  const suspects = confirm === 0 ? [] : comparisons.filter((c) => isSuspect(c, settings.threshold, settings.screenAlpha));
  const runs: ConfirmationRun[] = [];
  const levels = suspectLevels(suspects, settings.alpha);
  for (let attempt = 1; attempt <= confirm && suspects.length > 0; attempt++) {
    const again = compareUnpaired(before, await measure(scenarios.filter((s) => suspects.some((c) => c.scenario === s.name))), settings, labels);
    const run: ConfirmationRun = new Map();
    for (const c of suspects) {
      const alphaEach = levels.get(comparisonKey(c)) ?? 0;
      const x = again.find((y) => y.scenario === c.scenario && y.pair === c.pair && y.metric === c.metric);
      if (!x) continue;
      const worse = estimateWorse(x.ratio, c.better, settings.threshold);
      const attempt: Attempt = { ratio: x.ratio, ci: x.ci, pValue: x.pWorse ?? 1, verdict: (x.pWorse ?? 1) < alphaEach && worse ? 'regressed' : 'unchanged', rounds: x.rounds, alpha: alphaEach };
      run.set(comparisonKey(c), attempt);
    }
    runs.push(run);
  }
  const growth = after.filter((s) => scenarios.find((x) => x.name === s.scenario)?.kind === 'growth');
  const checks: CheckResult[] = [...growth.map((s) => complexityCheck(`${s.scenario}, ${s.implementation}`, s.rounds)), ...(input.memoryCheck === false ? [] : [memoryReclamationCheck(reference.quick ? 200_000 : 1_000_000)])];
  const foreign = reference.fingerprints.filter((f) => f !== input.machine);
  const warnings = [
    ...(foreign.length === 0 ? [] : [`the ${reference.label} comes from another machine (${foreign.join(', ')}); its timings may not carry over`]),
    ...tooFewRounds(comparisons, settings.alpha / Math.max(1, suspects.length)),
    ...reference.notes,
    unpairedPower(reference.rounds, settings, reference.referenceRounds),
  ];
  const candidateName = input.candidate ? `saved baseline "${input.candidate.name}" (nothing re-measured)` : `this build${input.slowdown ? ` (slowed ${(input.slowdown * 100).toFixed(0)}%)` : ''}`;
  return { comparisons, suspects, confirmations: confirmationsOf(suspects, runs), checks, warnings, candidateName, confirm };
}
