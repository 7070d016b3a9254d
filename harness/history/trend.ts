/**
 * A metric series from the history, ready to show and judge: each commit's median with its
 * distribution-free CI over the rounds it recorded, and the change points between commits
 * (change-points.ts on the commits' medians), each named by the commit where the new level starts
 * and called a regression or an improvement by the metric's direction. Pure: compute here,
 * render in reports/history-charts.ts.
 */
import { median, medianCi } from '../stats/basics.js';
import { detectSteps } from './change-points.js';
import type { Series, SeriesKey } from './runs.js';

/** Fewest commits a series needs before change points are looked for: three on each side. */
export const MIN_SEGMENT = 3;
export const MIN_POINTS = 2 * MIN_SEGMENT;

export interface TrendPoint {
  commit: string;
  short: string;
  branch: string | null;
  recordedAt: string;
  rounds: number;
  median: number;
  ci: [number, number];
}

export interface ChangePoint {
  /** Index of the first commit of the new level. */
  index: number;
  commit: string;
  /** The commit before it: the change happened between the two. */
  previous: string;
  /** New level / old level (Hodges-Lehmann), with its 95% CI. */
  ratio: number;
  ci: [number, number];
  pValue: number;
  kind: 'regression' | 'improvement';
}

export interface Trend {
  key: SeriesKey;
  label: string;
  points: TrendPoint[];
  changes: ChangePoint[];
  /** Why change points were not looked for (too few commits), else null. */
  note: string | null;
}

export const shortSha = (commit: string) => (/^[0-9a-f]{40}$/i.test(commit) ? commit.slice(0, 8) : commit.slice(0, 12));

export function seriesLabel(key: SeriesKey): string {
  return `${key.scenario}${key.quick ? ' (quick)' : ''} ${key.implementation} ${key.metric}`;
}

export interface TrendOptions {
  seed: number;
  alpha: number;
}

export function trendOf(series: Series, options: TrendOptions): Trend {
  const points = series.points.map((p) => ({ commit: p.commit, short: shortSha(p.commit), branch: p.branch, recordedAt: p.recordedAt, rounds: p.values.length, median: median(p.values), ci: medianCi(p.values) }));
  const label = seriesLabel(series.key);
  if (points.length < MIN_POINTS) return { key: series.key, label, points, changes: [], note: `${points.length} commits: change points need at least ${MIN_POINTS}` };
  const steps = detectSteps(
    points.map((p) => p.median),
    { seed: options.seed, alpha: options.alpha, minSegment: MIN_SEGMENT },
  );
  const changes = steps.map((s) => ({
    index: s.index,
    commit: points[s.index].commit,
    previous: points[s.index - 1].commit,
    ratio: s.ratio,
    ci: s.ci,
    pValue: s.pValue,
    kind: (s.ratio < 1) === (series.key.better === 'higher') ? ('regression' as const) : ('improvement' as const),
  }));
  return { key: series.key, label, points, changes, note: null };
}
