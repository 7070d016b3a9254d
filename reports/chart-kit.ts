/**
 * The pieces every chart shares: the spec a chart is written from, colours and font, Chart.js
 * plugins for confidence whiskers, value labels and guide lines, and axis helpers.
 */
import type { ChartConfiguration, Plugin } from 'chart.js';

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

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
export const FONT = 'DejaVu Sans';

type Whiskered = { whiskers?: ([number, number] | null)[] };

/**
 * Draws a confidence-interval whisker (vertical line with caps) over each bar that has one.
 * Chart.js has no error bars of its own; this is the whole of what we need from a plugin.
 */
export const whiskerPlugin: Plugin = {
  id: 'whiskers',
  afterDatasetsDraw(chart) {
    const { ctx, chartArea } = chart;
    // Horizontal bars (indexAxis 'y') get horizontal whiskers on the x scale.
    const horizontal = (chart.options as { indexAxis?: string }).indexAxis === 'y';
    const scale = horizontal ? chart.scales.x : chart.scales.y;
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
        const at = horizontal ? element.y : element.x;
        const from = scale.getPixelForValue(range[1]);
        const to = scale.getPixelForValue(range[0]);
        const thickness = horizontal ? (element as unknown as { height?: number }).height : (element as unknown as { width?: number }).width;
        const cap = Math.min(8, (thickness ?? 12) / 3);
        ctx.save();
        ctx.strokeStyle = '#222';
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        if (horizontal) {
          ctx.moveTo(from, at);
          ctx.lineTo(to, at);
          ctx.moveTo(from, at - cap);
          ctx.lineTo(from, at + cap);
          ctx.moveTo(to, at - cap);
          ctx.lineTo(to, at + cap);
        } else {
          ctx.moveTo(at, from);
          ctx.lineTo(at, to);
          ctx.moveTo(at - cap, from);
          ctx.lineTo(at + cap, from);
          ctx.moveTo(at - cap, to);
          ctx.lineTo(at + cap, to);
        }
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
export const valueLabelPlugin: Plugin = {
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
export function logBounds(values: (number | null)[], whiskers: ([number, number] | null)[], floor?: number): { min: number; max: number } {
  const all = [...values, ...whiskers.flatMap((w) => (w ? [w[0], w[1]] : []))].filter((v): v is number => v !== null && Number.isFinite(v) && v > 0);
  const lo = Math.min(...all, floor ?? Infinity);
  const hi = Math.max(...all);
  return { min: 10 ** (Math.log10(lo) - 0.12), max: 10 ** (Math.log10(hi) + 0.15) };
}

/** Tick labels of a log axis at 1, 2 and 5 times powers of ten only (the rest stay as grid lines). */
export function logTick(format: (v: number) => string): (value: string | number) => string {
  return (value) => {
    const v = Number(value);
    const mantissa = Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9));
    return mantissa === 1 || mantissa === 2 || mantissa === 5 ? format(v) : '';
  };
}

/** The largest value or whisker top, for linear axes that must show every whisker. */
export function upperBound(values: number[], whiskers: ([number, number] | null)[]): number {
  return Math.max(...values, ...whiskers.flatMap((w) => (w ? [w[1]] : []))) * 1.05;
}

type GuideOptions = { lines?: { value: number; label: string; color?: string; dash?: number[] }[]; band?: [number, number] };

/**
 * Draws horizontal reference lines (e.g. "1x") and a shaded band (a noise threshold) behind the
 * bars, and their labels in front of them, at the left edge.
 */
export const guidePlugin: Plugin = {
  id: 'guides',
  afterDatasetsDraw(chart, _args, options: GuideOptions) {
    const { ctx, chartArea } = chart;
    const horizontal = (chart.options as { indexAxis?: string }).indexAxis === 'y';
    for (const line of options.lines ?? []) {
      if (line.label === '') continue;
      ctx.save();
      ctx.font = `12px ${FONT}`;
      const width = ctx.measureText(line.label).width;
      const x = horizontal ? chart.scales.x.getPixelForValue(line.value) + 4 : chartArea.left + 4;
      const y = horizontal ? chartArea.top + 16 : chart.scales.y.getPixelForValue(line.value);
      ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
      ctx.fillRect(x, y - 17, width + 6, 15);
      ctx.fillStyle = line.color ?? '#555';
      ctx.fillText(line.label, x + 3, y - 5);
      ctx.restore();
    }
  },
  beforeDatasetsDraw(chart, _args, options: GuideOptions) {
    const { ctx, chartArea } = chart;
    const horizontal = (chart.options as { indexAxis?: string }).indexAxis === 'y';
    const scale = horizontal ? chart.scales.x : chart.scales.y;
    if (options.band) {
      const from = scale.getPixelForValue(options.band[1]);
      const to = scale.getPixelForValue(options.band[0]);
      ctx.save();
      ctx.fillStyle = 'rgba(120, 120, 120, 0.12)';
      if (horizontal) ctx.fillRect(to, chartArea.top, from - to, chartArea.bottom - chartArea.top);
      else ctx.fillRect(chartArea.left, from, chartArea.right - chartArea.left, to - from);
      ctx.restore();
    }
    for (const line of options.lines ?? []) {
      const at = scale.getPixelForValue(line.value);
      ctx.save();
      ctx.strokeStyle = line.color ?? '#555';
      ctx.setLineDash(line.dash ?? [6, 4]);
      ctx.beginPath();
      if (horizontal) {
        ctx.moveTo(at, chartArea.top);
        ctx.lineTo(at, chartArea.bottom);
      } else {
        ctx.moveTo(chartArea.left, at);
        ctx.lineTo(chartArea.right, at);
      }
      ctx.stroke();
      ctx.restore();
    }
  },
};

export function baseOptions(title: string, subtitle: string, xTitle: string, yTitle: string) {
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

