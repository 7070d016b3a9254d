/**
 * Chart.js configurations for a report. Each chart says what it shows in its title, names its
 * axes with units, and keeps one colour per implementation across every chart of a report.
 * Rendering happens in render.ts; this module only builds configurations from report data.
 */
import type { ChartConfiguration, Plugin } from 'chart.js';
import type { Comparison, Report, ResultEntry } from './schema.js';

export interface ChartSpec {
  /** File name, e.g. "throughput.png". */
  file: string;
  title: string;
  /** One sentence for the summary: how to read the chart. */
  caption: string;
  config: ChartConfiguration;
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const FONT = 'DejaVu Sans';

type Whiskered = { whiskers?: ([number, number] | null)[] };

/**
 * Draws a confidence-interval whisker (vertical line with caps) over each bar that has one.
 * Chart.js has no error bars of its own; this is the whole of what we need from a plugin.
 */
const whiskerPlugin: Plugin = {
  id: 'whiskers',
  afterDatasetsDraw(chart) {
    const { ctx, chartArea } = chart;
    const scale = chart.scales.y;
    ctx.save();
    ctx.beginPath();
    ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top);
    ctx.clip();
    chart.data.datasets.forEach((dataset, d) => {
      const whiskers = (dataset as Whiskered).whiskers;
      const meta = chart.getDatasetMeta(d);
      if (!whiskers || meta.hidden) return;
      meta.data.forEach((element, i) => {
        const range = whiskers[i];
        if (!range || !Number.isFinite(range[0]) || !Number.isFinite(range[1])) return;
        const x = element.x;
        const top = scale.getPixelForValue(range[1]);
        const bottom = scale.getPixelForValue(range[0]);
        const cap = Math.min(8, ((element as unknown as { width?: number }).width ?? 12) / 3);
        ctx.save();
        ctx.strokeStyle = '#222';
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, bottom);
        ctx.moveTo(x - cap, top);
        ctx.lineTo(x + cap, top);
        ctx.moveTo(x - cap, bottom);
        ctx.lineTo(x + cap, bottom);
        ctx.stroke();
        ctx.restore();
      });
    });
    ctx.restore();
  },
};

/** Compact number: 1.23M, 456k, 7.8. */
export function compact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(abs >= 1e10 ? 0 : 1)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(abs >= 1e4 ? 0 : 1)}k`;
  return abs >= 10 ? value.toFixed(0) : value.toFixed(abs >= 1 ? 1 : 2);
}

/** Writes each bar's value above it (above its whisker when it has one). */
const valueLabelPlugin: Plugin = {
  id: 'valueLabels',
  afterDatasetsDraw(chart, _args, options: { suffix?: string }) {
    const { ctx } = chart;
    const scale = chart.scales.y;
    ctx.save();
    ctx.font = `11px ${FONT}`;
    ctx.fillStyle = '#222';
    ctx.textAlign = 'center';
    chart.data.datasets.forEach((dataset, d) => {
      const meta = chart.getDatasetMeta(d);
      if (meta.hidden) return;
      const whiskers = (dataset as Whiskered).whiskers;
      meta.data.forEach((element, i) => {
        const value = dataset.data[i];
        if (typeof value !== 'number' || !Number.isFinite(value)) return;
        const top = Math.min(element.y, whiskers?.[i] ? scale.getPixelForValue(whiskers[i]![1]) : element.y);
        ctx.fillText(compact(value) + (options.suffix ?? ''), element.x, Math.max(chart.chartArea.top + 10, top - 5));
      });
    });
    ctx.restore();
  },
};

/** Log-axis bounds that hold every value and whisker, with a little room above for labels. */
function logBounds(values: (number | null)[], whiskers: ([number, number] | null)[], floor?: number): { min: number; max: number } {
  const all = [...values, ...whiskers.flatMap((w) => (w ? [w[0], w[1]] : []))].filter((v): v is number => v !== null && Number.isFinite(v) && v > 0);
  const lo = Math.min(...all, floor ?? Infinity);
  const hi = Math.max(...all);
  return { min: 10 ** (Math.log10(lo) - 0.12), max: 10 ** (Math.log10(hi) + 0.15) };
}

/** Tick labels of a log axis at 1, 2 and 5 times powers of ten only (the rest stay as grid lines). */
function logTick(format: (v: number) => string): (value: string | number) => string {
  return (value) => {
    const v = Number(value);
    const mantissa = Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9));
    return mantissa === 1 || mantissa === 2 || mantissa === 5 ? format(v) : '';
  };
}

/** The largest value or whisker top, for linear axes that must show every whisker. */
function upperBound(values: number[], whiskers: ([number, number] | null)[]): number {
  return Math.max(...values, ...whiskers.flatMap((w) => (w ? [w[1]] : []))) * 1.05;
}

type GuideOptions = { lines?: { value: number; label: string; color?: string; dash?: number[] }[]; band?: [number, number] };

/**
 * Draws horizontal reference lines (e.g. "1x") and a shaded band (a noise threshold) behind the
 * bars, and their labels in front of them, at the left edge.
 */
const guidePlugin: Plugin = {
  id: 'guides',
  afterDatasetsDraw(chart, _args, options: GuideOptions) {
    const { ctx, chartArea } = chart;
    for (const line of options.lines ?? []) {
      if (line.label === '') continue;
      const y = chart.scales.y.getPixelForValue(line.value);
      ctx.save();
      ctx.font = `12px ${FONT}`;
      const width = ctx.measureText(line.label).width;
      ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
      ctx.fillRect(chartArea.left + 4, y - 17, width + 6, 15);
      ctx.fillStyle = line.color ?? '#555';
      ctx.fillText(line.label, chartArea.left + 7, y - 5);
      ctx.restore();
    }
  },
  beforeDatasetsDraw(chart, _args, options: GuideOptions) {
    const { ctx, chartArea } = chart;
    const scale = chart.scales.y;
    if (options.band) {
      const top = scale.getPixelForValue(options.band[1]);
      const bottom = scale.getPixelForValue(options.band[0]);
      ctx.save();
      ctx.fillStyle = 'rgba(120, 120, 120, 0.12)';
      ctx.fillRect(chartArea.left, top, chartArea.right - chartArea.left, bottom - top);
      ctx.restore();
    }
    for (const line of options.lines ?? []) {
      const y = scale.getPixelForValue(line.value);
      ctx.save();
      ctx.strokeStyle = line.color ?? '#555';
      ctx.setLineDash(line.dash ?? [6, 4]);
      ctx.beginPath();
      ctx.moveTo(chartArea.left, y);
      ctx.lineTo(chartArea.right, y);
      ctx.stroke();
      ctx.restore();
    }
  },
};

function colourMap(report: Report): Map<string, string> {
  const names = [...new Set(report.results.map((r) => r.implementation))];
  return new Map(names.map((name, i) => [name, PALETTE[i % PALETTE.length]]));
}

function baseOptions(title: string, subtitle: string, xTitle: string, yTitle: string) {
  return {
    animation: false as const,
    responsive: false,
    font: { family: FONT },
    plugins: {
      title: { display: true, text: title, font: { family: FONT, size: 18, weight: 'bold' as const }, color: '#111' },
      subtitle: { display: subtitle !== '', text: subtitle, font: { family: FONT, size: 12 }, color: '#444', padding: { bottom: 10 } },
      legend: { position: 'top' as const, labels: { font: { family: FONT, size: 12 } } },
    },
    scales: {
      x: { title: { display: true, text: xTitle, font: { family: FONT, size: 13 } }, ticks: { font: { family: FONT, size: 12 } } },
      y: { title: { display: true, text: yTitle, font: { family: FONT, size: 13 } }, ticks: { font: { family: FONT, size: 12 } } },
    },
  };
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
  const options = baseOptions('Throughput per scenario', `median of ${roundsNote(results)}; whiskers: 95% bootstrap confidence interval; log scale`, 'scenario', 'operations per second (log scale)');
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
    file: `latency-${scenario}.png`,
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
    file: `growth-${scenario}.png`,
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
    file: `bulk-${scenario}.png`,
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

/** Ratio B/A per compared metric with its CI, against the noise band; regressions in red. */
export function comparisonChart(comparisons: Comparison[], threshold: number, file = 'comparison.png'): ChartSpec | null {
  if (comparisons.length === 0) return null;
  const labels = comparisons.map((c) => `${c.scenario} ${c.metric}`);
  const colour = (c: Comparison) => (c.verdict === 'regressed' ? '#d62728' : c.verdict === 'improved' ? '#2ca02c' : '#7f7f7f');
  const options = baseOptions('B / A per metric', `bars: ratio of medians; whiskers: 95% bootstrap CI; grey band: ±${(threshold * 100).toFixed(1)}% noise threshold; red: regressed, green: improved`, 'scenario and metric', 'ratio B / A (higher is better for throughput, lower for latency)');
  return {
    file,
    title: 'Comparison',
    caption: 'A metric is flagged only when its whole whisker lies outside the grey band and the test is significant.',
    config: {
      type: 'bar',
      data: { labels, datasets: [{ label: 'B / A', data: comparisons.map((c) => c.ratio), whiskers: comparisons.map((c) => c.ci), backgroundColor: comparisons.map(colour) } as never] },
      options: {
        ...options,
        plugins: { ...options.plugins, legend: { display: false }, guides: { band: [1 - threshold, 1 + threshold], lines: [{ value: 1, label: '1.0' }] } },
      } as ChartConfiguration['options'],
      plugins: [whiskerPlugin, guidePlugin],
    },
    width: Math.max(900, 90 * labels.length + 200),
  };
}

/** Every chart a report calls for. */
export function chartsFor(report: Report): ChartSpec[] {
  const colours = colourMap(report);
  const charts: (ChartSpec | null)[] = [throughputChart(report, colours)];
  for (const scenario of [...new Set(report.results.map((r) => r.scenario))]) {
    const kind = report.results.find((r) => r.scenario === scenario)?.kind;
    if (kind === 'workload') charts.push(latencyChart(report, scenario, colours));
    if (kind === 'growth') charts.push(growthChart(report, scenario, colours));
    if (kind === 'bulk-vs-individual') charts.push(bulkChart(report, scenario, colours));
  }
  return charts.filter((c): c is ChartSpec => c !== null);
}
