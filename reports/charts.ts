/**
 * Chart.js configurations for a report. Each chart says what it shows in its title, names its
 * axes with units, and keeps one colour per implementation across every chart of a report.
 * Rendering happens in render.ts; this module only builds configurations from report data.
 */
import type { ChartConfiguration } from 'chart.js';
import { type ChartSpec, PALETTE, baseOptions, compact, guidePlugin, logBounds, logTick, upperBound, valueLabelPlugin, whiskerPlugin } from './chart-kit.js';
import { VERDICT_COLOURS, comparisonChart, detectionChart, pairedChart } from './comparison-charts.js';
import type { Report, ResultEntry } from './schema.js';
import { tuningCharts } from './tuning-charts.js';
import { claimsChart } from './claims-chart.js';
import { chartFileName } from './file-names.js';

export type { ChartSpec };

function colourMap(report: Report): Map<string, string> {
  const names = [...new Set(report.results.map((r) => r.implementation))];
  return new Map(names.map((name, i) => [name, PALETTE[i % PALETTE.length]]));
}

function roundsNote(results: ResultEntry[]): string {
  const rounds = [...new Set(results.map((r) => r.rounds))];
  return rounds.length === 1 ? `${rounds[0]} rounds` : `${Math.min(...rounds)}-${Math.max(...rounds)} rounds`;
}

/** Throughput of every implementation in every workload scenario, with 95% CI whiskers. */
function throughputChart(report: Report, colours: Map<string, string>): ChartSpec | null {
  const results = report.results.filter((r) => r.metrics.opsPerSec !== null);
  if (results.length === 0) return null;
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  const impls = [...new Set(results.map((r) => r.implementation))];
  const datasets = impls.map((impl) => {
    const rows = scenarios.map((s) => results.find((r) => r.scenario === s && r.implementation === impl));
    return {
      label: impl,
      data: rows.map((r) => r?.metrics.opsPerSec?.median ?? null),
      whiskers: rows.map((r) => r?.metrics.opsPerSec?.ci ?? null),
      backgroundColor: colours.get(impl),
    };
  });
  const options = baseOptions('Throughput per scenario', `median of ${roundsNote(results)}; whiskers: 95% confidence interval of the median (the range under 6 rounds); log scale`, 'scenario', 'operations per second (log scale)');
  const bounds = logBounds(datasets.flatMap((d) => d.data), datasets.flatMap((d) => d.whiskers));
  return {
    file: 'throughput.png',
    title: 'Throughput',
    caption: 'Taller is better; the axis is logarithmic, so equal gaps are equal ratios. Each bar is the median over rounds; where whiskers of two bars overlap, the difference is within the noise of this run.',
    config: {
      type: 'bar',
      data: { labels: scenarios, datasets },
      options: { ...options, scales: { ...options.scales, y: { ...options.scales.y, type: 'logarithmic', ...bounds, ticks: { ...options.scales.y.ticks, callback: logTick(compact) } } } },
      plugins: [whiskerPlugin, valueLabelPlugin],
    },
    width: Math.max(960, 190 * scenarios.length + 200),
  };
}

/** Latency percentiles of each implementation for one workload scenario, on a log axis. */
function latencyChart(report: Report, scenario: string, colours: Map<string, string>): ChartSpec | null {
  const results = report.results.filter((r) => r.scenario === scenario && r.metrics.latencyNs !== null);
  if (results.length === 0) return null;
  const labels = ['p50', 'p95', 'p99', 'p99.9'];
  const datasets = results.map((r) => {
    const l = r.metrics.latencyNs!;
    return { label: r.implementation, data: [l.p50, l.p95, l.p99, l.p999].map((ns) => ns / 1000), backgroundColor: colours.get(r.implementation) };
  });
  const options = baseOptions(`Latency percentiles: ${scenario}`, `per operation, median of ${roundsNote(results)}; log scale`, 'percentile', 'latency (µs, log scale)');
  return {
    file: chartFileName('latency', scenario),
    title: `Latency: ${scenario}`,
    caption: 'Shorter is better. Each step right is a rarer, slower operation; a bar far taller at p99.9 than at p50 means tail stalls (GC, splits, fsync).',
    config: { type: 'bar', data: { labels, datasets }, options: { ...options, scales: { ...options.scales, y: { ...options.scales.y, type: 'logarithmic' } } } },
  };
}

/** Cost per operation against n (log axis) for growth scenarios: log n growth is a straight line. */
function growthChart(report: Report, scenario: string, colours: Map<string, string>): ChartSpec | null {
  const results = report.results.filter((r) => r.scenario === scenario && r.series.some((s) => s.metric === 'nsPerOp'));
  if (results.length === 0) return null;
  const datasets = results.map((r) => {
    const points = r.series.filter((s) => s.metric === 'nsPerOp').sort((a, b) => a.n - b.n);
    return {
      label: r.implementation,
      data: points.map((p) => ({ x: p.n, y: p.median })),
      whiskers: points.map((p) => p.ci),
      borderColor: colours.get(r.implementation),
      backgroundColor: colours.get(r.implementation),
      showLine: true,
      pointRadius: 4,
    };
  });
  const sizes = [...new Set(datasets.flatMap((d) => d.data.map((p) => p.x)))].sort((a, b) => a - b);
  const options = baseOptions(`Cost per operation against size: ${scenario}`, `median of ${roundsNote(results)}; x on a log scale, so cost growing like log n is a straight line`, 'records (n, log scale)', 'nanoseconds per operation');
  return {
    file: chartFileName('growth', scenario),
    title: `Growth: ${scenario}`,
    caption: 'Flatter is better. A line that bends upward on this log-x axis grows faster than log n.',
    config: {
      type: 'scatter',
      data: { datasets },
      options: {
        ...options,
        scales: {
          x: {
            ...options.scales.x,
            type: 'logarithmic',
            min: sizes[0] / 1.5,
            max: sizes[sizes.length - 1] * 1.5,
            afterBuildTicks: (axis: { ticks: { value: number }[] }) => {
              axis.ticks = sizes.map((value) => ({ value }));
            },
            ticks: { ...options.scales.x.ticks, callback: (v: string | number) => Number(v).toLocaleString('en-US') },
          },
          y: { ...options.scales.y, beginAtZero: true, max: upperBound(datasets.flatMap((d) => d.data.map((p) => p.y)), datasets.flatMap((d) => d.whiskers)) },
        },
      } as ChartConfiguration['options'],
      plugins: [whiskerPlugin],
    },
  };
}

/** Speedup of bulk over one-by-one operations, per operation and size. */
function bulkChart(report: Report, scenario: string, colours: Map<string, string>): ChartSpec | null {
  const results = report.results.filter((r) => r.scenario === scenario && r.series.some((s) => s.metric.endsWith('.speedup')));
  if (results.length === 0) return null;
  const keys = [...new Set(results.flatMap((r) => r.series.filter((s) => s.metric.endsWith('.speedup')).map((s) => `${s.metric}@${s.n}`)))];
  const labels = keys.map((k) => {
    const [metric, n] = k.split('@');
    return `${metric.replace('.speedup', '')} @ ${Number(n).toLocaleString('en-US')}`;
  });
  const datasets = results.map((r) => {
    const points = keys.map((k) => r.series.find((s) => `${s.metric}@${s.n}` === k));
    return { label: r.implementation, data: points.map((p) => p?.median ?? null), whiskers: points.map((p) => p?.ci ?? null), backgroundColor: colours.get(r.implementation) };
  });
  const options = baseOptions(`Bulk against one-by-one: ${scenario}`, `speedup = time one by one / time in bulk, median of ${roundsNote(results)}; whiskers: 95% CI; dashed line: 1x, bulk no faster`, 'operation @ records', 'speedup (x, log scale)');
  const bounds = logBounds(datasets.flatMap((d) => d.data), datasets.flatMap((d) => d.whiskers), 0.5);
  return {
    file: chartFileName('bulk', scenario),
    title: `Bulk speedup: ${scenario}`,
    caption: 'Taller is better; the dashed line is 1x (bulk no faster than one by one).',
    config: {
      type: 'bar',
      data: { labels, datasets },
      options: {
        ...options,
        scales: { ...options.scales, y: { ...options.scales.y, type: 'logarithmic', ...bounds, ticks: { ...options.scales.y.ticks, callback: logTick((v) => `${compact(v)}x`) } } },
        plugins: { ...options.plugins, guides: { lines: [{ value: 1, label: '' }] }, valueLabels: { suffix: 'x' } },
      } as ChartConfiguration['options'],
      plugins: [whiskerPlugin, guidePlugin, valueLabelPlugin],
    },
    width: Math.max(900, 110 * labels.length + 200),
  };
}

/** A file name from free text: lowercase letters, digits and dashes. */
/** Most paired-round charts a report gets before it keeps only changed metrics and throughput. */
const MAX_PAIRED_CHARTS = 24;

function comparisonCharts(report: Report): ChartSpec[] {
  const comparisons = report.comparisons;
  if (comparisons.length === 0) return [];
  const threshold = typeof report.settings.threshold === 'number' ? report.settings.threshold : 0.02;
  const overview = report.gate ? gateChart(report, threshold) : comparisonChart(comparisons, threshold);
  // Against saved rounds (a baseline, the history) no round of one side shares a process with one of the other: no pairs to draw.
  if (report.gate?.mode === 'baseline' || report.gate?.mode === 'history') return overview ? [overview] : [];
  const shown = comparisons.length <= MAX_PAIRED_CHARTS ? comparisons : comparisons.filter((c) => c.verdict !== 'unchanged' || c.metric === 'throughput');
  const paired = shown.map((c) => pairedChart(c, chartFileName('paired', c.scenario, c.pair === 'A vs B' ? '' : c.pair, c.metric)));
  return [overview, ...paired].filter((c): c is ChartSpec => c !== null);
}

/** A regression the candidate declared and that stayed within its bound. */
const ACCEPTED_COLOUR = '#9467bd';

/** The gate's ratios: confirmed regressions red, accepted ones purple, suspects a re-measurement cleared orange. */
function gateChart(report: Report, threshold: number): ChartSpec | null {
  const gate = report.gate!;
  const id = (c: { scenario: string; pair: string; metric: string }) => `${c.scenario}/${c.pair}/${c.metric}`;
  const failed = new Set(gate.regressed.map(id));
  const cleared = new Set(gate.confirmations.filter((c) => !c.confirmed).map(id));
  const accepted = new Set(gate.accepted.map(id));
  const colours = report.comparisons.map((c) => (failed.has(id(c)) ? VERDICT_COLOURS.regressed : accepted.has(id(c)) ? ACCEPTED_COLOUR : cleared.has(id(c)) || c.verdict === 'regressed' ? '#ff9f1c' : VERDICT_COLOURS[c.verdict]));
  const title = `Gate ${gate.exitCode === 0 ? 'passed' : gate.exitCode === 2 ? 'not decided (jobs failed)' : 'FAILED'}: candidate / base per metric`;
  const legend = ['red: regressed (confirmed), orange: a suspect (leaned worse) that the re-measurement cleared, green: improved, grey: unchanged', ...(gate.accepted.length > 0 ? ['purple: regressed, but accepted by the candidate within its declared bound'] : [])];
  return comparisonChart(report.comparisons, threshold, 'gate.png', title, colours, legend, gate.mode === 'against');
}

function calibrationCharts(report: Report): ChartSpec[] {
  const chart = report.calibration ? detectionChart(report.calibration) : null;
  return chart ? [chart] : [];
}

/** Every chart a report calls for. */
export function chartsFor(report: Report): ChartSpec[] {
  const colours = colourMap(report);
  const threshold = typeof report.settings.threshold === 'number' ? report.settings.threshold : 0.02;
  const charts: (ChartSpec | null)[] = [claimsChart(report.claims), ...tuningCharts(report.tuning, threshold), ...calibrationCharts(report), ...comparisonCharts(report), throughputChart(report, colours)];
  for (const scenario of [...new Set(report.results.map((r) => r.scenario))]) {
    const kind = report.results.find((r) => r.scenario === scenario)?.kind;
    if (kind === 'workload') charts.push(latencyChart(report, scenario, colours));
    if (kind === 'growth') charts.push(growthChart(report, scenario, colours));
    if (kind === 'bulk-vs-individual') charts.push(bulkChart(report, scenario, colours));
  }
  return charts.filter((c): c is ChartSpec => c !== null);
}
