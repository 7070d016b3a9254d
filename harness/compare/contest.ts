/**
 * Paired rounds until the verdict is settled: the engine of `compare`, `calibrate` and `gate`.
 *
 * Each round is one fresh child process measuring every arm of the scenario interleaved (A and B
 * of each pair, for every pair), the turn order drawn from the seed. After `minRounds` rounds and
 * then every `step` rounds (a "look") every pair x metric is judged; the run stops at a look when
 * a metric has regressed, or when every metric is settled (regressed, improved, or shown inside
 * the noise band); otherwise it goes on to `maxRounds`. There is no stop for "no sign of a
 * change": with one outlier round such a stop ended 13% of contests on a real 10% regression.
 *
 * Looking several times must not raise the false-alarm rate. The looks follow Haybittle and
 * Peto: every look before the last tests at INTERIM_ALPHA (0.001), the last at alpha less what
 * the earlier looks spent, so a run's chance of a false verdict stays below alpha (Bonferroni's
 * bound) while the last look keeps nearly all of it (testing every look at alpha / looks, as
 * before, cost power at the end, where most contests are decided).
 */
import { formatImplSpec } from '../adapters/registry.js';
import { runJobs, type RunOptions } from '../runner/run.js';
import type { Arm, RoundResult } from '../runner/types.js';
import { type Better, type Judgement, judge, smallestPValue, withinBand } from './statistics.js';
import { median } from '../stats/basics.js';
import type { Comparison } from '../../reports/schema.js';
import { Rng } from '../../scenarios/random.js';
import type { Scenario } from '../../scenarios/schema.js';

/** Two arms compared with each other. */
export interface Pair {
  /** What the pair compares, e.g. "primary". */
  name: string;
  a: Arm;
  b: Arm;
}

export interface ContestSettings {
  alpha: number;
  threshold: number;
  minRounds: number;
  maxRounds: number;
  step: number;
  quick: boolean;
  seed: number;
}

export const DEFAULT_SETTINGS: Omit<ContestSettings, 'quick' | 'seed'> = { alpha: 0.05, threshold: 0.02, minRounds: 8, maxRounds: 16, step: 2 };

/** The rounds at which a contest looks at its results. */
export function looksOf(settings: Pick<ContestSettings, 'minRounds' | 'maxRounds' | 'step'>): number[] {
  const looks: number[] = [];
  for (let n = Math.min(settings.minRounds, settings.maxRounds); n < settings.maxRounds; n += settings.step) looks.push(n);
  looks.push(settings.maxRounds);
  return looks;
}

/** The level of every look before the last (Haybittle-Peto). */
export const INTERIM_ALPHA = 0.001;

/**
 * The level each look tests at: INTERIM_ALPHA before the last, and at the last `alpha` less what
 * the earlier looks spent. The interim looks together spend at most a tenth of `alpha` (for a small
 * alpha, such as a gate's per-suspect level, each interim level shrinks instead).
 */
export function lookLevels(looks: readonly number[], alpha: number): number[] {
  const interim = Math.min(INTERIM_ALPHA, alpha / (10 * Math.max(1, looks.length - 1)));
  return looks.map((_, i) => (i === looks.length - 1 ? alpha - interim * (looks.length - 1) : interim));
}

export interface MetricSamples {
  metric: string;
  better: Better;
  unit: string;
  values: number[];
}

/** What a round needs to yield its metrics (a RoundResult, or a round kept in a baseline file). */
export interface MetricRound {
  workload: { opsPerSec: number; chunkOpsPerSec: number[]; latencyNs: { p50: number; p99: number } } | null;
  series: { metric: string; n: number; unit: string; better: Better; value: number }[];
}

/**
 * The metrics a round yields, one value each. Workloads: throughput (the median of the round's
 * chunk throughputs: one stall from GC or the disk moved an A/A total by 10%, the median by 2%),
 * p50 and p99 latency. Series scenarios: every point but derived speedups (their parts are there).
 */
export function roundMetrics(round: MetricRound): { metric: string; better: Better; unit: string; value: number }[] {
  const out: { metric: string; better: Better; unit: string; value: number }[] = [];
  const w = round.workload;
  if (w) {
    out.push({ metric: 'throughput', better: 'higher', unit: 'ops/s', value: w.chunkOpsPerSec.length > 0 ? median(w.chunkOpsPerSec) : w.opsPerSec });
    out.push({ metric: 'p50', better: 'lower', unit: 'ns', value: w.latencyNs.p50 });
    out.push({ metric: 'p99', better: 'lower', unit: 'ns', value: w.latencyNs.p99 });
  }
  for (const p of round.series) if (p.unit !== 'x') out.push({ metric: `${p.metric}@${p.n}`, better: p.better, unit: p.unit, value: p.value });
  return out;
}

/** Each metric's values across `rounds` (of one arm), in round order. */
export function samplesOf(rounds: readonly MetricRound[]): MetricSamples[] {
  const byMetric = new Map<string, MetricSamples>();
  for (const round of rounds) {
    for (const m of roundMetrics(round)) {
      const entry = byMetric.get(m.metric) ?? { metric: m.metric, better: m.better, unit: m.unit, values: [] };
      entry.values.push(m.value);
      byMetric.set(m.metric, entry);
    }
  }
  return [...byMetric.values()];
}

export interface ContestResult {
  scenario: Scenario;
  pairs: Pair[];
  /** Every arm's round results. */
  rounds: RoundResult[];
  comparisons: Comparison[];
  roundsRun: number;
  /** Why it stopped where it did. */
  stopped: string;
  warnings: string[];
  /** Metrics whose CI is wider than the threshold, one note each (kept apart: a gate counts them rather than printing them). */
  wideCis: string[];
}

/** How reports name an arm: its label, spec and any injected slowdown. */
export function armLabelOf(arm: Arm): string {
  return `${arm.label}: ${formatImplSpec(arm.impl)}${arm.slowdown ? ` (slowed ${(arm.slowdown * 100).toFixed(0)}%)` : ''}`;
}

/** One pair x metric judged on the rounds so far. */
export interface Judged {
  pair: Pair;
  a: MetricSamples;
  b: MetricSamples;
  j: Judgement;
}

/** Judges every pair x metric on `rounds` at level `alpha`. */
export function judgeAll(pairs: readonly Pair[], rounds: readonly RoundResult[], threshold: number, alpha: number): Judged[] {
  const out: Judged[] = [];
  for (const pair of pairs) {
    const a = samplesOf(rounds.filter((r) => r.arm === pair.a.label));
    const b = samplesOf(rounds.filter((r) => r.arm === pair.b.label));
    for (const sa of a) {
      const sb = b.find((m) => m.metric === sa.metric);
      if (!sb || sb.values.length !== sa.values.length) continue;
      out.push({ pair, a: sa, b: sb, j: judge(sa.values, sb.values, { better: sa.better, threshold, alpha }) });
    }
  }
  return out;
}

function settled(j: Judgement, threshold: number): boolean {
  return j.verdict !== 'unchanged' || withinBand(j.ci, threshold);
}

export interface ContestHooks {
  execute?: RunOptions['execute'];
  /** Called after each round with the rounds done and the most there can be. */
  onRound?: (done: number, max: number) => void;
}

/**
 * Runs paired rounds of `scenario` for `pairs` (every arm in each round's process, in a turn order
 * drawn from `seed`), calling `atLook` with the rounds so far at each of `looks`; stops when it
 * returns true or after the last look. Returns every arm's round results.
 */
export async function runPairedRounds(
  scenario: Scenario,
  pairs: readonly Pair[],
  plan: { looks: readonly number[]; quick: boolean; seed: number },
  atLook: (rounds: RoundResult[], look: number) => boolean,
  hooks: ContestHooks = {},
): Promise<RoundResult[]> {
  const arms = pairs.flatMap((p) => [p.a, p.b]);
  const orders = new Rng(plan.seed ^ 0x0dde);
  const rounds: RoundResult[] = [];
  const most = plan.looks[plan.looks.length - 1];
  for (let round = 0; round < most; round++) {
    const job = { scenario, arms, round, quick: plan.quick, orderSeed: orders.u32() };
    rounds.push(...(await runJobs([job], { execute: hooks.execute })));
    hooks.onRound?.(round + 1, most);
    const look = plan.looks.indexOf(round + 1);
    if (look >= 0 && atLook(rounds, look)) break;
  }
  return rounds;
}

/** The report entry of one judged pair x metric. */
export function comparisonOf(scenario: Scenario, x: Judged, rounds: number, alpha: number): Comparison {
  return {
    scenario: scenario.name,
    pair: x.pair.name,
    metric: x.a.metric,
    better: x.a.better,
    unit: x.a.unit,
    rounds,
    a: { implementation: armLabelOf(x.pair.a), median: median(x.a.values), samples: x.a.values },
    b: { implementation: armLabelOf(x.pair.b), median: median(x.b.values), samples: x.b.values },
    ratio: x.j.ratio,
    ci: x.j.ci,
    pValue: x.j.pValue,
    pWorse: x.j.pWorse,
    alpha,
    verdict: x.j.verdict,
    reason: x.j.reason,
  };
}

/** Runs paired rounds of `scenario` for `pairs` until settled (see the module comment). */
export async function runContest(scenario: Scenario, pairs: Pair[], settings: ContestSettings, hooks: ContestHooks = {}): Promise<ContestResult> {
  const looks = looksOf(settings);
  const levels = lookLevels(looks, settings.alpha);
  const finalAlpha = levels[levels.length - 1];
  const warnings: string[] = [];
  const wideCis: string[] = [];
  if (smallestPValue(settings.maxRounds) >= finalAlpha) {
    warnings.push(`too few rounds: with at most ${settings.maxRounds} rounds the signed-rank test cannot reach p < ${finalAlpha.toPrecision(2)} (alpha ${settings.alpha} at the last of ${looks.length} looks), so nothing can be called regressed or improved; use more rounds`);
  }
  let judged: Judged[] = [];
  let alpha = levels[0];
  let stopped = `reached the most rounds (${settings.maxRounds})`;
  const rounds = await runPairedRounds(
    scenario,
    pairs,
    { looks, quick: settings.quick, seed: settings.seed },
    (soFar, look) => {
      alpha = levels[look];
      judged = judgeAll(pairs, soFar, settings.threshold, alpha);
      const done = looks[look];
      if (look === looks.length - 1) return true;
      const regressed = judged.find((x) => x.j.verdict === 'regressed');
      if (regressed) {
        stopped = `settled after ${done} rounds: ${regressed.pair.name} ${regressed.a.metric} regressed`;
        return true;
      }
      if (judged.every((x) => settled(x.j, settings.threshold))) {
        stopped = `settled after ${done} rounds: every metric is decided or inside the noise band`;
        return true;
      }
      return false;
    },
    hooks,
  );
  const roundsRun = rounds.length / (pairs.length * 2);
  for (const x of judged) {
    if (x.j.verdict !== 'unchanged') continue;
    // How wide the CI is against the threshold: rounds that would resolve a change of that size.
    const halfWidth = (Math.log(x.j.ci[1]) - Math.log(x.j.ci[0])) / 2;
    if (halfWidth > settings.threshold) {
      const needed = Math.ceil(roundsRun * (halfWidth / settings.threshold) ** 2);
      wideCis.push(`${scenario.name} ${x.pair.name} ${x.a.metric}: its 95% CI spans ±${(halfWidth * 100).toFixed(1)}%, wider than the ${(settings.threshold * 100).toFixed(1)}% threshold, so a change of that size could go unseen; about ${needed} rounds would resolve it`);
    }
  }
  const comparisons = judged.map((x) => comparisonOf(scenario, x, roundsRun, alpha));
  return { scenario, pairs, rounds, comparisons, roundsRun, stopped, warnings, wideCis };
}
