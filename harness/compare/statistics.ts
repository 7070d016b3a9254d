/**
 * The statistics behind a verdict on A against B.
 *
 * Paired rounds (round i measured A and B in one process, so A[i] and B[i] share whatever the
 * machine did during that round), on the log ratios d[i] = ln(B[i] / A[i]):
 * - ratio: exp of the Hodges-Lehmann estimate of d's centre (the median of its Walsh averages);
 * - ci: exp of its distribution-free 95% interval (stats/signed-rank.ts);
 * - pValue: the Wilcoxon signed-rank test, exact for the ranks at hand (ties included).
 * Ranks, not sizes: one stalled round counts as one rank, so it can no longer hide a regression
 * (with the sum of log ratios, one round of A at 1000/1.5 against B at 1000/1.1 everywhere gave
 * p = 0.5). The bootstrap interval of the median ratio it replaces covered 93% for a nominal 95%;
 * this one covers at least 95% (measured: bench/statistics-bench.ts).
 *
 * Unpaired samples (a saved baseline against a fresh run, no round shared): the exact Mann-Whitney
 * test (ties included) and the two-sample Hodges-Lehmann shift of the logs with its interval.
 *
 * A verdict is regressed or improved only when p < alpha and the whole interval lies beyond the
 * noise threshold on one side; otherwise unchanged.
 */
import { mannWhitneyU } from '../stats/basics.js';
import { hodgesLehmannShift } from '../stats/rank-sum.js';
import { hodgesLehmann, signedRankTest } from '../stats/signed-rank.js';

export type Better = 'higher' | 'lower';
export type Verdict = 'improved' | 'regressed' | 'unchanged';

/** The smallest two-sided p-value the signed-rank test can give with `n` rounds (all agreeing). */
export function smallestPValue(n: number): number {
  return n === 0 ? 1 : Math.min(1, 2 / 2 ** n);
}

/** Each round's ln(B / A); null when a value is not a positive number. */
export function logRatios(a: readonly number[], b: readonly number[]): number[] | null {
  const d = a.map((x, i) => Math.log(b[i] / x));
  return d.every(Number.isFinite) ? d : null;
}

/** exp of the Hodges-Lehmann estimate of the paired log ratios, and of its interval. */
export function pairedRatio(a: readonly number[], b: readonly number[], level = 0.95): { ratio: number; ci: [number, number] } {
  const d = logRatios(a, b);
  if (!d || d.length === 0) return { ratio: Number.NaN, ci: [Number.NaN, Number.NaN] };
  const hl = hodgesLehmann(d, level);
  return { ratio: Math.exp(hl.estimate), ci: [Math.exp(hl.ci[0]), Math.exp(hl.ci[1])] };
}

export interface JudgeOptions {
  better: Better;
  /** Noise threshold as a fraction (0.02: a change inside ±2% is never called). */
  threshold: number;
  alpha: number;
}

export interface Judgement {
  ratio: number;
  ci: [number, number];
  pValue: number;
  /** One-sided p-value for "B is worse than A" (what a gate asks). */
  pWorse: number;
  verdict: Verdict;
  reason: string;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const fixed = (x: number) => x.toFixed(3);

/** The verdict on paired samples `a` and `b` (one value of each per round). */
export function judge(a: readonly number[], b: readonly number[], options: JudgeOptions): Judgement {
  if (a.length !== b.length) throw new Error(`paired samples differ in length (${a.length} and ${b.length})`);
  const d = a.length === 0 ? null : logRatios(a, b);
  if (!d) return { ratio: Number.NaN, ci: [Number.NaN, Number.NaN], pValue: 1, pWorse: 1, verdict: 'unchanged', reason: a.length === 0 ? 'no rounds' : 'a value is not a positive number' };
  const { ratio, ci } = pairedRatio(a, b);
  const pValue = signedRankTest(d).pValue;
  // Worse is a lower ratio for "higher is better", a higher one for "lower is better".
  const pWorse = signedRankTest(d, options.better === 'higher' ? 'less' : 'greater').pValue;
  return verdictOf(ratio, ci, pValue, pWorse, options);
}

/**
 * The verdict on unpaired samples: the Hodges-Lehmann shift of ln B against ln A (as a ratio)
 * with its interval, and the exact Mann-Whitney test. Weaker than paired rounds: processes differ
 * by 10-25% here, so expect wide intervals and little power (README gives it, measured).
 */
export function judgeUnpaired(a: readonly number[], b: readonly number[], options: JudgeOptions): Judgement {
  if (a.length === 0 || b.length === 0) return { ratio: Number.NaN, ci: [Number.NaN, Number.NaN], pValue: 1, pWorse: 1, verdict: 'unchanged', reason: 'no rounds on one side' };
  if (![...a, ...b].every((x) => x > 0 && Number.isFinite(x))) return { ratio: Number.NaN, ci: [Number.NaN, Number.NaN], pValue: 1, pWorse: 1, verdict: 'unchanged', reason: 'a value is not a positive number' };
  const la = a.map(Math.log);
  const lb = b.map(Math.log);
  const shift = hodgesLehmannShift(la, lb);
  const test = mannWhitneyU(lb, la);
  const pWorse = options.better === 'higher' ? test.pLess : test.pGreater;
  return verdictOf(Math.exp(shift.estimate), [Math.exp(shift.ci[0]), Math.exp(shift.ci[1])], test.pValue, pWorse, options);
}

/** Regressed or improved only when p < alpha and the whole CI lies beyond the noise band on one side. */
function verdictOf(ratio: number, ci: [number, number], pValue: number, pWorse: number, options: JudgeOptions): Judgement {
  const low = 1 - options.threshold;
  const high = 1 + options.threshold;
  const below = ci[1] < low;
  const above = ci[0] > high;
  const worse = options.better === 'higher' ? below : above;
  const better = options.better === 'higher' ? above : below;
  const band = `the ±${pct(options.threshold)} noise band`;
  const ciText = `[${fixed(ci[0])}, ${fixed(ci[1])}]`;
  const base = { ratio, ci, pValue, pWorse };
  if (pValue >= options.alpha) return { ...base, verdict: 'unchanged', reason: `not significant (p = ${pValue.toPrecision(2)} >= ${options.alpha.toPrecision(2)})` };
  if (!worse && !better) return { ...base, verdict: 'unchanged', reason: `significant (p = ${pValue.toPrecision(2)}) but the CI ${ciText} reaches into ${band}` };
  return { ...base, verdict: worse ? 'regressed' : 'improved', reason: `p = ${pValue.toPrecision(2)} < ${options.alpha.toPrecision(2)} and the whole CI ${ciText} lies ${below ? 'below' : 'above'} ${band}` };
}

/** Whether the CI lies inside the noise band: the metric is shown to be unchanged. */
export function withinBand(ci: [number, number], threshold: number): boolean {
  return ci[0] >= 1 - threshold && ci[1] <= 1 + threshold;
}
