/**
 * Measures this machine's noise as the comparison sees it: repeated A/A comparisons (each a full
 * sequential contest) count false alarms, and A against B slowed by known fractions counts
 * detections. B is a separate copy of this build, so that two builds' JIT differences are part of
 * the noise, as they are when `gate --against` compares two checkouts.
 */
import type { ImplSpec } from '../adapters/registry.js';
import { copyOfThisBuild } from '../builds.js';
import type { Verdict } from './statistics.js';
import { type ContestResult, type ContestSettings, type Pair, comparisonOf, judgeAll, lookLevels, looksOf, runContest, runPairedRounds } from './contest.js';
import type { PairedSamples } from '../simulate/fit.js';
import { formatImplSpec } from '../adapters/registry.js';
import type { Comparison } from '../../reports/schema.js';
import { median, quantile } from '../stats/basics.js';
import type { Scenario } from '../../scenarios/schema.js';
import * as ss from 'simple-statistics';

export interface TrialOutcome {
  scenario: string;
  effect: number;
  trial: number;
  rounds: number;
  verdicts: Record<string, Verdict>;
  ratios: Record<string, number>;
  /** Some metric regressed. */
  detected: boolean;
  /** Some metric was called regressed or improved. */
  flagged: boolean;
}

export interface EffectSummary {
  effect: number;
  trials: number;
  /** Trials in which some metric regressed (for effect 0: in which some metric was flagged). */
  hits: number;
  rate: number;
  byMetric: Record<string, number>;
  meanRounds: number;
}

export interface Calibration {
  trials: TrialOutcome[];
  effects: EffectSummary[];
  falseAlarmRate: number | null;
  /** Spread of one round's log ratio B/A in the A/A trials, per metric. */
  noise: { metric: string; sdLogRatio: number }[];
  /** Smallest tried effect detected in at least 95% of trials, and the one the noise predicts at the first look. */
  minimumDetectableEffect: { observed: number | null; predicted: number | null };
  suggestion: { threshold: number; rounds: number; why: string };
  /** Every A/A trial's paired values per metric (what `calibrate --simulate --from` fits). */
  aaSamples: PairedSamples[];
}

export interface CalibrationPlan {
  scenarios: Scenario[];
  impl: ImplSpec;
  effects: number[];
  trials: number;
  settings: ContestSettings;
  onTrial?: (done: number, total: number, label: string) => void;
  /** Only these contests (a shard's); their seeds are those of the whole calibration. */
  only?: (scenario: string, effect: number, trial: number) => boolean;
}

/** A contest's name in a shard plan: the effect and the trial. */
export function contestLabel(effect: number, trial: number): string {
  return `${effect === 0 ? 'A/A' : `+${+(effect * 100).toFixed(2)}%`} trial ${trial + 1}`;
}

/** Per metric, every A/A round's ln(B/A): the noise the suggestion is computed from. */
export function aaLogRatios(samples: readonly PairedSamples[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const c of samples) {
    const list = out.get(c.metric) ?? [];
    list.push(...c.a.samples.map((x, i) => Math.log(c.b.samples[i] / x)));
    out.set(c.metric, list);
  }
  return out;
}

function outcomeOf(contest: ContestResult, effect: number, trial: number): TrialOutcome {
  const verdicts: Record<string, Verdict> = {};
  const ratios: Record<string, number> = {};
  for (const c of contest.comparisons) {
    verdicts[c.metric] = c.verdict;
    ratios[c.metric] = c.ratio;
  }
  const all = Object.values(verdicts);
  return { scenario: contest.scenario.name, effect, trial, rounds: contest.roundsRun, verdicts, ratios, detected: all.includes('regressed'), flagged: all.some((v) => v !== 'unchanged') };
}

/** z such that P(Z < z) = p, from simple-statistics' probit. */
const z = (p: number) => ss.probit(p);

export function summarize(trials: TrialOutcome[], settings: ContestSettings, aaRoundLogRatios: Map<string, number[]>): Omit<Calibration, 'trials' | 'aaSamples'> {
  const effects = [...new Set(trials.map((t) => t.effect))].sort((a, b) => a - b);
  const summaries: EffectSummary[] = effects.map((effect) => {
    const mine = trials.filter((t) => t.effect === effect);
    const hit = (t: TrialOutcome) => (effect === 0 ? t.flagged : t.detected);
    const metrics = [...new Set(mine.flatMap((t) => Object.keys(t.verdicts)))];
    const byMetric = Object.fromEntries(metrics.map((m) => [m, mine.filter((t) => (effect === 0 ? t.verdicts[m] !== 'unchanged' : t.verdicts[m] === 'regressed')).length / mine.length]));
    return { effect, trials: mine.length, hits: mine.filter(hit).length, rate: mine.filter(hit).length / mine.length, byMetric, meanRounds: ss.mean(mine.map((t) => t.rounds)) };
  });
  const aa = summaries.find((s) => s.effect === 0);
  const noise = [...aaRoundLogRatios].filter(([, v]) => v.length > 2).map(([metric, values]) => ({ metric, sdLogRatio: ss.sampleStandardDeviation(values) }));
  const throughputSd = noise.find((n) => n.metric === 'throughput')?.sdLogRatio ?? null;
  const levels = lookLevels(looksOf(settings), settings.alpha);
  const zSum = z(1 - levels[levels.length - 1] / 2) + z(0.95);
  const detected = summaries.filter((s) => s.effect > 0 && s.rate >= 0.95).map((s) => s.effect);
  const predicted = throughputSd === null ? null : Math.exp(settings.threshold + (zSum * throughputSd) / Math.sqrt(settings.maxRounds)) - 1;
  // A threshold above the A/A trials' typical final throughput ratios keeps false alarms rare.
  const aaRatios = trials.filter((t) => t.effect === 0 && t.ratios.throughput !== undefined).map((t) => Math.abs(Math.log(t.ratios.throughput)));
  const threshold = aaRatios.length > 0 ? Math.max(0.02, Math.ceil(quantile(aaRatios, 0.99) * 200) / 200) : settings.threshold;
  const target = 0.1;
  const rounds = throughputSd === null || threshold >= target ? settings.maxRounds : Math.max(settings.minRounds, Math.ceil(((zSum * throughputSd) / (Math.log(1 + target) - threshold)) ** 2));
  return {
    effects: summaries,
    falseAlarmRate: aa ? aa.rate : null,
    noise,
    minimumDetectableEffect: { observed: detected.length > 0 ? Math.min(...detected) : null, predicted },
    suggestion: {
      threshold,
      rounds,
      why:
        throughputSd === null
          ? 'no A/A trials: keep the defaults'
          : `one round's throughput ratio varies by ${(throughputSd * 100).toFixed(1)}% (sd of ln B/A, A/A); a threshold of ${(threshold * 100).toFixed(1)}% stays above 99% of the A/A trials' ratios, and ${rounds} rounds resolve a 10% slowdown beyond it at 95% power`,
    },
  };
}

/** Runs the trials: for each trial, each effect (A/A first), each scenario, one full contest. */
export async function calibrate(plan: CalibrationPlan): Promise<Calibration> {
  const copy = copyOfThisBuild();
  const trials: TrialOutcome[] = [];
  const aaSamples: PairedSamples[] = [];
  const only = plan.only ?? (() => true);
  let total = 0;
  for (let trial = 0; trial < plan.trials; trial++) for (const effect of plan.effects) for (const scenario of plan.scenarios) if (only(scenario.name, effect, trial)) total++;
  try {
    for (let trial = 0; trial < plan.trials; trial++) {
      for (const [e, effect] of plan.effects.entries()) {
        for (const scenario of plan.scenarios) {
          if (!only(scenario.name, effect, trial)) continue;
          const a = { label: 'A', impl: plan.impl };
          const b = { label: 'B', impl: plan.impl, build: copy.dir, ...(effect > 0 ? { slowdown: effect } : {}) };
          const seed = (plan.settings.seed + trial * 7919 + e * 104_729) >>> 0;
          const contest = await runContest(scenario, [{ name: 'A vs B', a, b }], { ...plan.settings, seed });
          trials.push(outcomeOf(contest, effect, trial));
          if (effect === 0) for (const c of contest.comparisons) aaSamples.push({ scenario: c.scenario, pair: c.pair, metric: c.metric, better: c.better, unit: c.unit, a: { samples: c.a.samples }, b: { samples: c.b.samples } });
          plan.onTrial?.(trials.length, total, `trial ${trial + 1}, ${effect === 0 ? 'A/A' : `+${(effect * 100).toFixed(0)}%`}, ${scenario.name}`);
        }
      }
    }
  } finally {
    copy.remove();
  }
  return { trials, ...summarize(trials, plan.settings, aaLogRatios(aaSamples)), aaSamples };
}

/** Median rounds a trial took, for the text summary. */
export function medianRounds(trials: TrialOutcome[]): number {
  return median(trials.map((t) => t.rounds));
}

/**
 * A short real calibration for `calibrate --simulate`: `rounds` paired A/A rounds of each scenario
 * (this build against a separate copy of it, every implementation a pair, as `gate --against`
 * measures), whose values the noise model is fitted to.
 */
export async function measureNoise(scenarios: Scenario[], impls: ImplSpec[], rounds: number, quick: boolean, seed: number, onRound?: (label: string) => void): Promise<Comparison[]> {
  const copy = copyOfThisBuild();
  const comparisons: Comparison[] = [];
  try {
    for (const scenario of scenarios) {
      const pairs: Pair[] = impls.map((impl) => {
        const spec = formatImplSpec(impl);
        return { name: spec, a: { label: `base ${spec}`, impl, build: copy.dir }, b: { label: `this ${spec}`, impl } };
      });
      const measured = await runPairedRounds(scenario, pairs, { looks: [rounds], quick, seed }, () => true, { onRound: (done) => onRound?.(`${scenario.name} round ${done} of ${rounds}`) });
      comparisons.push(...judgeAll(pairs, measured, 0.02, 0.05).map((x) => comparisonOf(scenario, x, rounds, 0.05)));
    }
  } finally {
    copy.remove();
  }
  return comparisons;
}

