/**
 * Change points in a metric's history: E-divisive means (Matteson & James, "A Nonparametric
 * Approach for Multiple Change Point Analysis of Multivariate Data", JASA 2014), the method of
 * MongoDB's change-point detection (Daly et al., ICPE 2020) and of Hunter / Apache Otava, with its
 * permutation test. Written here because no maintained JavaScript package implements it (npm has
 * PELT and CUSUM toys, not E-divisive with a significance test); R's `ecp::e.divisive` is the
 * reference, and the test suite checks the statistic against a direct O(n^3) evaluation.
 *
 * On log values (a step is a ratio), with exponent alpha = 1:
 *
 *   e(tau) = 2/(m k) sum_ij |x_i - y_j| - 1/C(m,2) sum_i<i' |x_i - x_i'| - 1/C(k,2) sum_j<j' |y_j - y_j'|
 *   Q(tau) = m k / (m + k) * e(tau)
 *
 * for the split of a segment into x (m points before tau) and y (k points from tau on). Binary
 * segmentation as in e.divisive: the best split over every current segment is tested by
 * permutation (the segment's values shuffled `permutations` times; p = (1 + #{Q* >= Q}) /
 * (1 + permutations)); if p < alpha it becomes a change point and the search goes on, else it
 * stops. Deterministic for a given seed.
 */
import { Rng, shuffle } from '../../scenarios/random.js';
import { hodgesLehmannShift } from '../stats/rank-sum.js';

export interface DetectOptions {
  /** Level of each permutation test (default 0.01). */
  alpha?: number;
  /** Permutations per test (default 499). */
  permutations?: number;
  /** Fewest points on each side of a split (default 3). */
  minSegment?: number;
  seed?: number;
}

export interface Split {
  /** First index of the new regime. */
  index: number;
  q: number;
  pValue: number;
}

/**
 * The best split of `x[start, end)`: the tau and kappa (start < tau < kappa <= end, at least
 * `minSegment` points on each side) with the largest Q for x = [start, tau) against
 * y = [tau, kappa). Searching kappa as well (as e.divisive does) finds a regime in the middle of a
 * segment, such as a regression that a later commit undid, which no single split of the whole
 * segment separates well. Within-interval sums of |x_i - x_j| come from one table of every
 * interval, so each (tau, kappa) costs O(1) once the table is filled.
 */
export function bestSplit(x: readonly number[], start: number, end: number, minSegment: number): { tau: number; kappa: number; q: number } | null {
  const n = end - start;
  if (n < 2 * minSegment) return null;
  // W(a, b): sum of |x_i - x_j| over a <= i < j < b (offsets from start), every interval.
  const W = new Float64Array((n + 1) * (n + 1));
  for (let a = 0; a < n; a++) {
    let sum = 0;
    for (let b = a + 1; b <= n; b++) {
      // Adding point b - 1 to [a, b - 1): its distances to every earlier point of the interval.
      let row = 0;
      const xb = x[start + b - 1];
      for (let i = a; i < b - 1; i++) row += Math.abs(x[start + i] - xb);
      sum += row;
      W[a * (n + 1) + b] = sum;
    }
  }
  const w = (a: number, b: number) => W[a * (n + 1) + b];
  let best: { tau: number; kappa: number; q: number } | null = null;
  for (let m = minSegment; m <= n - minSegment; m++) {
    const left = w(0, m);
    for (let kappa = m + minSegment; kappa <= n; kappa++) {
      const k = kappa - m;
      const right = w(m, kappa);
      const cross = w(0, kappa) - left - right;
      const e = (2 * cross) / (m * k) - (2 * left) / (m * (m - 1)) - (2 * right) / (k * (k - 1));
      const q = ((m * k) / (m + k)) * e;
      if (!best || q > best.q) best = { tau: start + m, kappa: start + kappa, q };
    }
  }
  return best;
}

/** Q of x = x[start, tau) against y = x[tau, kappa), straight from its definition (O(L^2), for tests). */
export function qDirect(x: readonly number[], start: number, tau: number, kappa: number): number {
  const left = x.slice(start, tau);
  const right = x.slice(tau, kappa);
  const m = left.length;
  const k = right.length;
  let cross = 0;
  for (const a of left) for (const b of right) cross += Math.abs(a - b);
  let withinLeft = 0;
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) withinLeft += Math.abs(left[i] - left[j]);
  let withinRight = 0;
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) withinRight += Math.abs(right[i] - right[j]);
  const e = (2 * cross) / (m * k) - withinLeft / ((m * (m - 1)) / 2) - withinRight / ((k * (k - 1)) / 2);
  return ((m * k) / (m + k)) * e;
}

/** E-divisive change points of `values` (already on the scale to compare: logs), in index order. */
export function eDivisive(values: readonly number[], options: DetectOptions = {}): Split[] {
  const alpha = options.alpha ?? 0.01;
  const permutations = options.permutations ?? 499;
  const minSegment = options.minSegment ?? 3;
  const rng = new Rng(options.seed ?? 1);
  const found: Split[] = [];
  for (;;) {
    const bounds = [0, ...found.map((s) => s.index).sort((a, b) => a - b), values.length];
    let candidate: { tau: number; kappa: number; q: number; start: number; end: number } | null = null;
    for (let b = 0; b + 1 < bounds.length; b++) {
      const split = bestSplit(values, bounds[b], bounds[b + 1], minSegment);
      if (split && (!candidate || split.q > candidate.q)) candidate = { ...split, start: bounds[b], end: bounds[b + 1] };
    }
    if (!candidate || !(candidate.q > 0)) break;
    // The null: the candidate's segment has no change; its values in any order are as likely.
    const segment = values.slice(candidate.start, candidate.end);
    let atLeast = 0;
    for (let p = 0; p < permutations; p++) {
      const shuffled = shuffle(rng, segment.slice());
      const q = bestSplit(shuffled, 0, shuffled.length, minSegment)?.q ?? 0;
      if (q >= candidate.q) atLeast++;
    }
    const pValue = (1 + atLeast) / (1 + permutations);
    if (pValue >= alpha) break;
    found.push({ index: candidate.tau, q: candidate.q, pValue });
  }
  return found.sort((a, b) => a.index - b.index);
}

export interface Step {
  /** First index of the new regime. */
  index: number;
  /** after / before: the Hodges-Lehmann estimate of the shift between the neighbouring regimes, as a ratio. */
  ratio: number;
  ci: [number, number];
  pValue: number;
}

/** Change points of a positive series, each with the size of its step against the regime before it. */
export function detectSteps(values: readonly number[], options: DetectOptions = {}): Step[] {
  const logs = values.map(Math.log);
  const splits = eDivisive(ranks(logs), options);
  const bounds = [0, ...splits.map((s) => s.index), values.length];
  return splits.map((split, k) => {
    const before = logs.slice(bounds[k], split.index);
    const after = logs.slice(split.index, bounds[k + 2]);
    const shift = hodgesLehmannShift(before, after);
    return { index: split.index, ratio: Math.exp(shift.estimate), ci: [Math.exp(shift.ci[0]), Math.exp(shift.ci[1])], pValue: split.pValue };
  });
}

/**
 * Mid-ranks (ties share the mean rank). The search runs on ranks: one stalled run (a third
 * slower, 13 standard deviations of this machine's per-run noise) then weighs like any other
 * low point, where on raw values it dominated every distance and hid a 5% step (recall 7.5%
 * against 72% without the stalls, on planted series).
 */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) out[order[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}
