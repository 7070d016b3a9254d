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
