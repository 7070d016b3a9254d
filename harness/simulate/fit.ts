/**
 * Fits the noise model (noise.ts) of every metric to measured paired rounds (any report's
 * comparisons: each holds A's and B's value of every round). Robust estimates throughout, so that
 * the stalls being measured do not inflate the spread they are measured apart from:
 *
 * - per round, level = (ln A + ln B) / 2 and ratio r = ln B - ln A;
 * - drift: the Theil-Sen slope of level against the round;
 * - process sd: 1.4826 x the median absolute deviation (MAD) of the detrended level;
 * - within-round sd per arm: 1.4826 x MAD(r) / sqrt(2) (r holds two arms' noise);
 * - stalls: rounds with |r - median r| beyond 4 robust sds, as a rate per arm, and their median
 *   size (ln 1.5 when there are none).
 * A real difference between A and B shifts r, not its spread, so B slowed by 10% fits alike.
 */
import * as ss from 'simple-statistics';
import type { Better } from '../compare/statistics.js';
import { median } from '../stats/basics.js';
import type { Comparison } from '../../reports/schema.js';
import { type NoiseModel, QUIET } from './noise.js';

export interface FittedMetric {
  scenario: string;
  pair: string;
  metric: string;
  better: Better;
  unit: string;
  rounds: number;
  base: number;
  noise: NoiseModel;
}

const MAD_TO_SD = 1.4826;

const mad = (xs: readonly number[]) => ss.medianAbsoluteDeviation(xs as number[]);

/** The Theil-Sen slope of `ys` against their index. */
function theilSen(ys: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < ys.length; i++) for (let j = i + 1; j < ys.length; j++) slopes.push((ys[j] - ys[i]) / (j - i));
  return slopes.length === 0 ? 0 : median(slopes);
}

/** The noise of one metric from its paired samples; null with fewer than 6 usable rounds. */
export function fitMetric(a: readonly number[], b: readonly number[]): NoiseModel | null {
  const pairs = a.map((x, i) => [x, b[i]]).filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y));
  if (pairs.length < 6) return null;
  const level = pairs.map(([x, y]) => (Math.log(x) + Math.log(y)) / 2);
  const r = pairs.map(([x, y]) => Math.log(y) - Math.log(x));
  const drift = theilSen(level);
  const processSd = MAD_TO_SD * mad(level.map((l, i) => l - drift * i));
  const ratioSd = MAD_TO_SD * mad(r);
  if (ratioSd === 0 && processSd === 0) return { ...QUIET };
  const centre = median(r);
  const stalls = r.map((x) => Math.abs(x - centre)).filter((d) => ratioSd > 0 && d > 4 * ratioSd);
  return {
    processSd,
    withinSd: ratioSd / Math.SQRT2,
    tails: 'normal',
    outlierRate: stalls.length / (2 * r.length),
    outlierLog: stalls.length > 0 ? median(stalls) : Math.log(1.5),
    driftPerRound: drift,
  };
}

/** What a fit needs of a comparison: the paired values of every round. */
export type PairedSamples = Pick<Comparison, 'scenario' | 'pair' | 'metric' | 'better' | 'unit'> & { a: { samples: number[] }; b: { samples: number[] } };

/** Every comparison with enough rounds, fitted. */
export function fitComparisons(comparisons: readonly PairedSamples[]): FittedMetric[] {
  const out: FittedMetric[] = [];
  for (const c of comparisons) {
    const noise = fitMetric(c.a.samples, c.b.samples);
    if (!noise) continue;
    out.push({ scenario: c.scenario, pair: c.pair, metric: c.metric, better: c.better, unit: c.unit, rounds: c.a.samples.length, base: median(c.a.samples), noise });
  }
  return out;
}

/**
 * One model per metric from several comparisons of it (the trials of a calibration): the median of
 * each parameter, the rates pooled.
 */
export function poolFits(fits: readonly FittedMetric[]): FittedMetric[] {
  const groups = new Map<string, FittedMetric[]>();
  for (const f of fits) {
    const k = `${f.scenario}\u0000${f.pair}\u0000${f.metric}`;
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  return [...groups.values()].map((g) => {
    const pick = (get: (n: NoiseModel) => number) => median(g.map((f) => get(f.noise)));
    const rounds = g.reduce((s, f) => s + f.rounds, 0);
    return {
      ...g[0],
      rounds,
      base: median(g.map((f) => f.base)),
      noise: {
        processSd: pick((n) => n.processSd),
        withinSd: pick((n) => n.withinSd),
        tails: 'normal',
        outlierRate: g.reduce((s, f) => s + f.noise.outlierRate * f.rounds, 0) / rounds,
        outlierLog: pick((n) => n.outlierLog),
        driftPerRound: pick((n) => n.driftPerRound),
      },
    };
  });
}
