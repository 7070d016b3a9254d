/**
 * Turns the rounds of each scenario x implementation into one report result: medians over rounds
 * with distribution-free confidence intervals, SLA verdicts from the measured figures, and
 * warnings about measurements that should not be trusted.
 */
import { coefficientOfVariation, median, medianCi } from './stats/basics.js';
import { pooledHistogram, shareAtOrBelow } from './measure/latency.js';
import type { RoundResult } from './runner/types.js';
import type { ResultEntry, RoundEntry, SeriesEntry } from '../reports/schema.js';
import type { Scenario } from '../scenarios/schema.js';

/** Above this coefficient of variation across rounds a figure is flagged as unstable. */
export const UNSTABLE_CV = 0.1;
/** Below this many rounds a confidence interval means little. */
export const MIN_ROUNDS = 3;
/** Below this many chunk samples in a round its throughput is flagged. */
const MIN_CHUNKS = 10;

function toRound(r: RoundResult): RoundEntry {
  const w = r.workload;
  return {
    round: r.round,
    opsPerSec: w?.opsPerSec ?? null,
    chunkOpsPerSec: w?.chunkOpsPerSec ?? [],
    latencyNs: w ? w.latencyNs : null,
    histogram: w?.histogram ?? null,
    operations: w ? w.operations + w.timedOperations : 0,
    memoryBytes: r.memoryBytes,
    records: r.records,
    timerOverheadNs: r.timerOverheadNs,
    durationMs: w?.durationMs ?? null,
    series: r.series.map(({ metric, n, value }) => ({ metric, n, value })),
    warnings: r.warnings,
  };
}

function estimateOf(values: number[], unit: string) {
  return { median: median(values), ci: medianCi(values), unit };
}

function seriesOf(rounds: RoundResult[]): SeriesEntry[] {
  const groups = new Map<string, { metric: string; n: number; unit: string; better: 'higher' | 'lower'; values: number[] }>();
  for (const round of rounds) {
    for (const point of round.series) {
      const key = `${point.metric}@${point.n}`;
      const group = groups.get(key) ?? { metric: point.metric, n: point.n, unit: point.unit, better: point.better, values: [] };
      group.values.push(point.value);
      groups.set(key, group);
    }
  }
  return [...groups.values()].map((g) => ({ metric: g.metric, n: g.n, unit: g.unit, better: g.better, median: median(g.values), ci: medianCi(g.values), samples: g.values }));
}

export function aggregate(scenario: Scenario, implementation: string, rounds: RoundResult[]): ResultEntry {
  const warnings: string[] = [];
  const workloads = rounds.map((r) => r.workload).filter((w) => w !== null);
  let opsPerSec: ResultEntry['metrics']['opsPerSec'] = null;
  let latencyNs: ResultEntry['metrics']['latencyNs'] = null;
  let byOperation: ResultEntry['metrics']['byOperation'] = null;
  if (workloads.length > 0) {
    const rates = workloads.map((w) => w.opsPerSec);
    opsPerSec = estimateOf(rates, 'ops/s');
    const pick = (f: (w: (typeof workloads)[number]) => number) => median(workloads.map(f));
    latencyNs = {
      p50: pick((w) => w.latencyNs.p50),
      p95: pick((w) => w.latencyNs.p95),
      p99: pick((w) => w.latencyNs.p99),
      p999: pick((w) => w.latencyNs.p999),
      mean: pick((w) => w.latencyNs.mean),
      min: Math.min(...workloads.map((w) => w.latencyNs.min)),
      max: Math.max(...workloads.map((w) => w.latencyNs.max)),
    };
    const totals = workloads.map((w) => Object.values(w.byOperation).reduce((s, o) => s + o.count, 0));
    byOperation = {};
    for (const kind of Object.keys(workloads[0]?.byOperation ?? {})) {
      const per = workloads.map((w) => w.byOperation[kind]).filter((o) => o !== undefined);
      const lat = (f: (l: (typeof per)[number]['latencyNs']) => number) => median(per.map((o) => f(o.latencyNs)));
      byOperation[kind] = {
        count: median(per.map((o) => o.count)),
        share: median(workloads.map((w, i) => (totals[i] > 0 ? (w.byOperation[kind]?.count ?? 0) / totals[i] : 0))),
        latencyNs: { p50: lat((l) => l.p50), p95: lat((l) => l.p95), p99: lat((l) => l.p99), p999: lat((l) => l.p999), mean: lat((l) => l.mean), min: lat((l) => l.min), max: lat((l) => l.max) },
      };
    }
    const cv = coefficientOfVariation(rates);
    if (cv > UNSTABLE_CV) warnings.push(`unstable measurement: throughput varies ${(cv * 100).toFixed(1)}% (coefficient of variation) across rounds`);
    const fewChunks = workloads.filter((w) => w.chunkOpsPerSec.length < MIN_CHUNKS).length;
    if (fewChunks > 0) warnings.push(`too few samples: ${fewChunks} round(s) measured fewer than ${MIN_CHUNKS} throughput chunks; raise operations`);
  }
  if (rounds.length < MIN_ROUNDS) warnings.push(`too few samples: ${rounds.length} round(s); confidence intervals need at least ${MIN_ROUNDS}`);
  const series = seriesOf(rounds);
  const unstable = series.map((s) => ({ s, cv: coefficientOfVariation(s.samples) })).filter((u) => u.cv > UNSTABLE_CV);
  if (unstable.length > 0) {
    const worst = unstable.reduce((a, b) => (b.cv > a.cv ? b : a));
    warnings.push(`unstable measurement: ${unstable.length} of ${series.length} figures vary more than ${UNSTABLE_CV * 100}% across rounds (worst: ${worst.s.metric} at n=${worst.s.n}, ${(worst.cv * 100).toFixed(1)}%)`);
  }
  const memory = rounds.map((r) => r.memoryBytes).filter((m): m is number => m !== null);
  const records = rounds[0]?.records ?? 0;

  // Each rule's verdict on the median, and its compliance: the share of operations (of time windows) within it.
  const sla: ResultEntry['sla'] = [];
  if (scenario.sla?.p99Ms !== undefined && latencyNs) {
    const measured = latencyNs.p99 / 1e6;
    const compliance = shareAtOrBelow(pooledHistogram(workloads.map((w) => w.histogram)), scenario.sla.p99Ms * 1e6);
    sla.push({ rule: `p99 <= ${scenario.sla.p99Ms} ms`, threshold: scenario.sla.p99Ms, measured, pass: measured <= scenario.sla.p99Ms, compliance: Number.isNaN(compliance) ? null : compliance });
  }
  if (scenario.sla?.minOpsPerSec !== undefined && opsPerSec) {
    const minimum = scenario.sla.minOpsPerSec;
    const chunks = workloads.flatMap((w) => w.chunkOpsPerSec);
    sla.push({ rule: `throughput >= ${minimum} ops/s`, threshold: minimum, measured: opsPerSec.median, pass: opsPerSec.median >= minimum, compliance: chunks.length === 0 ? null : chunks.filter((c) => c >= minimum).length / chunks.length });
  }

  return {
    scenario: scenario.name,
    kind: scenario.kind,
    implementation,
    config: rounds[0]?.config ?? {},
    rounds: rounds.length,
    metrics: {
      opsPerSec,
      latencyNs,
      memoryBytesPerEntry: memory.length > 0 && records > 0 ? median(memory) / records : null,
      byOperation,
    },
    series,
    samples: { rounds: rounds.map(toRound) },
    sla,
    warnings: [...warnings, ...new Set(rounds.flatMap((r) => r.warnings))],
  };
}
