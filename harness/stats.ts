/**
 * Statistics over plain arrays of samples: pure functions, no knowledge of scenarios or charts.
 * The basics live in the index (its adaptive mode tests significance too) and are re-exported here;
 * resampling uses a seeded generator so reports are reproducible.
 */
import * as ss from 'simple-statistics';
import { Rng } from '../scenarios/random.js';

export { coefficientOfVariation, mannWhitneyU, mean, median, quantile, type MannWhitney } from '../index/metrics/stats.js';

/**
 * Percentile bootstrap confidence interval of `statistic` over `xs`: resample with replacement
 * `resamples` times and take the (1-level)/2 and (1+level)/2 quantiles of the statistic.
 */
export function bootstrapCi(
  xs: readonly number[],
  statistic: (sample: number[]) => number = (s) => ss.median(s),
  options: { level?: number; resamples?: number; seed?: number } = {},
): [number, number] {
  if (xs.length === 0) return [Number.NaN, Number.NaN];
  if (xs.length === 1) return [xs[0], xs[0]];
  const level = options.level ?? 0.95;
  const rng = new Rng(options.seed ?? 0xb007);
  const random = () => rng.float();
  const stats = new Float64Array(options.resamples ?? 2000);
  for (let i = 0; i < stats.length; i++) stats[i] = statistic(ss.sampleWithReplacement([...xs], xs.length, random));
  const sorted = Array.from(stats).sort((a, b) => a - b);
  return [ss.quantileSorted(sorted, (1 - level) / 2), ss.quantileSorted(sorted, (1 + level) / 2)];
}
