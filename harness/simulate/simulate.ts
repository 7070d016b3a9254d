/**
 * Simulations of the decision procedures, on synthetic rounds through the project's own code:
 * `runContest` (compare), `gateAgainst` (gate) and `race` (tune). Each returns rates with their
 * Wilson 95% intervals, so a rate from 200 trials is read with its uncertainty. Used by
 * `calibrate --simulate`, the tests, and bench/statistics-bench.ts.
 */
import type { ImplSpec } from '../adapters/registry.js';
import { type ContestSettings, runContest } from '../compare/contest.js';
import { judgeUnpaired } from '../compare/statistics.js';
import { type GateSettings, SCREEN_ALPHA, estimateWorse, gateAgainst } from '../gate/gate.js';
import { type RaceSettings, race } from '../tune/race.js';
import { hodgesLehmann } from '../stats/signed-rank.js';
import { medianCi } from '../stats/basics.js';
import { Rng } from '../../scenarios/random.js';
import type { Scenario } from '../../scenarios/schema.js';
import { type NoiseModel, normal, withinNoise } from './noise.js';
import { type SimMetric, type SimSuite, syntheticExecute } from './synthetic.js';

export interface Rate {
  hits: number;
  trials: number;
  rate: number;
  /** Wilson score 95% interval of the rate. */
  ci: [number, number];
}

export function rateOf(hits: number, trials: number): Rate {
  if (trials === 0) return { hits, trials, rate: Number.NaN, ci: [0, 1] };
  const z = 1.959964;
  const p = hits / trials;
  const centre = (p + (z * z) / (2 * trials)) / (1 + (z * z) / trials);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials))) / (1 + (z * z) / trials);
  return { hits, trials, rate: p, ci: [Math.max(0, centre - half), Math.min(1, centre + half)] };
}

const impl = (name: string): ImplSpec => ({ name, knobs: {} });

/** Every noisy (scenario, implementation, metric) of a suite: the candidates for a single regression. */
function noisyMetrics(suite: SimSuite): { scenario: string; impl: string; metric: SimMetric }[] {
  return Object.entries(suite.metrics).flatMap(([scenario, byImpl]) => Object.entries(byImpl).flatMap(([i, list]) => list.filter((m) => m.noise.withinSd > 0).map((metric) => ({ scenario, impl: i, metric }))));
}

export interface GateSimulation {
  /** Gates that failed. */
  fails: Rate;
  /** Gates whose failure named the regressed metric (for a single regression). */
  caught: Rate;
  /** Gates whose first pass found at least one suspect (and so re-measured). */
  reMeasured: Rate;
  meanSuspects: number;
  /** Mean rounds measured per gate, first pass and confirmations, over all scenarios. */
  meanRounds: number;
}

/**
 * `trials` simulated gates of `suite`: A/A when `effect` is 0; else one metric, drawn per trial
 * from the noisy ones, slowed by `effect` (every metric when `everyMetric`) on this build's side.
 */
export async function simulateGate(suite: SimSuite, settings: GateSettings, options: { trials: number; effect: number; everyMetric?: boolean; seed: number }): Promise<GateSimulation> {
  const rng = new Rng(options.seed);
  const targets = noisyMetrics(suite);
  let fails = 0;
  let caught = 0;
  let reMeasured = 0;
  let suspects = 0;
  let rounds = 0;
  const impls = [...new Set(Object.values(suite.metrics).flatMap((m) => Object.keys(m)))].map(impl);
  for (let t = 0; t < options.trials; t++) {
    const target = targets[rng.int(targets.length)];
    const log = Math.log(1 + options.effect);
    const seed = rng.u32();
    const execute = syntheticExecute(
      suite,
      (arm, scenario, metric) => (options.effect === 0 || !arm.label.startsWith('this ') ? 0 : options.everyMetric || (scenario === target.scenario && arm.impl === target.impl && metric === target.metric.name) ? log : 0),
      seed,
    );
    let jobs = 0;
    const counted = async (job: Parameters<typeof execute>[0]) => {
      jobs++;
      return execute(job);
    };
    const result = await gateAgainst(suite.scenarios, impls, '/simulated-base', 0, { ...settings, seed }, { execute: counted });
    const confirmed = result.confirmations.filter((c) => c.confirmed);
    const failed = settings.confirm === 0 ? result.comparisons.some((c) => c.verdict === 'regressed') : confirmed.length > 0;
    if (failed) fails++;
    if (confirmed.some((c) => c.scenario === target.scenario && c.pair === target.impl && c.metric === target.metric.name)) caught++;
    if (result.suspects.length > 0) reMeasured++;
    suspects += result.suspects.length;
    rounds += jobs;
  }
  return { fails: rateOf(fails, options.trials), caught: rateOf(caught, options.trials), reMeasured: rateOf(reMeasured, options.trials), meanSuspects: suspects / options.trials, meanRounds: rounds / options.trials };
}

export interface CompareSimulation {
  /** Contests where some metric regressed (for effect 0: was called regressed or improved). */
  flagged: Rate;
  meanRounds: number;
}

/** `trials` simulated `compare` contests of one scenario's metrics, B slowed by `effect` on every metric. */
export async function simulateCompare(scenario: Scenario, metrics: SimMetric[], settings: ContestSettings, options: { trials: number; effect: number; seed: number }): Promise<CompareSimulation> {
  const rng = new Rng(options.seed);
  const suite: SimSuite = { scenarios: [scenario], metrics: { [scenario.name]: { primary: metrics } } };
  let flagged = 0;
  let rounds = 0;
  for (let t = 0; t < options.trials; t++) {
    const seed = rng.u32();
    const execute = syntheticExecute(suite, (arm) => (arm.label === 'B' ? Math.log(1 + options.effect) : 0), seed);
    const contest = await runContest(scenario, [{ name: 'A vs B', a: { label: 'A', impl: impl('primary') }, b: { label: 'B', impl: impl('primary') } }], { ...settings, seed }, { execute });
    const verdicts = contest.comparisons.map((c) => c.verdict);
    if (options.effect === 0 ? verdicts.some((v) => v !== 'unchanged') : verdicts.includes('regressed')) flagged++;
    rounds += contest.roundsRun;
  }
  return { flagged: rateOf(flagged, options.trials), meanRounds: rounds / options.trials };
}

export interface RaceSimulation {
  /** Races won by the truly best candidate (for equal candidates: undefined). */
  bestWins: Rate;
  /** Looks at which some candidate was dropped, when all are equal (a false drop). */
  falseDropLooks: Rate;
  meanSpent: number;
  meanRounds: number;
}

/**
 * `trials` simulated races of `candidates` configurations: one of them better by `gain` (0: all
 * equal), each candidate's score drawn with `noise` (the process effect shared by the round).
 */
export async function simulateRace(settings: RaceSettings, options: { candidates: number; gain: number; noise: NoiseModel; trials: number; seed: number }): Promise<RaceSimulation> {
  const rng = new Rng(options.seed);
  const labels = Array.from({ length: options.candidates }, (_, i) => `c${i}`);
  let wins = 0;
  let looksWithDrops = 0;
  let looks = 0;
  let spent = 0;
  let rounds = 0;
  for (let t = 0; t < options.trials; t++) {
    const best = labels[rng.int(labels.length)];
    const draws = new Rng(rng.u32());
    const result = await race(
      labels,
      async (alive) => {
        const process = options.noise.processSd * normal(draws);
        return new Map(alive.map((l) => [l, 1e6 * Math.exp(process + (l === best ? Math.log(1 + options.gain) : 0) - withinNoise(options.noise, draws))]));
      },
      { ...settings, seed: rng.u32() },
    );
    if (result.winner === best) wins++;
    const dropRounds = new Set(result.log.filter((e) => e.event === 'dropped').map((e) => e.round));
    const lookRounds = new Set(result.log.filter((e) => e.event === 'best').map((e) => e.round));
    looks += lookRounds.size;
    looksWithDrops += dropRounds.size;
    spent += result.spent;
    rounds += result.rounds;
  }
  return { bestWins: rateOf(wins, options.trials), falseDropLooks: rateOf(looksWithDrops, looks), meanSpent: spent / options.trials, meanRounds: rounds / options.trials };
}

export interface Coverage {
  /** Of the interval of the paired ratio (Hodges-Lehmann), true ratio 1. */
  pairedRatio: Rate;
  /** Of the interval of one implementation's median over rounds. */
  median: Rate;
}

/** The median of the noise distribution of `model` (a stall makes it asymmetric), numerically. */
function noiseMedian(model: NoiseModel, rng: Rng): number {
  const draws = Float64Array.from({ length: 200_001 }, () => withinNoise(model, rng)).sort();
  return draws[100_000];
}

/** How often the 95% intervals of `rounds` rounds contain the truth, under `model`. */
export function simulateCoverage(model: NoiseModel, options: { rounds: number; trials: number; seed: number }): Coverage {
  const rng = new Rng(options.seed);
  const truth = noiseMedian(model, new Rng(options.seed ^ 0x5a5a));
  let pairedHits = 0;
  let medianHits = 0;
  for (let t = 0; t < options.trials; t++) {
    const a = Array.from({ length: options.rounds }, () => withinNoise(model, rng));
    const b = Array.from({ length: options.rounds }, () => withinNoise(model, rng));
    const { ci } = hodgesLehmann(b.map((x, i) => x - a[i]));
    if (ci[0] <= 0 && 0 <= ci[1]) pairedHits++;
    const m = medianCi(a);
    if (m[0] <= truth && truth <= m[1]) medianHits++;
  }
  return { pairedRatio: rateOf(pairedHits, options.trials), median: rateOf(medianHits, options.trials) };
}

/**
 * Baseline mode on one metric: `rounds` saved rounds against `rounds` fresh ones, each side from
 * its own processes (the process effect does not cancel), the fresh side slowed by `effect`.
 * Caught when the first comparison makes it a suspect (one-sided p < SCREEN_ALPHA, estimate beyond
 * the band) and a second fresh set confirms it at `alpha`: the best case of `gate --baseline`, where
 * this metric is the only suspect and gets all of alpha.
 */
export function simulateUnpaired(model: NoiseModel, options: { rounds: number; effect: number; trials: number; seed: number; alpha: number; threshold: number; referenceRounds?: number }): Rate {
  const rng = new Rng(options.seed);
  const draw = (effect: number) => 1e6 * Math.exp(model.processSd * normal(rng) - withinNoise(model, rng) - Math.log(1 + effect));
  // The saved side (a baseline, a history window) may hold more rounds than are measured now.
  const side = (effect: number, n = options.rounds) => Array.from({ length: n }, () => draw(effect));
  const worse = (before: number[], after: number[], level: number) => {
    const j = judgeUnpaired(before, after, { better: 'higher', threshold: options.threshold, alpha: level });
    return j.pWorse < level && estimateWorse(j.ratio, 'higher', options.threshold);
  };
  let hits = 0;
  for (let t = 0; t < options.trials; t++) {
    const before = side(0, options.referenceRounds ?? options.rounds);
    if (worse(before, side(options.effect), SCREEN_ALPHA) && worse(before, side(options.effect), options.alpha)) hits++;
  }
  return rateOf(hits, options.trials);
}
