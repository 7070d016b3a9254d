/**
 * The history's trend charts and tables: per scenario and metric, one line per implementation
 * through each commit's median, its CI as whiskers, commits in the order they were measured
 * (short SHAs on the x axis), and each change point drawn where the new level starts.
 */
import type { ChartConfiguration, Plugin } from 'chart.js';
import { type ChartSpec, FONT, PALETTE, baseOptions, compact, logBounds, logTick, whiskerPlugin } from './chart-kit.js';
import { chartFileName } from './file-names.js';
import type { Trend } from '../harness/history/trend.js';

const REGRESSION = '#d62728';
const IMPROVEMENT = '#2ca02c';

/** Trends that share a chart: one scenario (same definition) and metric, every implementation. */
export interface TrendGroup {
  title: string;
  scenario: string;
  metric: string;
  unit: string;
  better: 'higher' | 'lower';
  trends: Trend[];
  /** Every commit of the group, in measuring order. */
  commits: { commit: string; short: string }[];
}

export function groupTrends(trends: readonly Trend[]): TrendGroup[] {
  const groups = new Map<string, TrendGroup>();
  for (const t of trends) {
    const k = [t.key.scenario, t.key.scenarioDigest, t.key.metric, t.key.fingerprint].join('\u0000');
    const g = groups.get(k) ?? { title: `${t.key.scenario}${t.key.quick ? ' (quick)' : ''}: ${t.key.metric}`, scenario: t.key.scenario, metric: t.key.metric, unit: t.key.unit, better: t.key.better, trends: [], commits: [] };
    g.trends.push(t);
    groups.set(k, g);
  }
  for (const g of groups.values()) {
    // The x axis: every commit of the group, ordered by when it was first recorded.
    const first = new Map<string, { short: string; at: string }>();
    for (const t of g.trends) for (const p of t.points) if (!first.has(p.commit) || p.recordedAt < first.get(p.commit)!.at) first.set(p.commit, { short: p.short, at: p.recordedAt });
    g.commits = [...first.entries()].sort((a, b) => (a[1].at < b[1].at ? -1 : a[1].at > b[1].at ? 1 : 0)).map(([commit, v]) => ({ commit, short: v.short }));
  }
  return [...groups.values()];
}

type ChangeMark = { at: number; colour: string; text: string };

/** A dashed vertical line halfway between the last commit of the old level and the first of the new. */
const changePlugin: Plugin = {
  id: 'changes',
  afterDatasetsDraw(chart, _args, options: { marks?: ChangeMark[] }) {
    const { ctx, chartArea } = chart;
    const x = chart.scales.x;
    (options.marks ?? []).forEach((mark, i) => {
      const at = (x.getPixelForValue(mark.at - 1) + x.getPixelForValue(mark.at)) / 2;
      ctx.save();
      ctx.strokeStyle = mark.colour;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(at, chartArea.top);
      ctx.lineTo(at, chartArea.bottom);
      ctx.stroke();
      ctx.font = `bold 12px ${FONT}`;
      const y = chartArea.top + 14 + 16 * (i % 4);
      ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
      ctx.fillRect(at + 2, y - 12, ctx.measureText(mark.text).width + 4, 16);
      ctx.fillStyle = mark.colour;
      ctx.fillText(mark.text, at + 4, y);
      ctx.restore();
    });
  },
};

const percent = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

export function trendChart(g: TrendGroup): ChartSpec {
  const index = new Map(g.commits.map((c, i) => [c.commit, i]));
  const marks: ChangeMark[] = [];
  const datasets = g.trends.map((t, d) => {
    const colour = PALETTE[d % PALETTE.length];
    const data: (number | null)[] = g.commits.map(() => null);
    const whiskers: ([number, number] | null)[] = g.commits.map(() => null);
    for (const p of t.points) {
      data[index.get(p.commit)!] = p.median;
      whiskers[index.get(p.commit)!] = p.ci;
    }
    for (const c of t.changes) marks.push({ at: index.get(c.commit)!, colour: c.kind === 'regression' ? REGRESSION : IMPROVEMENT, text: `${t.key.implementation} ${percent(c.ratio)} at ${c.commit.slice(0, 8)}` });
    return { label: t.key.implementation, data, whiskers, borderColor: colour, backgroundColor: colour, borderWidth: 2, pointRadius: 3, spanGaps: true };
  });
  const values = datasets.flatMap((d) => d.data.filter((v): v is number => v !== null));
  const whiskers = datasets.flatMap((d) => d.whiskers);
  // Implementations differ by orders of magnitude: a log axis keeps every line readable.
  const logScale = Math.max(...values) / Math.min(...values) > 5;
  const options = baseOptions(
    `History: ${g.title}`,
    `median of each commit's rounds (whiskers: 95% CI of the median); dashed lines: change points (E-divisive, red a regression, green an improvement); ${g.better} is better`,
    'commit (in the order measured)',
    `${g.metric} (${g.unit})`,
  );
  return {
    file: chartFileName('history', g.scenario, g.metric),
    title: g.title,
    caption: `Each commit's level with its CI. A dashed line marks where a lasting change starts: the commit right of it is the first at the new level.`,
    config: {
      type: 'line',
      data: { labels: g.commits.map((c) => c.short), datasets: datasets as never },
      options: {
        ...options,
        scales: {
          x: { ...options.scales.x, ticks: { ...options.scales.x.ticks, autoSkip: true, maxRotation: 60 } },
          y: logScale
            ? { ...options.scales.y, type: 'logarithmic', ...logBounds(values, whiskers), ticks: { ...options.scales.y.ticks, callback: logTick(compact) } }
            : { ...options.scales.y, ticks: { ...options.scales.y.ticks, callback: (v: string | number) => compact(Number(v)) } },
        },
        plugins: { ...options.plugins, changes: { marks } },
      } as ChartConfiguration['options'],
      plugins: [whiskerPlugin, changePlugin],
    },
    width: Math.max(960, Math.min(4000, 28 * g.commits.length + 300)),
    height: 540,
  };
}

const fmt = (v: number) => compact(v);

/** summary.md of `history show`: per chart, a table of commits x implementations and the change points. */
export function historyMarkdown(groups: readonly TrendGroup[], charts: readonly ChartSpec[], heading: string): string {
  const lines = ['# tunebench history', '', heading, ''];
  groups.forEach((g, i) => {
    lines.push(`## ${g.title}`, '', `${g.unit}, ${g.better} is better; median [95% CI] of each commit's rounds.`, '');
    lines.push(`| commit | ${g.trends.map((t) => t.key.implementation).join(' | ')} |`, `|---|${g.trends.map(() => '---|').join('')}`);
    for (const c of g.commits) {
      const cells = g.trends.map((t) => {
        const p = t.points.find((x) => x.commit === c.commit);
        const change = t.changes.find((x) => x.commit === c.commit);
        return p ? `${fmt(p.median)} [${fmt(p.ci[0])}, ${fmt(p.ci[1])}]${change ? ` **${change.kind} ${percent(change.ratio)}**` : ''}` : '';
      });
      lines.push(`| ${c.short} | ${cells.join(' | ')} |`);
    }
    lines.push('');
    const changes = g.trends.flatMap((t) => t.changes.map((c) => changeLine(t, c)));
    lines.push(...(changes.length > 0 ? changes.map((c) => `- ${c}`) : ['No change points.']), '');
    for (const t of g.trends) if (t.note) lines.push(`> ${t.key.implementation}: ${t.note}`, '');
    if (charts[i]) lines.push(`![${charts[i].title}](${charts[i].file})`, '');
  });
  return lines.join('\n');
}

/** One change point in words: what changed, where, by how much, how sure. */
export function changeLine(t: Trend, c: Trend['changes'][number]): string {
  return `${t.label}: ${c.kind} ${percent(c.ratio)} [${percent(c.ci[0])}, ${percent(c.ci[1])}] at ${c.commit.slice(0, 12)} (after ${c.previous.slice(0, 12)}), p = ${c.pValue.toFixed(3)}`;
}
