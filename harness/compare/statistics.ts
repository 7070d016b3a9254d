/**
 * The statistics behind a verdict on A against B, from paired rounds: round i measured A and B in
 * one process, so A[i] and B[i] share whatever the machine did during that round.
 *
 * - ratio: the median over rounds of B[i] / A[i]. (The ratio of the two medians ignores the
 *   pairing: with rounds that differ by 10% from process to process, a 10% slowdown whose every
 *   round showed 0.90-0.93 came out as 0.94 with a CI of [0.88, 0.97].)
 * - ci: 95% bootstrap interval of that median (rounds resampled);
 * - pValue: exact two-sided sign-flip permutation test on the paired log ratios ln(B[i]/A[i])
 *   (under "no difference" each round's log ratio is as likely positive as negative), Monte Carlo
 *   beyond 20 rounds;
 * - verdict: regressed or improved only when p < alpha and the whole CI lies beyond the noise
 *   threshold on one side; otherwise unchanged.
 */
import * as ss from 'simple-statistics';
import { bootstrapCi, mannWhitneyU } from '../stats.js';
import { Rng } from '../../scenarios/random.js';

export type Better = 'higher' | 'lower';
export type Verdict = 'improved' | 'regressed' | 'unchanged';

/** Rounds up to which the sign-flip test enumerates every sign pattern (2^20 sums). */
const EXACT_ROUNDS = 20;
const MONTE_CARLO_FLIPS = 50_000;

/** Which departures from "no difference" a test looks for: either sign, or only a negative mean. */
export type Alternative = 'two-sided' | 'less';

/**
 * Sign-flip permutation p-value of `d` (paired differences) having mean zero. Two-sided: the share
 * of the 2^n sign patterns whose |sum| is at least the observed |sum|; 'less': the share whose sum
 * is at most the observed sum.
 */
export function signFlipPValue(d: readonly number[], seed = 0x5eed, alternative: Alternative = 'two-sided'): number {
  const n = d.length;
  if (n === 0) return 1;
  const abs = d.map(Math.abs);
  const sumOfD = d.reduce((s, x) => s + x, 0);
  const observed = Math.abs(sumOfD);
  // Sums equal up to rounding count as equal (a pattern equal to the observed one must count).
  const slack = observed * 1e-12 + 1e-15;
  const reaches = alternative === 'two-sided' ? (sum: number) => Math.abs(sum) >= observed - slack : (sum: number) => sum <= sumOfD + slack;
  let hits = 0;
  if (n <= EXACT_ROUNDS) {
    const total = abs.reduce((s, x) => s + x, 0);
    // Walk the patterns in Gray-code order: each step flips one sign.
    let sum = total;
    const negative = new Uint8Array(n);
    for (let k = 0; k < 2 ** n; k++) {
      if (k > 0) {
        const bit = 31 - Math.clz32(k & -k);
        sum += negative[bit] ? 2 * abs[bit] : -2 * abs[bit];
        negative[bit] ^= 1;
      }
      if (reaches(sum)) hits++;
    }
    return hits / 2 ** n;
  }
  const rng = new Rng(seed);
  for (let k = 0; k < MONTE_CARLO_FLIPS; k++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += rng.u32() & 1 ? abs[i] : -abs[i];
    if (reaches(sum)) hits++;
  }
  return (hits + 1) / (MONTE_CARLO_FLIPS + 1);
}

/** The smallest p-value the sign-flip test can give with `n` rounds (all rounds agreeing). */
export function smallestPValue(n: number): number {
  return n === 0 ? 1 : 2 / 2 ** n;
}

/** Each round's B / A. */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => b[i] / x);
}

/** Percentile bootstrap interval of the median of the paired ratios B[i] / A[i]. */
export function pairedRatioCi(a: readonly number[], b: readonly number[], options: { level?: number; resamples?: number; seed?: number } = {}): [number, number] {
  return bootstrapCi(pairedRatios(a, b), (s) => ss.median(s), { level: options.level, resamples: options.resamples ?? 4000, seed: options.seed ?? 0xc1 });
}

export interface JudgeOptions {
  better: Better;
  /** Noise threshold as a fraction (0.02: a change inside ±2% is never called). */
  threshold: number;
  alpha: number;
  seed?: number;
}

export interface Judgement {
  ratio: number;
  ci: [number, number];
  pValue: number;
  verdict: Verdict;
  reason: string;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const fixed = (x: number) => x.toFixed(3);

/** The verdict on paired samples `a` and `b` (one value of each per round). */
export function judge(a: readonly number[], b: readonly number[], options: JudgeOptions): Judgement {
  if (a.length !== b.length) throw new Error(`paired samples differ in length (${a.length} and ${b.length})`);
  if (a.length === 0) return { ratio: Number.NaN, ci: [Number.NaN, Number.NaN], pValue: 1, verdict: 'unchanged', reason: 'no rounds' };
  const ratio = ss.median(pairedRatios(a, b));
  const ci = pairedRatioCi(a, b, { seed: options.seed });
  const logRatios = a.map((x, i) => Math.log(b[i] / x));
  const pValue = logRatios.every(Number.isFinite) ? signFlipPValue(logRatios, options.seed) : 1;
  return verdictOf(ratio, ci, pValue, options);
}

/**
 * The verdict on unpaired samples (a saved baseline against a fresh run: no round of one shares a
 * process with a round of the other): ratio of the medians, a bootstrap CI resampling each side on
 * its own, and the two-sided Mann-Whitney U test. Weaker than paired rounds: processes differ by
 * 10-25% here, so expect wide CIs.
 */
export function judgeUnpaired(a: readonly number[], b: readonly number[], options: JudgeOptions): Judgement {
  if (a.length === 0 || b.length === 0) return { ratio: Number.NaN, ci: [Number.NaN, Number.NaN], pValue: 1, verdict: 'unchanged', reason: 'no rounds on one side' };
  const ratio = ss.median([...b]) / ss.median([...a]);
  const rng = new Rng(options.seed ?? 0xc1);
  const random = () => rng.float();
  const ratios = new Float64Array(4000);
  for (let i = 0; i < ratios.length; i++) ratios[i] = ss.median(ss.sampleWithReplacement([...b], b.length, random)) / ss.median(ss.sampleWithReplacement([...a], a.length, random));
  const sorted = Array.from(ratios).sort((x, y) => x - y);
  const ci: [number, number] = [ss.quantileSorted(sorted, 0.025), ss.quantileSorted(sorted, 0.975)];
  return verdictOf(ratio, ci, mannWhitneyU(a, b).pValue, options);
}

/** Regressed or improved only when p < alpha and the whole CI lies beyond the noise band on one side. */
function verdictOf(ratio: number, ci: [number, number], pValue: number, options: JudgeOptions): Judgement {
  const low = 1 - options.threshold;
  const high = 1 + options.threshold;
  const below = ci[1] < low;
  const above = ci[0] > high;
  const worse = options.better === 'higher' ? below : above;
  const better = options.better === 'higher' ? above : below;
  const band = `the ±${pct(options.threshold)} noise band`;
  const ciText = `[${fixed(ci[0])}, ${fixed(ci[1])}]`;
  if (pValue >= options.alpha) return { ratio, ci, pValue, verdict: 'unchanged', reason: `not significant (p = ${pValue.toPrecision(2)} >= ${options.alpha})` };
  if (!worse && !better) return { ratio, ci, pValue, verdict: 'unchanged', reason: `significant (p = ${pValue.toPrecision(2)}) but the CI ${ciText} reaches into ${band}` };
  return {
    ratio,
    ci,
    pValue,
    verdict: worse ? 'regressed' : 'improved',
    reason: `p = ${pValue.toPrecision(2)} < ${options.alpha} and the whole CI ${ciText} lies ${below ? 'below' : 'above'} ${band}`,
  };
}

/** Whether the CI lies inside the noise band: the metric is shown to be unchanged. */
export function withinBand(ci: [number, number], threshold: number): boolean {
  return ci[0] >= 1 - threshold && ci[1] <= 1 + threshold;
}
