/**
 * `calibrate --simulate`: from fitted noise (fit.ts), what compare, gate and tune would do on this
 * machine at the current settings, by simulation (simulate.ts) in seconds rather than hours of
 * real trials: false alarms, detection power at injected slowdowns, the rounds that would reach
 * a target power, and the race's odds.
 */
import { allFactories } from '../adapters/registry.js';
import type { ContestSettings } from '../compare/contest.js';
import type { GateSettings } from '../gate/gate.js';
import { RACE_DEFAULTS, defaultBudget } from '../tune/race.js';
import type { Scenario } from '../../scenarios/schema.js';
import type { FittedMetric } from './fit.js';
import { type Rate, simulateCompare, simulateGate, simulateRace } from './simulate.js';
import type { SimMetric, SimSuite } from './synthetic.js';

export interface Prediction {
  /** Metrics fitted, with their noise. */
  fitted: FittedMetric[];
  compare: { scenario: string; metrics: number; rates: { effect: number; rate: Rate; meanRounds: number }[] }[];
  /** The whole gate on these scenarios (when the comparisons name implementations). */
  gate: { metrics: number; rates: { effect: number; rate: Rate; meanRounds: number }[] } | null;
  /** A race of 15 candidates with this machine's throughput noise. */
  tune: { candidates: number; equalFalseDrops: Rate; wins: { gain: number; rate: Rate }[] } | null;
  /** Fewest most-rounds of compare that detect a 5% slowdown in 90% of contests, per scenario. */
  roundsFor5Percent: { scenario: string; rounds: number | null }[];
}

export interface PredictOptions {
  scenarios: Scenario[];
  contest: ContestSettings;
  gate: GateSettings;
  trials: number;
  seed: number;
  effects: number[];
  onProgress?: (label: string) => void;
}

const simMetric = (f: FittedMetric): SimMetric => ({ name: f.metric, better: f.better, unit: f.unit, base: f.base, noise: f.noise });

const isImplementation = (name: string) => allFactories().some((f) => f.name === name);

export async function predict(fits: FittedMetric[], options: PredictOptions): Promise<Prediction> {
  const { trials, seed } = options;
  const scenarios = options.scenarios.filter((s) => fits.some((f) => f.scenario === s.name));
  const effects = [0, ...options.effects.filter((e) => e > 0)];
  const compare: Prediction['compare'] = [];
  const roundsFor5Percent: Prediction['roundsFor5Percent'] = [];
  for (const scenario of scenarios) {
    const mine = fits.filter((f) => f.scenario === scenario.name);
    const firstPair = mine[0].pair;
    const metrics = mine.filter((f) => f.pair === firstPair).map(simMetric);
    options.onProgress?.(`compare ${scenario.name}`);
    const rates = [];
    for (const effect of effects) {
      const r = await simulateCompare(scenario, metrics, options.contest, { trials, effect, seed });
      rates.push({ effect, rate: r.flagged, meanRounds: r.meanRounds });
    }
    compare.push({ scenario: scenario.name, metrics: metrics.length, rates });
    let found: number | null = null;
    for (const most of [16, 24, 32, 48, 64]) {
      if (most < options.contest.minRounds) continue;
      const r = await simulateCompare(scenario, metrics, { ...options.contest, maxRounds: most }, { trials: Math.min(trials, 100), effect: 0.05, seed: seed + most });
      if (r.flagged.rate >= 0.9) {
        found = most;
        break;
      }
    }
    roundsFor5Percent.push({ scenario: scenario.name, rounds: found });
  }

  let gate: Prediction['gate'] = null;
  if (fits.every((f) => isImplementation(f.pair))) {
    const suite: SimSuite = { scenarios, metrics: {} };
    for (const f of fits) (suite.metrics[f.scenario] ??= {})[f.pair] = [...(suite.metrics[f.scenario]?.[f.pair] ?? []), simMetric(f)];
    const rates = [];
    for (const effect of effects) {
      options.onProgress?.(`gate ${effect === 0 ? 'A/A' : `+${effect * 100}% in one metric`}`);
      const r = await simulateGate(suite, options.gate, { trials, effect, seed });
      rates.push({ effect, rate: effect === 0 ? r.fails : r.caught, meanRounds: r.meanRounds });
    }
    gate = { metrics: fits.length, rates };
  }

  let tune: Prediction['tune'] = null;
  const throughput = fits.find((f) => f.metric === 'throughput');
  if (throughput) {
    options.onProgress?.('tune');
    const k = 15;
    const race = { ...RACE_DEFAULTS, budget: defaultBudget(k, RACE_DEFAULTS.maxRounds, RACE_DEFAULTS.firstLook), threshold: options.contest.threshold, seed, grid: false };
    const equal = await simulateRace(race, { candidates: k, gain: 0, noise: throughput.noise, trials, seed });
    const wins = [];
    for (const gain of [0.03, 0.05, 0.1]) wins.push({ gain, rate: (await simulateRace(race, { candidates: k, gain, noise: throughput.noise, trials, seed: seed + 1 })).bestWins });
    tune = { candidates: k, equalFalseDrops: equal.falseDropLooks, wins };
  }
  return { fitted: fits, compare, gate, tune, roundsFor5Percent };
}
