/** What travels between the runner and its child processes. */
import type { ImplSpec } from '../adapters/registry.js';
import type { ModuleSettings } from '../adapters/modules.js';
import type { LatencySummary } from '../measure/latency.js';
import type { Scenario } from '../../scenarios/schema.js';

/**
 * One implementation measured in a job. A job with several arms measures them in one process,
 * interleaved chunk by chunk, so that whatever the machine does meanwhile falls on all of them.
 */
export interface Arm {
  /** How the job's results name this arm ("A", "B", a candidate's spec...). */
  label: string;
  impl: ImplSpec;
  /** Root of another build of tunebench (a checkout with dist/ built) whose implementation this arm runs; absent: this build. */
  build?: string;
  /** Stretches every measured interval by this fraction with a busy wait (calibration aid; see measure/slowdown.ts). */
  slowdown?: number;
}

/** One scenario x arms x round, run in a fresh child process. */
export interface Job {
  scenario: Scenario;
  arms: Arm[];
  round: number;
  /** Shorter timing loops (bulk-vs-individual samples) for --quick runs. */
  quick?: boolean;
  /** Seeds the order in which arms take turns (default: the round). */
  orderSeed?: number;
  /** Where the user's implementation modules come from (set by runInChild: the parent's settings). */
  modules?: ModuleSettings;
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
  /** The arm's label. */
  arm: string;
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

/** One result per arm, in the job's arm order. */
export type ChildMessage = { ok: true; results: RoundResult[] } | { ok: false; error: string };
