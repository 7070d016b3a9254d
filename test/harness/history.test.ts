/**
 * The performance history (issue 16): the SQLite file's schema, migration from an older version,
 * raw rounds recorded and read back, two processes recording at once, damaged and foreign files
 * refused untouched, change points found at the planted commits, gate --history's exit codes,
 * prune, export and import, and every bad input as one line with exit code 2.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { cliPath, runCli, assertOneLineError } from './cli-helpers.js';
import { newReport } from '../../harness/new-report.js';
import { APPLICATION_ID, HistoryStore, MIGRATIONS, SCHEMA_VERSION } from '../../harness/history/store.js';
import { runFromReport } from '../../harness/history/records.js';
import { loadSeries, recordRun } from '../../harness/history/runs.js';
import { findBuiltin } from '../../scenarios/builtin.js';
import { scaleForQuick } from '../../harness/runner/plan.js';
import type { Report } from '../../reports/schema.js';
import type { Scenario } from '../../scenarios/schema.js';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');

const root = mkdtempSync(join(tmpdir(), 'tb-history-'));
after(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
const fresh = (name = 'h') => join(root, `${name}-${++files}.sqlite`);

const sha = (i: number | string) => createHash('sha1').update(String(i)).digest('hex');
const quickC: Scenario = scaleForQuick(findBuiltin('ycsb-c')!);

type Levels = { throughput: number[]; p50: number[]; p99: number[] };

/** A run report of `scenario` with the given per-round values for each implementation. */
function runReport(startedAt: string, impls: Record<string, Levels>, scenario: Scenario = quickC): Report {
  const results = Object.entries(impls).map(([implementation, v]) => ({
    scenario: scenario.name,
    kind: 'workload' as const,
    implementation,
    config: {},
    rounds: v.throughput.length,
    metrics: { opsPerSec: null, latencyNs: null, memoryBytesPerEntry: null, byOperation: null },
    series: [],
    samples: {
      rounds: v.throughput.map((t, i) => ({
        round: i + 1,
        opsPerSec: t,
        chunkOpsPerSec: [t],
        latencyNs: { p50: v.p50[i], p95: v.p99[i], p99: v.p99[i], p999: v.p99[i], mean: v.p50[i], min: v.p50[i], max: v.p99[i], count: 1000 },
        histogram: null,
        operations: 1000,
        memoryBytes: null,
        records: 100,
        timerOverheadNs: 20,
        durationMs: 10,
        series: [],
        warnings: [],
      })),
    },
    sla: [],
    warnings: [],
  }));
  return newReport({ command: 'run', startedAt, settings: { quick: true }, scenarios: [scenario], results });
}

/** Deterministic noise: a value within ±spread of 1. */
function noise(seed: number, spread: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 1 + spread * (2 * (s / 2 ** 32) - 1);
  };
}

function levels(level: number, rounds: number, next: () => number, latency = 1000 / level): Levels {
  const t = Array.from({ length: rounds }, () => level * next());
  return { throughput: t, p50: t.map(() => latency * next()), p99: t.map(() => 3 * latency * next()) };
}

function writeReportFile(dir: string, name: string, report: Report): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(report));
  return path;
}

const oneLine = assertOneLineError;

describe('the history file', () => {
  it('is created with its application id and the current schema version', () => {
    const path = fresh();
    HistoryStore.open(path, { create: true }).close();
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('application_id', { simple: true }), APPLICATION_ID);
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    assert.deepEqual(tables, ['results', 'rounds', 'runs', 'verdicts']);
    db.close();
  });

  it('migrates a version-1 file and keeps its runs', () => {
    const path = fresh();
    const db = new Database(path);
    db.exec(MIGRATIONS[0]);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma('user_version = 1');
    db.prepare("INSERT INTO runs (recorded_at, started_at, command, commit_sha, branch, fingerprint, tool_version, quick, environment, settings, digest) VALUES ('t', 's', 'run', 'abc1234', 'main', 'fp', '0.1.0', 1, '{}', '{}', 'd1')").run();
    const resultId = db.prepare("INSERT INTO results (run_id, scenario, scenario_digest, implementation, metric, unit, better) VALUES (1, 'ycsb-c', 'x', 'primary', 'throughput', 'ops/s', 'higher')").run().lastInsertRowid;
    db.prepare('INSERT INTO rounds (result_id, round, value) VALUES (?, 1, 123.5)').run(resultId);
    db.close();
    const store = HistoryStore.open(path, { create: false });
    assert.equal(store.version(), SCHEMA_VERSION);
    const series = loadSeries(store, { fingerprint: 'fp', branch: null, scenarios: [], implementations: [], metrics: [], last: null });
    assert.deepEqual(series[0].points[0].values, [123.5]);
    store.close();
    const after = new Database(path, { readonly: true });
    assert.equal(after.prepare('SELECT gate_exit FROM runs').pluck().get(), null);
    assert.equal(after.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'verdicts'").pluck().get(), 1);
    after.close();
  });

  it('keeps every round of every metric as recorded, and a report recorded twice is one run', () => {
    const path = fresh();
    const next = noise(7, 0.05);
    const report = runReport('2026-01-01T00:00:00.000Z', { primary: levels(1e6, 5, next), map: levels(2e7, 5, next) });
    const store = HistoryStore.open(path, { create: true });
    const where = { commit: sha(1), branch: 'main' };
    const first = recordRun(store, runFromReport(report, where, 'r'));
    const again = recordRun(store, runFromReport(report, where, 'r'));
    assert.deepEqual([first.duplicate, again.duplicate, again.id], [false, true, first.id]);
    const series = loadSeries(store, { fingerprint: report.environment.fingerprint, branch: 'main', scenarios: [], implementations: ['primary'], metrics: [], last: null });
    store.close();
    const byMetric = Object.fromEntries(series.map((s) => [s.key.metric, s.points[0].values]));
    const rounds = report.results[0].samples.rounds;
    assert.deepEqual(byMetric.throughput, rounds.map((r) => r.opsPerSec));
    assert.deepEqual(byMetric.p50, rounds.map((r) => r.latencyNs!.p50));
    assert.deepEqual(byMetric.p99, rounds.map((r) => r.latencyNs!.p99));
  });

  it('loses no run when two processes record into it at once', async () => {
    const path = fresh();
    const dirs = ['a', 'b'].map((side) => {
      const dir = join(root, `concurrent-${side}`);
      for (let i = 0; i < 8; i++) writeReportFile(dir, `r${i}`, runReport(`2026-02-0${side === 'a' ? 1 : 2}T00:00:0${i}.000Z`, { primary: levels(1e6, 3, noise(i + (side === 'a' ? 0 : 100), 0.05)) }));
      return dir;
    });
    const record = (dir: string) =>
      new Promise<number>((resolve) => {
        const args = [cliPath, 'history', 'record', ...Array.from({ length: 8 }, (_, i) => join(dir, `r${i}.json`)), '--commit', sha(dir), '--branch', 'main', '--history-file', path];
        spawn(process.execPath, args, { stdio: 'ignore' }).on('exit', (code) => resolve(code ?? -1));
      });
    assert.deepEqual(await Promise.all(dirs.map(record)), [0, 0]);
    const db = new Database(path, { readonly: true });
    assert.equal(db.prepare('SELECT count(*) FROM runs').pluck().get(), 16);
    assert.equal(db.prepare('SELECT count(*) FROM rounds').pluck().get(), 16 * 3 * 3);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
  });

  it('refuses a damaged, foreign, non-SQLite or newer file with one line and leaves it as it was', () => {
    const good = fresh();
    const store = HistoryStore.open(good, { create: true });
    for (let i = 0; i < 30; i++) recordRun(store, runFromReport(runReport(`2026-03-01T00:00:${String(i).padStart(2, '0')}.000Z`, { primary: levels(1e6, 20, noise(i, 0.05)) }), { commit: sha(i), branch: 'main' }, 'r'));
    store.close();
    // Checkpointed into the main file (close does that): damage a b-tree page past the header.
    const damaged = join(root, 'damaged.sqlite');
    const bytes = readFileSync(good);
    for (let at = 4096 + 8; at < 4096 + 200; at++) bytes[at] ^= 0xff;
    writeFileSync(damaged, bytes);
    const foreign = join(root, 'foreign.sqlite');
    const other = new Database(foreign);
    other.exec('CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance REAL)');
    other.close();
    const text = join(root, 'notes.sqlite');
    writeFileSync(text, 'these are my notes, not a database\n');
    const newer = fresh();
    HistoryStore.open(newer, { create: true }).close();
    const bump = new Database(newer);
    bump.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    bump.close();
    for (const [path, pattern] of [
      [damaged, /damaged|malformed/],
      [foreign, /another application/],
      [text, /not a SQLite database/],
      [newer, /newer than this tunebench knows/],
    ] as const) {
      const before = readFileSync(path);
      oneLine(runCli(['history', 'record', writeReportFile(join(root, 'refused'), 'r', runReport('2026-03-02T00:00:00.000Z', { primary: levels(1e6, 3, noise(1, 0.05)) })), '--commit', sha('x'), '--branch', 'main', '--history-file', path]), pattern);
      assert.deepEqual(readFileSync(path), before, `${path} was changed`);
      assert.equal(existsSync(`${path}-wal`) && readFileSync(`${path}-wal`).length > 0, false);
    }
  });
});

describe('history detect and show', () => {
  const path = fresh('planted');
  const dir = join(root, 'planted');
  // 24 commits: primary's throughput drops 10% at commit 12 (p50 rises as much); map stays level.
  const reports = Array.from({ length: 24 }, (_, i) => {
    const next = noise(1000 + i, 0.02);
    const step = i >= 12 ? 0.9 : 1;
    return writeReportFile(dir, `c${i}`, runReport(`2026-04-01T00:${String(i).padStart(2, '0')}:00.000Z`, { primary: levels(1e6 * step, 5, next, 1000 / step), map: levels(2e7, 5, next) }));
  });
  for (const [i, report] of reports.entries()) {
    const r = runCli(['history', 'record', report, '--commit', sha(i), '--branch', 'main', '--history-file', path]);
    assert.equal(r.status, 0, r.stderr);
  }

  it('finds the planted step at its commit, as a regression with its size, and nothing in the level series', () => {
    const r = runCli(['history', 'detect', '--json', '--history-file', path]);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const primary = out.changes.filter((c: { implementation: string }) => c.implementation === 'primary');
    assert.deepEqual(primary.map((c: { metric: string }) => c.metric).sort(), ['p50', 'p99', 'throughput']);
    for (const c of primary) {
      assert.ok(Math.abs(c.index - 12) <= 1, `${c.metric} changed at ${c.index}`);
      assert.equal(c.kind, 'regression');
      assert.equal(c.commit, sha(c.index));
    }
    const throughput = primary.find((c: { metric: string }) => c.metric === 'throughput');
    assert.ok(throughput.ratio > 0.87 && throughput.ratio < 0.93, String(throughput.ratio));
    assert.ok(throughput.ci[0] <= throughput.ratio && throughput.ratio <= throughput.ci[1]);
    assert.equal(out.changes.filter((c: { implementation: string }) => c.implementation === 'map').length, 0);
    // Deterministic for a seed.
    assert.equal(runCli(['history', 'detect', '--json', '--history-file', path]).stdout, r.stdout);
  });

  it('draws a chart per scenario and metric, and writes summary.md and history.json', () => {
    const out = join(root, 'show');
    const r = runCli(['history', 'show', 'ycsb-c', '--metric', 'throughput', '--out', out, '--history-file', path]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(out, 'history-ycsb-c-throughput.png')));
    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    assert.match(summary, /\*\*regression -1\d\.\d%\*\*/);
    const trends = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')).trends;
    assert.equal(trends.length, 2);
    assert.equal(trends[0].points.length, 24);
  });

  it('--last keeps the newest commits only', () => {
    const r = runCli(['history', 'show', '--impl', 'primary', '--metric', 'throughput', '--last', '5', '--json', '--out', join(root, 'show-last'), '--history-file', path]);
    assert.equal(r.status, 0, r.stderr);
    const trend = JSON.parse(r.stdout).trends[0];
    assert.deepEqual(trend.points.map((p: { commit: string }) => p.commit), [19, 20, 21, 22, 23].map(sha));
    assert.match(trend.note, /change points need at least 6/);
  });

  it('prunes to the newest runs and exports and imports them whole', () => {
    const copy = join(root, 'copy.sqlite');
    const exported = join(root, 'export.jsonl');
    assert.equal(runCli(['history', 'export', '--out', exported, '--history-file', path]).status, 0);
    const imported = runCli(['history', 'import', exported, '--history-file', copy]);
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(imported.stdout, /imported 24 runs \(0 were already there\)/);
    assert.match(runCli(['history', 'import', exported, '--history-file', copy]).stdout, /imported 0 runs \(24 were already there\)/);
    const again = runCli(['history', 'export', '--history-file', copy]);
    assert.equal(again.stdout, readFileSync(exported, 'utf8'));
    const pruned = runCli(['history', 'prune', '--keep', '10', '--history-file', copy]);
    assert.match(pruned.stdout, /deleted 14 runs/);
    const runs = JSON.parse(runCli(['history', 'list', '--json', '--history-file', copy]).stdout);
    assert.deepEqual(runs.map((r: { commit: string }) => r.commit), Array.from({ length: 10 }, (_, i) => sha(14 + i)));
    // A damaged line refuses the whole import.
    const lines = readFileSync(exported, 'utf8').split('\n');
    lines[3] = lines[3].replace('"quick":true', '"quick":"yes"');
    writeFileSync(exported, lines.join('\n'));
    const target = fresh('import');
    oneLine(runCli(['history', 'import', exported, '--history-file', target]), /line 4: quick: /);
    assert.equal(existsSync(target), false);
  });
});

describe('gate --history', () => {
  /** A history whose main branch holds 5 commits of ycsb-c (quick) x primary at these values. */
  function history(throughput: number, latency: number): string {
    const path = fresh('gate');
    const store = HistoryStore.open(path, { create: true });
    for (let i = 0; i < 5; i++) {
      const next = noise(i + 1, 0.03);
      const report = runReport(`2026-05-01T00:00:0${i}.000Z`, { primary: levels(throughput, 4, next, latency) });
      recordRun(store, runFromReport(report, { commit: sha(`gate${i}`), branch: 'main' }, 'r'));
    }
    store.close();
    return path;
  }
  const gate = (path: string, out: string) => runCli(['gate', 'ycsb-c', '--impl', 'primary', '--quick', '--history', '--history-file', path, '--rounds', '6', '--min-rounds', '6', '--confirm', '0', '--alpha', '0.05', '--out', join(root, out)]);

  it('fails against a history far faster than this build (exit 1), passes against a slower one (exit 0)', () => {
    const failing = gate(history(1e12, 1e-3), 'gate-fail');
    assert.equal(failing.status, 1, failing.stdout + failing.stderr);
    const report = JSON.parse(readFileSync(join(root, 'gate-fail', 'report.json'), 'utf8'));
    assert.equal(report.gate.mode, 'history');
    assert.ok(report.gate.regressed.some((c: { metric: string }) => c.metric === 'throughput'));
    assert.ok(report.warnings.some((w: string) => /judged against the last 5 commits of main/.test(w)));
    const passing = gate(history(1, 1e12), 'gate-pass');
    assert.equal(passing.status, 0, passing.stdout + passing.stderr);
  });

  it('refuses a history with nothing to judge against, before measuring', () => {
    const path = history(1e6, 1000);
    oneLine(runCli(['gate', 'ycsb-a', '--impl', 'primary', '--quick', '--history', '--history-file', path, '--out', join(root, 'gate-none')]), /no runs of ycsb-a \(quick\) x primary on branch main/);
    oneLine(runCli(['gate', 'ycsb-c', '--impl', 'primary', '--quick', '--history', '--history-branch', 'release', '--history-file', path, '--out', join(root, 'gate-none')]), /on branch release/);
    oneLine(runCli(['gate', 'ycsb-c', '--impl', 'primary', '--history', '--history-file', path, '--out', join(root, 'gate-none')]), /no runs of ycsb-c x primary/);
    oneLine(runCli(['gate', '--quick', '--history', '--history-file', join(root, 'none.sqlite'), '--out', join(root, 'gate-none')]), /no history at .*none\.sqlite yet/);
    assert.equal(existsSync(join(root, 'gate-none')), false);
  });
});

describe('--record and bad inputs', () => {
  it('run --record puts the run in the history', () => {
    const path = fresh('record');
    const r = runCli(['run', 'ycsb-c', '--impl', 'map', '--quick', '--rounds', '1', '--record', '--commit', sha('rec'), '--branch', 'feature/x', '--history-file', path, '--out', join(root, 'run-record')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /recorded as run 1 in .* \(commit [0-9a-f]{12} on feature\/x\)/);
    const runs = JSON.parse(runCli(['history', 'list', '--json', '--history-file', path]).stdout);
    assert.equal(runs.length, 1);
    assert.deepEqual([runs[0].commit, runs[0].branch, runs[0].quick, runs[0].results], [sha('rec'), 'feature/x', true, 3]);
  });

  it('every bad input is one line and exit code 2', () => {
    const path = fresh('bad');
    const dir = join(root, 'bad');
    const report = writeReportFile(dir, 'ok', runReport('2026-06-01T00:00:00.000Z', { primary: levels(1e6, 3, noise(3, 0.05)) }));
    const compare = writeReportFile(dir, 'compare', { ...runReport('2026-06-01T00:00:01.000Z', {}), command: 'compare' });
    writeFileSync(join(dir, 'broken.json'), '{"schemaVersion": 1');
    const cases: [string[], RegExp][] = [
      [['history', 'record', report, '--commit', 'xyz', '--history-file', path], /--commit must be a commit's hex SHA/],
      [['history', 'record', report, '--commit', sha(1), '--branch', 'a b', '--history-file', path], /--branch must be a branch name/],
      [['history', 'record', compare, '--commit', sha(1), '--history-file', path], /a "compare" report: the history records run and gate reports/],
      [['history', 'record', join(dir, 'broken.json'), '--commit', sha(1), '--history-file', path], /not valid JSON/],
      [['history', 'record', join(dir, 'missing.json'), '--commit', sha(1), '--history-file', path], /no such file/],
      [['history', 'list', '--history-file', join(root, 'absent.sqlite')], /no history at/],
      [['history', 'list', '--history-file', ''], /needs a value/],
      [['history', 'prune', '--keep', '0', '--history-file', path], /--keep must be an integer from 1/],
      [['history', 'show', '--last', 'abc', '--history-file', path], /--last must be an integer/],
      [['history', 'import', join(dir, 'broken.json'), '--history-file', path], /line 1: not JSON/],
      [['history', 'frobnicate'], /name an action: record, list/],
      [['run', 'ycsb-c', '--impl', 'map', '--quick', '--record', '--history-file', join(dir, 'notes.txt'), '--commit', sha(1), '--out', join(root, 'bad-run')], /not a SQLite database/],
      [['gate', '--history', '--baseline', 'main'], /mutually exclusive/],
      [['gate', '--baseline', 'main', '--candidate', 'x', '--record'], /--record records what is measured now/],
    ];
    writeFileSync(join(dir, 'notes.txt'), 'hello\n');
    for (const [args, pattern] of cases) oneLine(runCli(args), pattern);
    assert.equal(existsSync(join(root, 'bad-run')), false);
    // The history named by the first cases was never created by them.
    assert.equal(existsSync(path), false);
    // After one good record the file exists and shows the run.
    assert.equal(runCli(['history', 'record', report, '--commit', sha(1), '--history-file', path]).status, 0);
    oneLine(runCli(['history', 'show', 'ycsb-z', '--history-file', path]), /the history has no scenario "ycsb-z"/);
    oneLine(runCli(['history', 'detect', '--metric', 'p42', '--history-file', path]), /the history has no --metric "p42"/);
  });
});
