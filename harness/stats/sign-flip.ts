/**
 * The sign-flip permutation test of paired differences (Fisher's test for the mean of symmetric
 * differences): under "no difference" each difference is as likely positive as negative, so the
 * p-value is the share of the 2^n sign patterns whose sum is at least as extreme as the one seen.
 *
 * Exact up to EXACT_ROUNDS: the differences are scaled to exact integers (exact-sum.ts) and the
 * 2^n sums are counted by meeting in the middle (the 2^(n/2) sums of each half, one half sorted
 * and searched), so ties are counted as ties. Monte Carlo beyond. It is the mean-based test and
 * one large difference dominates it; the verdicts use the signed-rank test (signed-rank.ts).
 */
import { Rng } from '../../scenarios/random.js';
import { toCommonScale } from './exact-sum.js';

export type Alternative = 'two-sided' | 'less' | 'greater';

/** Rounds up to which every sign pattern is counted (two halves of 2^15 sums). */
export const EXACT_ROUNDS = 30;
const MONTE_CARLO_FLIPS = 50_000;

/** Every sum of `values` with each value taken + or -. */
function signedSums(values: readonly bigint[]): bigint[] {
  let sums: bigint[] = [0n];
  for (const v of values) {
    const next: bigint[] = new Array(sums.length * 2);
    for (let i = 0; i < sums.length; i++) {
      next[2 * i] = sums[i] + v;
      next[2 * i + 1] = sums[i] - v;
    }
    sums = next;
  }
  return sums;
}

/** How many elements of sorted `xs` are below `x` (or at most `x`, with `orEqual`): a binary search. */
function countBelow(xs: readonly bigint[], x: bigint, orEqual: boolean): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x || (orEqual && xs[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Sign-flip p-value of `d` having mean zero. 'two-sided': patterns with |sum| >= |observed|;
 * 'less': sum <= observed; 'greater': sum >= observed.
 */
export function signFlipPValue(d: readonly number[], alternative: Alternative = 'two-sided', seed = 0x5eed): number {
  const n = d.length;
  if (n === 0) return 1;
  const scaled = toCommonScale(d);
  const observed = scaled.reduce((s, x) => s + x, 0n);
  const magnitudes = scaled.map((x) => (x < 0n ? -x : x));
  if (n <= EXACT_ROUNDS) {
    const half = n >> 1;
    const left = signedSums(magnitudes.slice(0, half));
    const right = signedSums(magnitudes.slice(half)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const abs = observed < 0n ? -observed : observed;
    let hits = 0;
    for (const l of left) {
      // Right sums r with l + r at least (or at most) the bound.
      const atLeast = (bound: bigint) => right.length - countBelow(right, bound - l, false);
      const atMost = (bound: bigint) => countBelow(right, bound - l, true);
      if (alternative === 'greater') hits += atLeast(observed);
      else if (alternative === 'less') hits += atMost(observed);
      else hits += abs === 0n ? right.length : atLeast(abs) + atMost(-abs);
    }
    return hits / 2 ** n;
  }
  const rng = new Rng(seed);
  const abs = observed < 0n ? -observed : observed;
  let hits = 0;
  for (let k = 0; k < MONTE_CARLO_FLIPS; k++) {
    let sum = 0n;
    for (let i = 0; i < n; i++) sum += rng.u32() & 1 ? magnitudes[i] : -magnitudes[i];
    const reaches = alternative === 'greater' ? sum >= observed : alternative === 'less' ? sum <= observed : sum >= abs || sum <= -abs;
    if (reaches) hits++;
  }
  return (hits + 1) / (MONTE_CARLO_FLIPS + 1);
}
