/**
 * Per-operation latency in HDR histograms (hdr-histogram-js): nanoseconds, 3 significant digits,
 * up to 10 minutes. One histogram per operation kind and one for all.
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

function histogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_NS, numberOfSignificantValueDigits: 3 });
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

export class LatencyRecorder {
  readonly all = histogram();
  private readonly byKind = new Map<string, hdr.Histogram>();

  record(kind: string, ns: number): void {
    const value = Math.min(Math.max(1, Math.round(ns)), HIGHEST_NS);
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
