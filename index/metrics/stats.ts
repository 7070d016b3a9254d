/**
 * Pure statistics over plain arrays, shared by the index's adaptive mode and the harness (which
 * may import the index, never the other way round). Built on simple-statistics where it has the
 * piece; the Mann-Whitney U p-value is computed here (simple-statistics gives the rank sum only).
 */
import * as ss from 'simple-statistics';

/** Median of `xs` (NaN for an empty array). */
export function median(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : ss.median([...xs]);
}

/** The q-quantile of `xs`, 0 <= q <= 1. */
export function quantile(xs: readonly number[], q: number): number {
  return xs.length === 0 ? Number.NaN : ss.quantile([...xs], q);
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : ss.mean([...xs]);
}

/** Standard deviation / mean (0 for fewer than two samples). */
export function coefficientOfVariation(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = ss.mean([...xs]);
  return m === 0 ? 0 : ss.sampleStandardDeviation([...xs]) / Math.abs(m);
}

/**
 * The standard normal CDF. simple-statistics' cumulativeStdNormalProbability reads a two-decimal
 * table (a p of 0.0013 came out as 0.002); its errorFunction is good to about 1e-7.
 */
export function normalCdf(z: number): number {
  return 0.5 * (1 + ss.errorFunction(z / Math.SQRT2));
}

export interface MannWhitney {
  /** U of the first sample: how many (x, y) pairs have x > y (ties count a half). */
  u: number;
  /** Two-sided p-value. */
  pValue: number;
  /** One-sided p-value for "x tends to be greater than y". */
  pGreater: number;
  /** One-sided p-value for "x tends to be less than y". */
  pLess: number;
  /** Whether the exact distribution was used (small samples, ties included) or the normal approximation. */
  exact: boolean;
}

/** Number of ways to get each U for sample sizes m and n (no ties): the exact null distribution. */
export function exactUCounts(m: number, n: number): Float64Array {
  // counts[i][j][u]: arrangements of i x's and j y's giving U = u. Built by the usual recurrence.
  let previous: Float64Array[] = [];
  for (let i = 0; i <= m; i++) {
    const row: Float64Array[] = [];
    for (let j = 0; j <= n; j++) {
      const counts = new Float64Array(i * j + 1);
      if (i === 0 || j === 0) counts[0] = 1;
      else {
        // The largest value is an x (adds j to U) or a y (adds nothing).
        const fromX = previous[j];
        const fromY = row[j - 1];
        for (let u = 0; u < fromX.length; u++) counts[u + j] += fromX[u];
        for (let u = 0; u < fromY.length; u++) counts[u] += fromY[u];
      }
      row.push(counts);
    }
    previous = row;
  }
  return previous[n];
}

/** Most values (both samples) for which the exact distribution, ties included, is computed. */
export const MANN_WHITNEY_EXACT_N = 60;

/**
 * The exact permutation distribution of the first sample's doubled rank sum, for the doubled
 * mid-ranks at hand (ties included): P(sum = s) for every s, choosing `m` of them at random.
 */
function rankSumDistribution(doubledRanks: readonly number[], m: number): Float64Array {
  const total = doubledRanks.reduce((a, r) => a + r, 0);
  // ways[j][s]: subsets of j ranks summing to s (a 0/1 knapsack, j counted down).
  const ways = Array.from({ length: m + 1 }, () => new Float64Array(total + 1));
  ways[0][0] = 1;
  let reach = 0;
  for (const r of doubledRanks) {
    for (let j = m; j >= 1; j--) {
      const to = ways[j];
      const from = ways[j - 1];
      for (let s = reach; s >= 0; s--) if (from[s] !== 0) to[s + r] += from[s];
    }
    reach += r;
  }
  const count = ways[m].reduce((a, c) => a + c, 0);
  return ways[m].map((c) => c / count);
}

/**
 * Mann-Whitney U test of two independent samples. Exact when both together hold at most
 * MANN_WHITNEY_EXACT_N values: the permutation distribution of the rank sum given the ties (with
 * ties the normal approximation was off by a factor of two on tiny samples: x = [1,1,1] against
 * y = [2,2,2] gave p = 0.047 where the exact p is 0.10). The normal approximation with tie and
 * continuity correction beyond.
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitney {
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) return { u: Number.NaN, pValue: 1, pGreater: 1, pLess: 1, exact: false };
  const all = [...x.map((v) => ({ v, fromX: true })), ...y.map((v) => ({ v, fromX: false }))].sort((a, b) => a.v - b.v);
  // Doubled mid-ranks for ties (integers); the tie term for the variance.
  const doubled = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    for (let k = i; k <= j; k++) doubled[k] = i + j + 2;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  let doubledSumX = 0;
  all.forEach((entry, i) => {
    if (entry.fromX) doubledSumX += doubled[i];
  });
  const u = doubledSumX / 2 - (m * (m + 1)) / 2;
  const N = m + n;
  if (N <= MANN_WHITNEY_EXACT_N) {
    const p = rankSumDistribution(doubled, m);
    let atLeast = 0;
    let atMost = 0;
    for (let s = 0; s < p.length; s++) {
      if (s >= doubledSumX) atLeast += p[s];
      if (s <= doubledSumX) atMost += p[s];
    }
    const pGreater = Math.min(1, atLeast);
    const pLess = Math.min(1, atMost);
    return { u, pValue: Math.min(1, 2 * Math.min(pGreater, pLess)), pGreater, pLess, exact: true };
  }
  const meanU = (m * n) / 2;
  const variance = (m * n * (N + 1 - tieTerm / (N * (N - 1)))) / 12;
  if (variance <= 0) return { u, pValue: 1, pGreater: 1, pLess: 1, exact: false };
  const sd = Math.sqrt(variance);
  const zGreater = (u - meanU - 0.5) / sd;
  const zLess = (u - meanU + 0.5) / sd;
  const pGreater = 1 - normalCdf(zGreater);
  const pLess = normalCdf(zLess);
  return { u, pValue: Math.min(1, 2 * Math.min(pGreater, pLess)), pGreater, pLess, exact: false };
}
