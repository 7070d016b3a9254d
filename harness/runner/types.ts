/** What travels between the runner and its child processes. */
import type { ImplSpec } from '../adapters/registry.js';
import type { LatencySummary } from '../measure/latency.js';
import type { Scenario } from '../../scenarios/schema.js';

/** One scenario x implementation x round, run in a fresh child process. */
export interface Job {
  scenario: Scenario;
  impl: ImplSpec;
  round: number;
  /** Shorter timing loops (bulk-vs-individual samples) for --quick runs. */
  quick?: boolean;
  /** Extra busy work per operation as a fraction of the measured cost (calibration aid). */
  slowdown?: number;
}

export interface WorkloadMeasurement {
  /** Items per second over the untimed chunks (a bulk call counts its batch size). */
  opsPerSec: number;
  /** Items per second of each untimed chunk: the raw samples. */
  chunkOpsPerSec: number[];
  /** Items executed in untimed chunks. */
  operations: number;
  /** Items executed in timed chunks (latency). */
  timedOperations: number;
  warmupOperations: number;
  latencyNs: LatencySummary;
  byOperation: Record<string, { count: number; latencyNs: LatencySummary }>;
  /** The overall latency histogram, HDR compressed base64. */
  histogram: string;
  durationMs: number;
}

/** One point of a series-valued scenario (growth, bulk-vs-individual). */
export interface SeriesPoint {
  /** e.g. "nsPerOp", "insert.speedup". */
  metric: string;
  n: number;
  unit: string;
  better: 'higher' | 'lower';
  value: number;
}

export interface RoundResult {
  scenario: string;
  kind: Scenario['kind'];
  implementation: string;
  config: Record<string, unknown>;
  round: number;
  workload: WorkloadMeasurement | null;
  series: SeriesPoint[];
  /** Bytes the structure held after loading, and the records loaded (null when not measured). */
  memoryBytes: number | null;
  records: number;
  timerOverheadNs: number;
  warnings: string[];
}

export type ChildMessage = { ok: true; result: RoundResult } | { ok: false; error: string };
