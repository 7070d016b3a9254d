/** Charts of a tuning run: every candidate's score round by round, and the final ranking with CIs. */
import type { ChartConfiguration } from 'chart.js';
import { type ChartSpec, FONT, PALETTE, baseOptions, compact, guidePlugin, whiskerPlugin } from './chart-kit.js';
import type { TuningEntry } from './schema.js';

const WINNER = '#d62728';
const DROPPED = 'rgba(127, 127, 127, 0.55)';

/** A candidate's knobs without the implementation name, for axis labels. */
function shortLabel(c: TuningEntry['candidates'][number]): string {
  const knobs = Object.entries(c.knobs)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return c.isDefault ? `${knobs} (default)` : knobs;
}

/** Throughput per candidate per round: survivors in colour, dropped ones grey, ending where they were dropped. */
export function trajectoryChart(t: TuningEntry): ChartSpec {
  let colour = 0;
  const datasets = t.candidates.map((c) => {
    const winner = c.label === t.recommended.label;
    const survivor = c.droppedAfter === null;
    const stroke = winner ? WINNER : survivor ? PALETTE[colour++ % PALETTE.length] : DROPPED;
    return {
      label: shortLabel(c),
      data: c.scores.map((y, i) => ({ x: i + 1, y })),
      borderColor: stroke,
      backgroundColor: stroke,
      borderWidth: winner ? 3 : survivor ? 2 : 1,
      pointRadius: winner ? 3.5 : 2,
      // Only survivors are named in the legend; fifteen grey names would drown it.
      hiddenInLegend: !survivor,
    };
  });
  datasets.push({ label: `dropped (${t.candidates.filter((c) => c.droppedAfter !== null).length})`, data: [], borderColor: DROPPED, backgroundColor: DROPPED, borderWidth: 1, pointRadius: 0, hiddenInLegend: false });
  const options = baseOptions(
    `Tuning trajectory: ${t.scenario} (${t.mode})`,
    `throughput of each candidate in each round (one process measured all of a round's candidates in turns); ${t.stopped}`,
    'round',
    'throughput (ops/s)',
  );
  return {
    file: 'tuning-trajectory.png',
    title: 'Tuning trajectory',
    caption: 'Lines that move together from round to round are the machine; a gap between lines that holds in every round is a real difference. Grey lines end where the race dropped the candidate.',
    config: {
      type: 'line',
      data: { datasets: datasets as never },
      options: {
        ...options,
        scales: {
          x: { ...options.scales.x, type: 'linear', min: 1, max: Math.max(2, t.rounds), ticks: { ...options.scales.x.ticks, stepSize: 1 } },
          y: { ...options.scales.y, ticks: { ...options.scales.y.ticks, callback: (v: string | number) => compact(Number(v)) } },
        },
        plugins: {
          ...options.plugins,
          legend: { position: 'right', labels: { font: { family: FONT, size: 11 }, filter: (item: { datasetIndex?: number }, data: { datasets: { hiddenInLegend?: boolean }[] }) => !data.datasets[item.datasetIndex ?? 0].hiddenInLegend } },
        },
      } as ChartConfiguration['options'],
    },
    width: 1200,
    height: 600,
  };
}

/** Every candidate's throughput relative to the recommended one, with its CI, best first. */
export function rankingChart(t: TuningEntry, threshold: number): ChartSpec {
  const sorted = [...t.candidates].sort((x, y) => y.ratioToRecommended - x.ratioToRecommended);
  const colours = sorted.map((c) => (c.label === t.recommended.label ? WINNER : c.droppedAfter === null ? PALETTE[0] : '#9e9e9e'));
  const values = sorted.flatMap((c) => [c.ratioToRecommended, c.ci[0], c.ci[1]]).filter(Number.isFinite);
  const lo = Math.min(1 - threshold, ...values);
  const hi = Math.max(1 + threshold, ...values);
  const pad = (hi - lo) * 0.08;
  const options = baseOptions(`Ranking: ${t.scenario}`, '', 'candidate', 'throughput / recommended');
  options.plugins.subtitle = {
    ...options.plugins.subtitle,
    display: true,
    text: [
      `bars: candidate / recommended throughput (Hodges-Lehmann estimate over shared rounds); whiskers: its 95% CI; grey band: ±${(threshold * 100).toFixed(1)}% noise threshold`,
      'red: recommended, blue: survived the race, grey: dropped (fewer rounds, so wider whiskers)',
    ] as never,
  };
  return {
    file: 'tuning-ranking.png',
    title: 'Tuning ranking',
    caption: 'A candidate whose whisker reaches into the grey band around 1 is as good as the recommended one within the noise; the race could not separate them and did not need to.',
    config: {
      type: 'bar',
      data: { labels: sorted.map(shortLabel), datasets: [{ label: 'candidate / recommended', data: sorted.map((c) => c.ratioToRecommended), whiskers: sorted.map((c) => c.ci), backgroundColor: colours } as never] },
      options: {
        ...options,
        scales: { ...options.scales, y: { ...options.scales.y, min: lo - pad, max: hi + pad } },
        plugins: { ...options.plugins, legend: { display: false }, guides: { band: [1 - threshold, 1 + threshold], lines: [{ value: 1, label: '1.0 (as fast as the recommended)' }] } },
      } as ChartConfiguration['options'],
      plugins: [whiskerPlugin, guidePlugin],
    },
    width: Math.max(900, 60 * sorted.length + 240),
    height: 600,
  };
}

export function tuningCharts(t: TuningEntry | undefined, threshold: number): ChartSpec[] {
  return t ? [trajectoryChart(t), rankingChart(t, threshold)] : [];
}
