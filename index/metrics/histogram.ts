/**
 * Latency histograms (hdr-histogram-js) shared by the index's own metrics and the harness:
 * nanoseconds, 3 significant digits, up to 10 minutes.
 */
import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  mean: number;
  min: number;
  max: number;
}

const HIGHEST_NS = 600e9;

export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_NS, numberOfSignificantValueDigits: 3 });
}

/** `ns` as a value a histogram accepts: whole, at least 1, at most its highest trackable value. */
export function trackable(ns: number): number {
  return Math.min(Math.max(1, Math.round(ns)), HIGHEST_NS);
}

export function summarize(h: hdr.Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, p50: 0, p95: 0, p99: 0, p999: 0, mean: 0, min: 0, max: 0 };
  return {
    count: h.totalCount,
    p50: h.getValueAtPercentile(50),
    p95: h.getValueAtPercentile(95),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    mean: h.mean,
    min: h.minNonZeroValue,
    max: h.maxValue,
  };
}
