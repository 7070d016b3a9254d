/** The claims chart: how far each measured figure is from its claim, pass in green, fail in red. */
import type { ChartConfiguration } from 'chart.js';
import { type ChartSpec, FONT, baseOptions, guidePlugin, logTick, whiskerPlugin } from './chart-kit.js';
import type { ClaimEntry } from './schema.js';

/** Margins are drawn within 1/100..100: a fragmentation of 0 against "under 5%" would be infinitely better. */
const MAX_MARGIN = 100;

/** measured / claimed, turned so that above 1 always means "better than claimed". */
function margin(c: ClaimEntry, value: number): number {
  const raw = c.comparator === '<' ? c.target / Math.max(value, 1e-12) : value / c.target;
  return Math.min(MAX_MARGIN, Math.max(1 / MAX_MARGIN, raw));
}

export function claimsChart(claims: ClaimEntry[] | undefined): ChartSpec | null {
  if (!claims || claims.length === 0) return null;
  const values = claims.map((c) => margin(c, c.measured));
  const whiskers = claims.map((c) => [margin(c, c.range[0]), margin(c, c.range[1])].sort((a, b) => a - b) as [number, number]);
  const all = [...values, ...whiskers.flat()].filter((v) => Number.isFinite(v) && v > 0);
  const min = 10 ** (Math.floor(Math.log10(Math.min(...all, 0.5)) * 2) / 2);
  const max = 10 ** (Math.ceil(Math.log10(Math.max(...all, 2)) * 2) / 2);
  const options = baseOptions('Claims of the feature list: measured against claimed', 'bars: median measured / claimed, turned so that right of 1 is better than claimed (for "under" claims: claimed / measured); whiskers: range over rounds; drawn within 1/100x..100x', 'measured / claimed (log scale)', '');
  return {
    file: 'claims.png',
    title: 'Claims',
    caption: 'Green bars hold the claim, red ones fail it. A bar right of the dashed line at 1 beats the claimed figure by that factor; left of it, the claim overstates what this machine measures.',
    config: {
      type: 'bar',
      data: { labels: claims.map((c) => c.claim), datasets: [{ label: 'measured / claimed', data: values, whiskers, backgroundColor: claims.map((c) => (c.passed ? '#2ca02c' : '#d62728')), base: 1 } as never] },
      options: {
        ...options,
        indexAxis: 'y',
        scales: {
          x: { ...options.scales.x, type: 'logarithmic', min, max, ticks: { ...options.scales.x.ticks, callback: logTick((v) => `${v}x`) } },
          y: { ...options.scales.y, ticks: { font: { family: FONT, size: 11 }, autoSkip: false } },
        },
        plugins: { ...options.plugins, legend: { display: false }, guides: { lines: [{ value: 1, label: 'as claimed' }] } },
      } as ChartConfiguration['options'],
      plugins: [whiskerPlugin, guidePlugin],
    },
    width: 1200,
    height: 180 + 26 * claims.length,
  };
}
