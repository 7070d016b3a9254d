/** Per-operation latency in HDR histograms: one per operation kind and one for all. */
import * as hdr from 'hdr-histogram-js';
import { type LatencySummary, newHistogram as histogram, summarize, trackable } from '../../index/metrics/histogram.js';

export type { LatencySummary };

export class LatencyRecorder {
  readonly all = histogram();
  private readonly byKind = new Map<string, hdr.Histogram>();

  record(kind: string, ns: number): void {
    const value = trackable(ns);
    this.all.recordValue(value);
    let h = this.byKind.get(kind);
    if (!h) {
      h = histogram();
      this.byKind.set(kind, h);
    }
    h.recordValue(value);
  }

  /** A summary with no samples (an operation kind that only ran in untimed chunks). */
  empty(): LatencySummary {
    return summarize(histogram());
  }

  summary(): LatencySummary {
    return summarize(this.all);
  }

  kinds(): Record<string, LatencySummary> {
    return Object.fromEntries([...this.byKind].map(([kind, h]) => [kind, summarize(h)]));
  }

  /** The overall histogram, compressed (base64), so reports keep the raw distribution. */
  encoded(): string {
    return hdr.encodeIntoCompressedBase64(this.all);
  }
}

/** Summary of a histogram kept in a report. */
export function decodeSummary(encoded: string): LatencySummary {
  return summarize(hdr.decodeFromCompressedBase64(encoded));
}

/**
 * The share of a histogram's values at or below `ns`: the percentile of `ns`, found by bisection
 * on getValueAtPercentile (hdr-histogram-js exposes no count-below query on every backend), to
 * the histogram's own resolution.
 */
export function shareAtOrBelow(h: hdr.Histogram, ns: number): number {
  if (h.totalCount === 0) return Number.NaN;
  if (h.getValueAtPercentile(100) <= ns) return 1;
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (h.getValueAtPercentile(mid) <= ns) lo = mid;
    else hi = mid;
  }
  return lo / 100;
}

/** Every round's overall histogram added into one. */
export function pooledHistogram(encoded: readonly string[]): hdr.Histogram {
  const all = histogram();
  for (const e of encoded) all.add(hdr.decodeFromCompressedBase64(e));
  return all;
}
