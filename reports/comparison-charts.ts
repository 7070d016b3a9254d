/**
 * Charts of A/B comparisons: every compared metric's ratio with its CI against the noise band,
 * and per metric the paired rounds of A and B side by side.
 */
import type { ChartConfiguration } from 'chart.js';
import { type ChartSpec, FONT, baseOptions, compact, guidePlugin, whiskerPlugin } from './chart-kit.js';
import type { CalibrationEntry, Comparison } from './schema.js';

export const VERDICT_COLOURS = { regressed: '#d62728', improved: '#2ca02c', unchanged: '#7f7f7f' } as const;

function label(c: Comparison, pairs: number): string {
  return pairs > 1 ? `${c.scenario} ${c.pair} ${c.metric}` : `${c.scenario} ${c.metric}`;
}

/** Beyond this many metrics the chart turns horizontal: one row per metric, readable at any count. */
const MAX_COLUMNS = 16;
/** The ratio axis shows at most this far from 1; whiskers beyond are clipped at the edge. */
const AXIS_REACH = 0.6;

/**
 * Ratio B/A per compared metric with its CI, against the noise band; regressions in red.
 * `colours` overrides the verdict colours (the gate colours only confirmed regressions red).
 */
export function comparisonChart(comparisons: Comparison[], threshold: number, file = 'comparison.png', title = 'B / A per metric', colours?: string[], legend?: string[], paired = true): ChartSpec | null {
  if (comparisons.length === 0) return null;
  const pairs = new Set(comparisons.map((c) => c.pair)).size;
  const labels = comparisons.map((c) => label(c, pairs));
  const horizontal = comparisons.length > MAX_COLUMNS;
  const options = baseOptions(title, '', horizontal ? 'ratio B / A' : 'scenario and metric', horizontal ? '' : 'ratio B / A');
  options.plugins.subtitle = {
    ...options.plugins.subtitle,
    display: true,
    text: [`bars: B / A (Hodges-Lehmann estimate ${paired ? 'over paired rounds' : 'between the two sides\' rounds, unpaired'}); whiskers: its 95% CI; grey band: ±${(threshold * 100).toFixed(1)}% noise threshold`, ...(legend ?? ['red: regressed, green: improved, grey: unchanged'])] as never,
  };
  const values = comparisons.flatMap((c) => [c.ratio, c.ci[0], c.ci[1]]).filter(Number.isFinite);
  const lo = Math.max(1 - AXIS_REACH, Math.min(1 - threshold, ...values));
  const hi = Math.min(1 + AXIS_REACH, Math.max(1 + threshold, ...values));
  const pad = (hi - lo) * 0.08;
  const ratioAxis = { min: lo - pad, max: hi + pad };
  const scales = horizontal
    ? { x: { ...options.scales.x, ...ratioAxis }, y: { ...options.scales.y, ticks: { ...options.scales.y.ticks, autoSkip: false, font: { family: FONT, size: 11 } } } }
    : { ...options.scales, y: { ...options.scales.y, ...ratioAxis } };
  return {
    file,
    title: 'Comparison',
    caption: 'Beyond 1 B is higher than A: better for throughput, worse for latency and time per operation. A metric is flagged only when its whole whisker lies outside the grey band and the test is significant.',
    config: {
      type: 'bar',
      data: { labels, datasets: [{ label: 'B / A', data: comparisons.map((c) => c.ratio), whiskers: comparisons.map((c) => c.ci), backgroundColor: colours ?? comparisons.map((c) => VERDICT_COLOURS[c.verdict]), base: 1 } as never] },
      options: {
        ...options,
        ...(horizontal ? { indexAxis: 'y' } : {}),
        scales,
        plugins: { ...options.plugins, legend: { display: false }, guides: { band: [1 - threshold, 1 + threshold], lines: [{ value: 1, label: '1.0 (no change)' }] } },
      } as ChartConfiguration['options'],
      plugins: [whiskerPlugin, guidePlugin],
    },
    width: horizontal ? 1100 : Math.max(900, 70 * labels.length + 240),
    height: horizontal ? 200 + 20 * labels.length : 560,
  };
}

const format = (c: Comparison, v: number) => (c.unit === 'ns' ? (v >= 1e6 ? `${(v / 1e6).toFixed(2)} ms` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} µs` : `${Math.round(v)} ns`) : compact(v));

/**
 * One metric's paired rounds: a line per round from A's value to B's (one process measured both),
 * and each side's median as a bar. Lines that all slope one way are what a real change looks like.
 */
export function pairedChart(c: Comparison, file: string): ChartSpec {
  const rounds = c.a.samples.map((a, i) => ({
    type: 'line' as const,
    label: `round ${i + 1}`,
    data: [
      { x: 0, y: a },
      { x: 1, y: c.b.samples[i] },
    ],
    borderColor: 'rgba(90, 90, 90, 0.45)',
    backgroundColor: 'rgba(90, 90, 90, 0.6)',
    pointRadius: 3,
    borderWidth: 1.5,
  }));
  const medians = {
    type: 'scatter' as const,
    label: 'median',
    data: [
      { x: 0, y: c.a.median },
      { x: 1, y: c.b.median },
    ],
    pointStyle: 'line' as const,
    pointRadius: 40,
    pointBorderWidth: 4,
    borderColor: VERDICT_COLOURS[c.verdict],
    backgroundColor: VERDICT_COLOURS[c.verdict],
  };
  const all = [...c.a.samples, ...c.b.samples];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = (hi - lo || hi * 0.05) * 0.15;
  const title = `${c.scenario} ${c.metric}: B / A = ${c.ratio.toFixed(3)} [${c.ci[0].toFixed(3)}, ${c.ci[1].toFixed(3)}]`;
  const subtitle = `${c.verdict.toUpperCase()} · p = ${c.pValue.toPrecision(2)} (held to ${c.alpha.toPrecision(2)}) · ${c.rounds} paired rounds · ${c.better} is better · lines join the two arms of one round`;
  // Time ticks carry their own unit (ns, µs, ms); other units go in the axis title.
  const options = baseOptions(title, subtitle, '', c.unit === 'ns' ? c.metric : `${c.metric} (${c.unit})`);
  return {
    file,
    title: `${c.scenario} ${c.pair} ${c.metric}`,
    caption: `Each grey line is one round (one process that measured A and B in turns); the coloured bars are the medians. ${c.reason}.`,
    config: {
      type: 'line',
      data: { datasets: [...rounds, medians] as never },
      options: {
        ...options,
        plugins: { ...options.plugins, legend: { display: false } },
        scales: {
          x: {
            grid: { display: false },
            type: 'linear',
            min: -0.5,
            max: 1.5,
            ticks: { font: { family: FONT, size: 12 }, stepSize: 0.5, callback: (v: string | number) => (Number(v) === 0 ? c.a.implementation : Number(v) === 1 ? c.b.implementation : '') },
          },
          y: { ...options.scales.y, suggestedMin: Math.max(0, lo - pad), suggestedMax: hi + pad, ticks: { ...options.scales.y.ticks, callback: (v: string | number) => format(c, Number(v)) } },
        },
      } as ChartConfiguration['options'],
    },
    width: 760,
    height: 520,
  };
}

const METRIC_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b'];
const POINT_STYLES = ['rect', 'triangle', 'rectRot', 'star', 'cross'] as const;

/** Detection rate against injected slowdown (0 = the A/A false-alarm rate), overall and per metric. */
export function detectionChart(calibration: CalibrationEntry): ChartSpec | null {
  const effects = calibration.effects;
  if (effects.length === 0) return null;
  const metrics = [...new Set(effects.flatMap((e) => Object.keys(e.byMetric)))];
  const point = (e: CalibrationEntry['effects'][number], value: number) => ({ x: e.effect * 100, y: value * 100 });
  const datasets = [
    { label: 'any metric (what fails a gate)', data: effects.map((e) => point(e, e.rate)), borderColor: '#d62728', backgroundColor: '#d62728', borderWidth: 3, pointRadius: 5 },
    // Distinct point shapes: metric lines often coincide, and a hidden line must still show.
    ...metrics.map((m, i) => ({ label: m, data: effects.map((e) => point(e, e.byMetric[m] ?? 0)), borderColor: METRIC_COLOURS[i % METRIC_COLOURS.length], backgroundColor: METRIC_COLOURS[i % METRIC_COLOURS.length], borderDash: [5, 4], borderWidth: 1.5, pointRadius: 6 - i, pointStyle: POINT_STYLES[i % POINT_STYLES.length] })),
  ];
  const trials = Math.min(...effects.map((e) => e.trials));
  const options = baseOptions('Detection rate against injected slowdown', `${trials}+ trials per effect; at 0% the rate is the A/A false-alarm rate; dashed lines at 95% (target detection) and 1% (target false alarms)`, 'injected slowdown of B (%)', 'trials flagged (%)');
  return {
    file: 'detection.png',
    title: 'Detection rate',
    caption: 'Each point is the share of full comparisons (sequential, at the chosen settings) that called B regressed. The curve should sit near 0 at 0% and climb to 100% before the slowdowns you care about.',
    config: {
      type: 'line',
      data: { datasets: datasets as never },
      options: {
        ...options,
        scales: { x: { ...options.scales.x, type: 'linear', min: 0 }, y: { ...options.scales.y, min: 0, max: 100 } },
        datasets: { line: { clip: 8 } },
        plugins: { ...options.plugins, guides: { lines: [{ value: 95, label: '95%' }, { value: 1, label: '1%' }] } },
      } as ChartConfiguration['options'],
      plugins: [guidePlugin],
    },
  };
}
