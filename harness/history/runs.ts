/**
 * Reading and writing runs in a history file: record one, list them, read metric series (one
 * point per commit), prune, and the JSON-lines form that export and import move between CI
 * caches. Each write is one transaction (store.write).
 */
import { z } from 'zod';
import { EnvironmentSchema } from '../../reports/schema.js';
import { UsageError } from '../errors.js';
import { type HistoryResult, type HistoryRun, runDigest } from './records.js';
import { type HistoryStore, SCHEMA_VERSION } from './store.js';

export interface Recorded {
  id: number;
  /** The same run was recorded before (as run `id`): nothing was added. */
  duplicate: boolean;
}

export function recordRun(store: HistoryStore, run: HistoryRun, recordedAt = new Date().toISOString()): Recorded {
  const digest = runDigest(run);
  return store.write((db) => {
    const existing = db.prepare('SELECT id FROM runs WHERE digest = ?').pluck().get(digest) as number | undefined;
    if (existing !== undefined) return { id: existing, duplicate: true };
    const info = db
      .prepare('INSERT INTO runs (recorded_at, started_at, command, commit_sha, branch, fingerprint, tool_version, quick, environment, settings, digest, gate_exit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(recordedAt, run.startedAt, run.command, run.commit, run.branch, run.fingerprint, run.toolVersion, run.quick ? 1 : 0, JSON.stringify(run.environment), JSON.stringify(run.settings), digest, run.gateExit);
    const runId = Number(info.lastInsertRowid);
    const result = db.prepare('INSERT INTO results (run_id, scenario, scenario_digest, implementation, metric, unit, better) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const round = db.prepare('INSERT INTO rounds (result_id, round, value) VALUES (?, ?, ?)');
    for (const r of run.results) {
      const resultId = Number(result.run(runId, r.scenario, r.scenarioDigest, r.implementation, r.metric, r.unit, r.better).lastInsertRowid);
      r.values.forEach((value, i) => round.run(resultId, i + 1, value));
    }
    const verdict = db.prepare('INSERT INTO verdicts (run_id, scenario, pair, metric, ratio, ci_low, ci_high, p_value, verdict) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (const v of run.verdicts) verdict.run(runId, v.scenario, v.pair, v.metric, v.ratio, v.ci[0], v.ci[1], v.pValue, v.verdict);
    return { id: runId, duplicate: false };
  });
}

/** A recorded run as `history list` shows it: its identity, and how many results and rounds it holds. */
export interface RunRow extends Pick<HistoryRun, 'startedAt' | 'command' | 'commit' | 'branch' | 'fingerprint' | 'toolVersion' | 'quick' | 'gateExit'> {
  id: number;
  recordedAt: string;
  results: number;
  rounds: number;
}

export interface RunFilter {
  /** Only runs measured on this machine (null: any). */
  fingerprint: string | null;
  branch: string | null;
}

function where(filter: RunFilter): { sql: string; params: string[] } {
  const parts: string[] = [];
  const params: string[] = [];
  if (filter.fingerprint !== null) {
    parts.push('r.fingerprint = ?');
    params.push(filter.fingerprint);
  }
  if (filter.branch !== null) {
    parts.push('r.branch = ?');
    params.push(filter.branch);
  }
  return { sql: parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '', params };
}

export function listRuns(store: HistoryStore, filter: RunFilter): RunRow[] {
  const w = where(filter);
  return store.read((db) =>
    db
      .prepare(
        `SELECT r.id, r.recorded_at AS recordedAt, r.started_at AS startedAt, r.command, r.commit_sha AS "commit", r.branch, r.fingerprint, r.tool_version AS toolVersion, r.quick, r.gate_exit AS gateExit,
                (SELECT count(*) FROM results s WHERE s.run_id = r.id) AS results,
                (SELECT count(*) FROM rounds d JOIN results s ON d.result_id = s.id WHERE s.run_id = r.id) AS rounds
         FROM runs r ${w.sql} ORDER BY r.id`,
      )
      .all(...w.params)
      .map((row) => ({ ...(row as RunRow), quick: (row as { quick: number }).quick === 1 })),
  );
}

/** What names a series: a recorded result's identity, on one machine, at one size. */
export interface SeriesKey extends Omit<HistoryResult, 'values'> {
  quick: boolean;
  fingerprint: string;
}

/** One commit's point of a series: every round its runs recorded, pooled. */
export interface SeriesPoint {
  commit: string;
  branch: string | null;
  runIds: number[];
  recordedAt: string;
  values: number[];
}

export interface Series {
  key: SeriesKey;
  points: SeriesPoint[];
}

export interface SeriesFilter extends RunFilter {
  scenarios: readonly string[];
  implementations: readonly string[];
  metrics: readonly string[];
  /** Keep only the last N commits of each series. */
  last: number | null;
}

export const seriesId = (k: SeriesKey) => [k.scenario, k.scenarioDigest, k.implementation, k.metric, k.fingerprint].join('\u0000');

/**
 * Metric series, one point per commit in the order commits were first recorded (the order CI
 * measured them in: a history knows no git graph). A commit measured twice pools its rounds.
 */
export function loadSeries(store: HistoryStore, filter: SeriesFilter): Series[] {
  const w = where(filter);
  const rows = store.read(
    (db) =>
      db
        .prepare(
          `SELECT r.id AS runId, r.commit_sha AS "commit", r.branch, r.recorded_at AS recordedAt, r.fingerprint, r.quick,
                  s.scenario, s.scenario_digest AS scenarioDigest, s.implementation, s.metric, s.unit, s.better, d.value
           FROM runs r JOIN results s ON s.run_id = r.id JOIN rounds d ON d.result_id = s.id
           ${w.sql} ORDER BY r.id, s.id, d.round`,
        )
        .all(...w.params) as (Omit<SeriesKey, 'quick'> & { runId: number; commit: string; branch: string | null; recordedAt: string; quick: number; value: number })[],
  );
  const pick = (list: readonly string[], value: string) => list.length === 0 || list.includes(value);
  const series = new Map<string, Series>();
  for (const row of rows) {
    if (!pick(filter.scenarios, row.scenario) || !pick(filter.implementations, row.implementation) || !pick(filter.metrics, row.metric)) continue;
    const key: SeriesKey = { scenario: row.scenario, scenarioDigest: row.scenarioDigest, implementation: row.implementation, metric: row.metric, unit: row.unit, better: row.better, quick: row.quick === 1, fingerprint: row.fingerprint };
    const id = seriesId(key);
    const entry = series.get(id) ?? { key, points: [] };
    series.set(id, entry);
    let point = entry.points.find((p) => p.commit === row.commit);
    if (!point) {
      point = { commit: row.commit, branch: row.branch, runIds: [], recordedAt: row.recordedAt, values: [] };
      entry.points.push(point);
    }
    if (!point.runIds.includes(row.runId)) point.runIds.push(row.runId);
    point.values.push(row.value);
  }
  return [...series.values()].map((s) => ({ key: s.key, points: filter.last === null ? s.points : s.points.slice(-filter.last) }));
}

/**
 * Keeps the newest `keep` runs of each machine and branch and deletes the rest (their results,
 * rounds and verdicts go with them). Returns how many runs were deleted.
 */
export function pruneRuns(store: HistoryStore, keep: number): number {
  return store.write((db) => {
    const info = db
      .prepare(
        `DELETE FROM runs WHERE id IN (
           SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY fingerprint, coalesce(branch, '') ORDER BY id DESC) AS age FROM runs) WHERE age > ?
         )`,
      )
      .run(keep);
    return info.changes;
  });
}

/** The first line of an export: what the lines after it are. */
export const EXPORT_FORMAT = 'tunebench-history';

const ResultLine = z.object({
  scenario: z.string(),
  scenarioDigest: z.string(),
  implementation: z.string(),
  metric: z.string(),
  unit: z.string(),
  better: z.enum(['higher', 'lower']),
  values: z.array(z.number().positive().finite()).min(1),
});

export const RunLineSchema = z.strictObject({
  recordedAt: z.string(),
  startedAt: z.string(),
  command: z.string(),
  commit: z.string().min(1),
  branch: z.string().nullable(),
  fingerprint: z.string(),
  toolVersion: z.string(),
  quick: z.boolean(),
  environment: EnvironmentSchema,
  settings: z.record(z.string(), z.unknown()),
  results: z.array(ResultLine),
  verdicts: z.array(z.object({ scenario: z.string(), pair: z.string(), metric: z.string(), ratio: z.number(), ci: z.tuple([z.number(), z.number()]), pValue: z.number(), verdict: z.enum(['improved', 'regressed', 'unchanged']) })),
  gateExit: z.number().int().nullable(),
});
export type RunLine = z.output<typeof RunLineSchema>;

/** Every run, oldest first, as export lines (a header line first). */
export function exportLines(store: HistoryStore): string[] {
  return store.read((db) => {
    const runs = db.prepare('SELECT * FROM runs ORDER BY id').all() as Record<string, unknown>[];
    const results = db.prepare('SELECT id, scenario, scenario_digest AS scenarioDigest, implementation, metric, unit, better FROM results WHERE run_id = ? ORDER BY id');
    const rounds = db.prepare('SELECT value FROM rounds WHERE result_id = ? ORDER BY round').pluck();
    const verdicts = db.prepare('SELECT scenario, pair, metric, ratio, ci_low, ci_high, p_value, verdict FROM verdicts WHERE run_id = ? ORDER BY scenario, pair, metric');
    const lines = [JSON.stringify({ format: EXPORT_FORMAT, version: SCHEMA_VERSION, runs: runs.length })];
    for (const r of runs) {
      const line: RunLine = {
        recordedAt: r.recorded_at as string,
        startedAt: r.started_at as string,
        command: r.command as string,
        commit: r.commit_sha as string,
        branch: r.branch as string | null,
        fingerprint: r.fingerprint as string,
        toolVersion: r.tool_version as string,
        quick: r.quick === 1,
        environment: JSON.parse(r.environment as string),
        settings: JSON.parse(r.settings as string),
        results: (results.all(r.id) as (Omit<RunLine['results'][number], 'values'> & { id: number })[]).map(({ id, ...rest }) => ({ ...rest, values: rounds.all(id) as number[] })),
        verdicts: (verdicts.all(r.id) as Record<string, unknown>[]).map((v) => ({ scenario: v.scenario as string, pair: v.pair as string, metric: v.metric as string, ratio: v.ratio as number, ci: [v.ci_low as number, v.ci_high as number], pValue: v.p_value as number, verdict: v.verdict as 'improved' })),
        gateExit: r.gate_exit as number | null,
      };
      lines.push(JSON.stringify(line));
    }
    return lines;
  });
}

/** Export lines checked before anything is written: one bad line refuses the whole import. */
export function parseExport(text: string, source: string): RunLine[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new UsageError(`${source} is empty: not a tunebench history export`);
  const json = (line: string, n: number): unknown => {
    try {
      return JSON.parse(line);
    } catch {
      throw new UsageError(`${source} line ${n}: not JSON; nothing was imported`);
    }
  };
  const header = z.object({ format: z.literal(EXPORT_FORMAT), version: z.number().int().min(1) }).safeParse(json(lines[0], 1));
  if (!header.success) throw new UsageError(`${source} line 1: not a tunebench history export header ({"format":"${EXPORT_FORMAT}",...}); nothing was imported`);
  if (header.data.version > SCHEMA_VERSION) throw new UsageError(`${source} was exported from history schema ${header.data.version}, newer than this tunebench knows (${SCHEMA_VERSION}); nothing was imported`);
  return lines.slice(1).map((line, i) => {
    const parsed = RunLineSchema.safeParse(json(line, i + 2));
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new UsageError(`${source} line ${i + 2}: ${issue.path.join('.') || '(run)'}: ${issue.message}; nothing was imported`);
  });
}

/** Imports runs in one transaction; runs already there (same digest) are skipped. */
export function importRuns(store: HistoryStore, runs: readonly RunLine[]): { added: number; skipped: number } {
  return store.write(() => {
    let added = 0;
    for (const { recordedAt, ...run } of runs) if (!recordRun(store, run, recordedAt).duplicate) added++;
    return { added, skipped: runs.length - added };
  });
}
