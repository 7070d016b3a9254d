/**
 * What a run leaves in the history, taken from a report (run or gate) or a saved baseline: every
 * metric of every scenario x implementation with each round's raw value (the same metrics the
 * gate judges: throughput, p50, p99, series points), and a gate's verdicts. Pure: no database.
 */
import { createHash } from 'node:crypto';
import { type MetricRound, samplesOf } from '../compare/contest.js';
import { UsageError } from '../errors.js';
import type { Baseline } from '../gate/baselines.js';
import type { Comparison, Environment, Report, ResultEntry } from '../../reports/schema.js';

export interface HistoryResult {
  scenario: string;
  /** Digest of the scenario's definition: a changed or resized scenario starts a new series. */
  scenarioDigest: string;
  implementation: string;
  metric: string;
  unit: string;
  better: 'higher' | 'lower';
  /** One value per round, in round order. */
  values: number[];
}

/** A gate's verdict on one metric, as recorded. */
export type HistoryVerdict = Pick<Comparison, 'scenario' | 'pair' | 'metric' | 'ratio' | 'ci' | 'pValue' | 'verdict'>;

export interface HistoryRun {
  startedAt: string;
  command: string;
  commit: string;
  branch: string | null;
  fingerprint: string;
  toolVersion: string;
  quick: boolean;
  environment: Environment;
  settings: Record<string, unknown>;
  results: HistoryResult[];
  verdicts: HistoryVerdict[];
  gateExit: number | null;
}

/** Where the run came from: the commit and branch it measured. */
export interface Provenance {
  commit: string;
  branch: string | null;
}

/** JSON with every object's keys sorted: the same value gives the same text whatever built it. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}

export function digestOf(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

/** What makes a recorded run the same run: recording one report twice is refused by this. */
export function runDigest(run: Pick<HistoryRun, 'startedAt' | 'command' | 'fingerprint' | 'results'>): string {
  return digestOf({ startedAt: run.startedAt, command: run.command, fingerprint: run.fingerprint, results: run.results });
}

function definitionDigest(report: Pick<Report, 'scenarios'>, scenario: string): string {
  const found = report.scenarios.find((s) => s.name === scenario);
  return digestOf(found?.definition ?? scenario).slice(0, 16);
}

/** A report's rounds of one result as the metric rounds the gate reads. */
function metricRounds(result: ResultEntry): MetricRound[] {
  return result.samples.rounds.map((round) => ({
    workload: round.opsPerSec !== null && round.latencyNs ? { opsPerSec: round.opsPerSec, chunkOpsPerSec: round.chunkOpsPerSec, latencyNs: { p50: round.latencyNs.p50, p99: round.latencyNs.p99 } } : null,
    series: round.series.flatMap((p) => {
      const meta = result.series.find((s) => s.metric === p.metric);
      return meta ? [{ metric: p.metric, n: p.n, unit: meta.unit, better: meta.better, value: p.value }] : [];
    }),
  }));
}

/** Only measured values go in: a zero or NaN would break every ratio against it later. */
const measured = (values: number[]) => values.every((v) => Number.isFinite(v) && v > 0);

function resultsOf(scenario: string, scenarioDigest: string, implementation: string, rounds: readonly MetricRound[]): HistoryResult[] {
  return samplesOf(rounds)
    .filter((m) => measured(m.values))
    .map((m) => ({ scenario, scenarioDigest, implementation, metric: m.metric, unit: m.unit, better: m.better, values: m.values }));
}

/**
 * A run or gate report as a history run. A gate records its candidate's side of each comparison
 * (this build) and its verdicts; other reports (compare, tune, calibrate, claims) measure two
 * sides or knob settings, not one commit's performance, and are refused.
 */
export function runFromReport(report: Report, where: Provenance, source: string): HistoryRun {
  const base = {
    startedAt: report.startedAt,
    command: report.command,
    commit: where.commit,
    branch: where.branch,
    fingerprint: report.environment.fingerprint,
    toolVersion: report.tool.version,
    quick: report.settings.quick === true,
    environment: report.environment,
    settings: report.settings,
  };
  if (report.command === 'run') {
    const results = report.results.flatMap((r) => resultsOf(r.scenario, definitionDigest(report, r.scenario), r.implementation, metricRounds(r)));
    if (results.length === 0) throw new UsageError(`${source} holds no measured results to record`);
    return { ...base, results, verdicts: [], gateExit: null };
  }
  if (report.command === 'gate' && report.gate) {
    const slowed = Number(report.settings.injectSlowdown ?? 0);
    if (slowed > 0) throw new UsageError(`${source} is a gate with --inject-slowdown ${slowed}: a slowed build is not the commit's performance, so it is not recorded`);
    if (report.gate.mode === 'baseline' && report.gate.candidate.startsWith('saved baseline')) throw new UsageError(`${source} judged a saved baseline (--candidate) and measured nothing now, so there is nothing to record`);
    const results = report.comparisons
      .filter((c) => measured(c.b.samples))
      .map((c) => ({ scenario: c.scenario, scenarioDigest: definitionDigest(report, c.scenario), implementation: c.pair, metric: c.metric, unit: c.unit, better: c.better, values: c.b.samples }));
    const verdicts = report.comparisons.map((c) => ({ scenario: c.scenario, pair: c.pair, metric: c.metric, ratio: c.ratio, ci: c.ci, pValue: c.pValue, verdict: c.verdict }));
    return { ...base, results, verdicts, gateExit: report.gate.exitCode };
  }
  throw new UsageError(`${source} is a "${report.command}" report: the history records run and gate reports (a ${report.command} measures sides or settings, not one commit)`);
}

/** A saved baseline (baseline save --record) as a history run. */
export function runFromBaseline(baseline: Baseline, where: Provenance, startedAt: string): HistoryRun {
  const results: HistoryResult[] = [];
  for (const scenario of baseline.scenarios) {
    const scenarioDigest = digestOf(scenario).slice(0, 16);
    for (const implementation of baseline.implementations) {
      const rounds = baseline.rounds.filter((r) => r.scenario === scenario.name && r.implementation === implementation).sort((a, b) => a.round - b.round);
      results.push(...resultsOf(scenario.name, scenarioDigest, implementation, rounds));
    }
  }
  return {
    startedAt,
    command: 'baseline save',
    commit: where.commit,
    branch: where.branch,
    fingerprint: baseline.environment.fingerprint,
    toolVersion: baseline.environment.packageVersion,
    quick: baseline.quick,
    environment: baseline.environment,
    settings: { name: baseline.name, quick: baseline.quick },
    results,
    verdicts: [],
    gateExit: null,
  };
}
