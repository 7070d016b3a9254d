/**
 * The Friedman test and Conover's post-hoc comparisons, as F-race uses them to drop candidates
 * (Birattari, Stützle, Paquete & Varrentrapp, "A racing algorithm for configuring metaheuristics",
 * GECCO 2002; Conover, Practical Nonparametric Statistics, 3rd ed., 1999, pp. 369-371).
 *
 * Each round (block) ranks the candidates measured in it, best first; the statistic compares
 * their rank sums. Testing every candidate against whichever one happens to look best dropped
 * 7.8% of equal candidates at alpha 5% (the best-looking one is the luckiest); the omnibus test
 * first keeps false drops among equal candidates at most alpha per look, and only when it rejects
 * are candidates compared with the best, with Conover's t statistic on rank sums.
 */
import jStat from 'jstat';

/** Ranks of `scores` (higher is better: rank 1 is the highest), mid-ranks for ties. */
function ranksBestFirst(scores: readonly number[]): number[] {
  const order = scores.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s);
  const ranks = new Array<number>(scores.length);
  for (let p = 0; p < order.length; ) {
    let q = p;
    while (q + 1 < order.length && order[q + 1].s === order[p].s) q++;
    for (let r = p; r <= q; r++) ranks[order[r].i] = (p + q) / 2 + 1;
    p = q + 1;
  }
  return ranks;
}

export interface FriedmanResult {
  /** Rank sum of each candidate (lower is better). */
  rankSums: number[];
  /** The statistic, adjusted for ties (chi-square with k - 1 degrees of freedom under H0). */
  statistic: number;
  pValue: number;
  /** Conover's least significant difference of two rank sums at `alpha` (two-sided). */
  criticalDifference: number;
}

/**
 * The Friedman test of k >= 3 candidates over n >= 2 blocks: `scores[block][candidate]`, higher is
 * better. `alpha` sets the post-hoc critical difference.
 */
export function friedman(scores: readonly (readonly number[])[], alpha: number): FriedmanResult {
  const n = scores.length;
  const k = scores[0]?.length ?? 0;
  if (n < 2 || k < 3) throw new Error(`friedman needs at least 2 blocks of 3 candidates, got ${n} x ${k}`);
  const rankSums = new Array<number>(k).fill(0);
  let a1 = 0;
  for (const block of scores) {
    if (block.length !== k) throw new Error('friedman: every block must score every candidate');
    const r = ranksBestFirst(block);
    for (let j = 0; j < k; j++) {
      rankSums[j] += r[j];
      a1 += r[j] * r[j];
    }
  }
  const c1 = (n * k * (k + 1) ** 2) / 4;
  const sumSquares = rankSums.reduce((s, r) => s + r * r, 0);
  // Every block all ties: nothing to tell apart.
  if (a1 - c1 <= 0) return { rankSums, statistic: 0, pValue: 1, criticalDifference: Infinity };
  const statistic = ((k - 1) * (sumSquares - n * c1)) / (a1 - c1);
  const pValue = 1 - jStat.chisquare.cdf(statistic, k - 1);
  const dof = (n - 1) * (k - 1);
  const spread = (2 * (n * a1 - sumSquares)) / dof;
  const criticalDifference = jStat.studentt.inv(1 - alpha / 2, dof) * Math.sqrt(Math.max(0, spread));
  return { rankSums, statistic, pValue: Math.max(0, pValue), criticalDifference };
}
