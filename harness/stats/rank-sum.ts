/**
 * The two-sample Hodges-Lehmann shift, for unpaired samples (a saved baseline's rounds against a
 * fresh run's): the median of the m * n differences y_j - x_i, with the distribution-free
 * interval between two of them whose ranks come from the exact null distribution of the
 * Mann-Whitney U (Hollander & Wolfe, ch. 4; as R's wilcox.test(x, y, conf.int = TRUE)). It goes
 * with the Mann-Whitney test: the interval excludes 0 exactly when the test rejects at its level.
 */
import { exactUCounts, normalCdf } from '../../index/metrics/stats.js';
import { medianOfSorted } from './signed-rank.js';

export interface Shift {
  estimate: number;
  ci: [number, number];
  /** Coverage of the interval under the no-ties null (at least the level, when the sizes allow). */
  coverage: number;
}

/** Largest sizes m * n for which the exact U distribution is computed. */
const EXACT_CELLS = 10_000;

/** The largest k with P(U <= k - 1) <= tail, and that probability. */
function uCut(m: number, n: number, tail: number): { k: number; below: number; p0: number } {
  if (m * n <= EXACT_CELLS) {
    const counts = exactUCounts(m, n);
    const total = counts.reduce((s, c) => s + c, 0);
    let below = 0;
    let k = 0;
    while (k < counts.length && below + counts[k] / total <= tail) {
      below += counts[k] / total;
      k++;
    }
    return { k, below, p0: counts[0] / total };
  }
  const mean = (m * n) / 2;
  const sd = Math.sqrt((m * n * (m + n + 1)) / 12);
  let k = 0;
  while (normalCdf((k + 0.5 - mean) / sd) <= tail) k++;
  return { k, below: normalCdf((k - 0.5 - mean) / sd), p0: normalCdf((0.5 - mean) / sd) };
}

/** Hodges-Lehmann estimate of the shift from `x` to `y` with its `level` interval. */
export function hodgesLehmannShift(x: readonly number[], y: readonly number[], level = 0.95): Shift {
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) return { estimate: Number.NaN, ci: [Number.NaN, Number.NaN], coverage: 0 };
  const diffs = new Float64Array(m * n);
  let i = 0;
  for (const a of x) for (const b of y) diffs[i++] = b - a;
  diffs.sort();
  const total = diffs.length;
  const estimate = medianOfSorted(diffs);
  const { k, below, p0 } = uCut(m, n, (1 - level) / 2);
  if (k === 0) return { estimate, ci: [diffs[0], diffs[total - 1]], coverage: 1 - 2 * p0 };
  return { estimate, ci: [diffs[k - 1], diffs[total - k]], coverage: 1 - 2 * below };
}
