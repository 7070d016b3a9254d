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
  /** Whether the exact distribution was used (small samples without ties) or the normal approximation. */
  exact: boolean;
}

/** Number of ways to get each U for sample sizes m and n (no ties): the exact null distribution. */
function exactUCounts(m: number, n: number): Float64Array {
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

/**
 * Mann-Whitney U test of two independent samples. Exact when both samples are small (m * n <= 400)
 * and there are no ties; otherwise the normal approximation with tie and continuity correction.
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitney {
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) return { u: Number.NaN, pValue: 1, pGreater: 1, pLess: 1, exact: false };
  const all = [...x.map((v) => ({ v, fromX: true })), ...y.map((v) => ({ v, fromX: false }))].sort((a, b) => a.v - b.v);
  // Mid-ranks for ties; the tie term for the variance.
  const ranks = new Float64Array(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = rank;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  let rankSumX = 0;
  all.forEach((entry, i) => {
    if (entry.fromX) rankSumX += ranks[i];
  });
  const u = rankSumX - (m * (m + 1)) / 2;
  if (tieTerm === 0 && m * n <= 400) {
    const counts = exactUCounts(m, n);
    const total = counts.reduce((s, c) => s + c, 0);
    let atLeast = 0;
    let atMost = 0;
    for (let k = 0; k < counts.length; k++) {
      if (k >= u) atLeast += counts[k];
      if (k <= u) atMost += counts[k];
    }
    const pGreater = atLeast / total;
    const pLess = atMost / total;
    return { u, pValue: Math.min(1, 2 * Math.min(pGreater, pLess)), pGreater, pLess, exact: true };
  }
  const N = m + n;
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
