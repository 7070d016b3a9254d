/**
 * Suites split over a CI matrix (issue 16): every job in exactly one shard for N = 1..8, the split
 * even by expected time, shard reports merged into the set of results an unsharded run gives, a
 * merged gate failing when a shard's gate fails, shard baselines, and every bad input as one line
 * with exit code 2.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, assertOneLineError } from './cli-helpers.js';
import { allFactories } from '../../harness/adapters/registry.js';
import { assignShards, planShard, unitKey, workUnits } from '../../harness/shard/plan.js';
import { DEFAULT_SUITE, findBuiltin } from '../../scenarios/builtin.js';
import { scaleForQuick } from '../../harness/runner/plan.js';
import { HistoryStore } from '../../harness/history/store.js';
import { recordRun } from '../../harness/history/runs.js';
import { newReport } from '../../harness/new-report.js';
import { runFromReport } from '../../harness/history/records.js';

const root = mkdtempSync(join(tmpdir(), 'tb-shards-'));
after(() => rmSync(root, { recursive: true, force: true }));

const oneLine = assertOneLineError;

describe('shard plans', () => {
  const scenarios = DEFAULT_SUITE.map((n) => scaleForQuick(findBuiltin(n)!));
  const impls = allFactories().map((f) => ({ name: f.name, knobs: {} }));
  const units = workUnits(scenarios, impls, 3, true);

  it('put every job in exactly one shard, the same way every time, for N = 1..8', () => {
    for (let n = 1; n <= 8; n++) {
      const plans = Array.from({ length: n }, (_, i) => planShard(units, { index: i + 1, count: n }));
      const counts = new Map<string, number>();
      for (const plan of plans) for (const u of plan.units) counts.set(unitKey(u), (counts.get(unitKey(u)) ?? 0) + 1);
      assert.equal(counts.size, units.length, `N = ${n}`);
      assert.ok([...counts.values()].every((c) => c === 1), `N = ${n}: a job in two shards`);
      assert.deepEqual(planShard(units, { index: 1, count: n }).units, plans[0].units);
    }
  });

  it('balance shards by expected time: none above the mean by more than its longest job', () => {
    const longest = Math.max(...units.map((u) => u.cost));
    const total = units.reduce((s, u) => s + u.cost, 0);
    for (let n = 2; n <= 8; n++) {
      const loads = assignShards(units, n).map((s) => s.reduce((t, u) => t + u.cost, 0));
      assert.ok(Math.max(...loads) <= total / n + longest, `N = ${n}: ${loads.map(Math.round).join(', ')}`);
    }
    // Split by count into contiguous pieces, the series scenarios (several times a YCSB job) pile up.
    const byCount = Array.from({ length: 4 }, (_, i) => units.slice(Math.floor((i * units.length) / 4), Math.floor(((i + 1) * units.length) / 4)));
    const worst = (shards: typeof units[]) => Math.max(...shards.map((s) => s.reduce((t, u) => t + u.cost, 0)));
    assert.ok(worst(assignShards(units, 4)) < worst(byCount), `${worst(assignShards(units, 4))} >= ${worst(byCount)}`);
  });
});

describe('run --shard and merge', () => {
  const args = ['run', 'ycsb-c', 'growth', '--impl', 'map', '--impl', 'sorted-btree', '--quick', '--rounds', '1'];
  const shards = [1, 2, 3].map((i) => join(root, `run-${i}`));
  for (const [i, out] of shards.entries()) {
    const r = runCli([...args, '--shard', `${i + 1}/3`, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
  }

  it('merges the shards into the results an unsharded run has', () => {
    const whole = join(root, 'run-whole');
    assert.equal(runCli([...args, '--out', whole]).status, 0);
    const merged = join(root, 'run-merged');
    const r = runCli(['merge', ...shards, '--out', merged]);
    assert.equal(r.status, 0, r.stderr);
    const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    const shape = (report: { results: { scenario: string; implementation: string; rounds: number; series: { metric: string }[] }[] }) => report.results.map((x) => `${x.scenario}/${x.implementation}/${x.rounds}/${x.series.map((s) => s.metric).join(',')}`);
    assert.deepEqual(shape(read(merged)), shape(read(whole)));
    assert.deepEqual(read(merged).settings.merged.shards, 3);
    assert.ok(existsSync(join(merged, 'summary.md')));
  });

  it('refuses a missing, doubled, foreign or mixed shard with one line', () => {
    const edited = (from: string, name: string, edit: (report: Record<string, any>) => void) => {
      const dir = join(root, name);
      cpSync(from, dir, { recursive: true });
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
      edit(report);
      writeFileSync(join(dir, 'report.json'), JSON.stringify(report));
      return dir;
    };
    const otherCommit = edited(shards[2], 'run-3-other-commit', (r) => (r.environment.gitCommit = 'f'.repeat(40)));
    const otherVersion = edited(shards[2], 'run-3-other-version', (r) => (r.tool.version = '9.9.9'));
    const otherRounds = edited(shards[2], 'run-3-other-rounds', (r) => (r.settings.rounds = 7));
    const unsharded = edited(shards[2], 'run-3-unsharded', (r) => delete r.settings.shard);
    const out = join(root, 'merge-refused');
    for (const [dirs, pattern] of [
      [[shards[0], shards[1]], /shard 3\/3 is missing/],
      [[shards[0], shards[1], shards[1], shards[2]], /shard 2\/3 is given twice/],
      [[shards[0], shards[1], otherCommit], /merge shards of one commit/],
      [[shards[0], shards[1], otherVersion], /merge shards of one build/],
      [[shards[0], shards[1], otherRounds], /different settings \(rounds: 1 against 7\)/],
      [[shards[0], shards[1], unsharded], /is not a shard's report/],
      [[join(root, 'nowhere')], /no such file/],
    ] as const) {
      oneLine(runCli(['merge', ...dirs, '--out', out]), pattern);
    }
    oneLine(runCli(['merge', '--out', out]), /dirs|Not enough/i);
    assert.equal(existsSync(out), false);
  });

  it('refuses a bad --shard before measuring', () => {
    const out = join(root, 'bad-shard');
    for (const [shard, pattern] of [
      ['0/3', /I must be from 1 to 3/],
      ['4/3', /I must be from 1 to 3/],
      ['abc', /--shard must be I\/N/],
      ['1/0', /N must be from 1 to 256/],
    ] as const) {
      oneLine(runCli(['run', 'ycsb-c', '--impl', 'map', '--quick', '--shard', shard, '--out', out]), pattern);
      oneLine(runCli(['gate', 'ycsb-c', '--quick', '--history', '--shard', shard, '--out', out]), pattern);
      oneLine(runCli(['baseline', 'save', 'ycsb-c', '--quick', '--shard', shard]), pattern);
    }
    assert.equal(existsSync(out), false);
  });
});

describe('sharded gates', () => {
  it('a merged gate fails when one shard\'s gate fails', () => {
    // A history in which primary was impossibly fast and map impossibly slow: shard of primary fails.
    const path = join(root, 'gate-history.sqlite');
    const store = HistoryStore.open(path, { create: true });
    const scenario = scaleForQuick(findBuiltin('ycsb-c')!);
    for (let i = 0; i < 4; i++) {
      const result = (implementation: string, t: number, latency: number) => ({
        scenario: 'ycsb-c', kind: 'workload' as const, implementation, config: {}, rounds: 3,
        metrics: { opsPerSec: null, latencyNs: null, memoryBytesPerEntry: null, byOperation: null }, series: [], sla: [], warnings: [],
        samples: { rounds: [1, 1.01, 0.99].map((f, r) => ({ round: r + 1, opsPerSec: t * f, chunkOpsPerSec: [t * f], latencyNs: { p50: latency * f, p95: latency, p99: latency * f, p999: latency, mean: latency, min: latency, max: latency, count: 10 }, histogram: null, operations: 10, memoryBytes: null, records: 10, timerOverheadNs: 1, durationMs: 1, series: [], warnings: [] })) },
      });
      const report = newReport({ command: 'run', startedAt: `2026-08-01T00:00:0${i}.000Z`, settings: { quick: true }, scenarios: [scenario], results: [result('primary', 1e12, 1e-3), result('map', 1, 1e12)] });
      recordRun(store, runFromReport(report, { commit: `${i}`.repeat(40), branch: 'main' }, 'r'));
    }
    store.close();
    const codes = [1, 2].map((i) => runCli(['gate', 'ycsb-c', '--impl', 'primary', '--impl', 'map', '--quick', '--history', '--history-file', path, '--rounds', '6', '--min-rounds', '6', '--confirm', '0', '--alpha', '0.1', '--shard', `${i}/2`, '--out', join(root, `gate-${i}`)]));
    assert.deepEqual(codes.map((c) => c.status).sort(), [0, 1], codes.map((c) => c.stderr).join('\n'));
    assert.match(codes[0].stderr, /shard 1\/2: 1 of 2 scenario x implementation jobs/);
    const merged = runCli(['merge', join(root, 'gate-1'), join(root, 'gate-2'), '--out', join(root, 'gate-merged')]);
    assert.equal(merged.status, 1, merged.stdout + merged.stderr);
    const report = JSON.parse(readFileSync(join(root, 'gate-merged', 'report.json'), 'utf8'));
    assert.equal(report.gate.alpha, 0.1);
    assert.equal(report.comparisons.filter((c: { metric: string }) => c.metric === 'throughput').length, 2);
    assert.deepEqual([...new Set(report.gate.regressed.map((c: { pair: string }) => c.pair))], ['primary']);
    // Each shard judged at alpha / 2, so the merged gate keeps 0.1.
    const shard = JSON.parse(readFileSync(join(root, 'gate-1', 'report.json'), 'utf8'));
    assert.equal(shard.gate.alpha, 0.05);
  });

  it('baseline save --shard keeps its part, and gate --baseline --shard reads it', () => {
    const cwd = mkdtempSync(join(root, 'project-'));
    const saved = runCli(['baseline', 'save', 'ycsb-c', 'ycsb-e', '--impl', 'map', '--quick', '--rounds', '3', '--shard', '1/2'], { cwd });
    assert.equal(saved.status, 0, saved.stderr);
    assert.match(saved.stdout, /saved baseline "main\.shard-1-of-2"/);
    const gated = runCli(['gate', '--baseline', 'main', '--quick', '--shard', '1/2', '--confirm', '0', '--out', join(cwd, 'gate')], { cwd });
    assert.ok(gated.status === 0 || gated.status === 1, gated.stderr);
    const report = JSON.parse(readFileSync(join(cwd, 'gate', 'report.json'), 'utf8'));
    assert.equal(new Set(report.comparisons.map((c: { scenario: string }) => c.scenario)).size, 1);
    oneLine(runCli(['gate', '--baseline', 'main', '--quick', '--shard', '2/2', '--out', join(cwd, 'gate2')], { cwd }), /no baseline named "main\.shard-2-of-2"/);
    oneLine(runCli(['gate', '--baseline', 'main.shard-1-of-2', '--quick', '--shard', '1/3', '--out', join(cwd, 'gate3')], { cwd }), /no baseline named "main\.shard-1-of-2\.shard-1-of-3"/);
  });
});

describe('calibrate and claims shards', () => {
  it('calibrate --shard splits the contests and merge recomputes the calibration from all of them', () => {
    const args = ['calibrate', 'ycsb-c', '--quick', '--trials', '1', '--effects', '0.3', '--rounds', '4', '--min-rounds', '4', '--seed', '11'];
    for (const i of [1, 2]) {
      const r = runCli([...args, '--shard', `${i}/2`, '--out', join(root, `cal-${i}`)]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`shard ${i}/2: 1 of 2 scenario x implementation jobs`));
    }
    const merged = runCli(['merge', join(root, 'cal-1'), join(root, 'cal-2'), '--out', join(root, 'cal-merged')]);
    assert.equal(merged.status, 0, merged.stderr);
    const calibration = JSON.parse(readFileSync(join(root, 'cal-merged', 'report.json'), 'utf8')).calibration;
    assert.deepEqual(calibration.trials.map((t: { effect: number; trial: number }) => `${t.effect}/${t.trial}`), ['0/0', '0.3/0']);
    assert.deepEqual(calibration.effects.map((e: { effect: number; trials: number }) => [e.effect, e.trials]), [[0, 1], [0.3, 1]]);
    assert.ok(calibration.noise.some((n: { metric: string }) => n.metric === 'throughput'));
    oneLine(runCli(['calibrate', '--simulate', '--shard', '1/2', '--out', join(root, 'cal-sim')]), /--simulate takes seconds and is not split/);
  });

  it('claims --shard measures only its groups', () => {
    const r = runCli(['claims', '--quick', '--rounds', '1', '--shard', '8/8', '--out', join(root, 'claims-8')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /shard 8\/8: 1 of 8 .*: claims x memory$/m);
    const claims = JSON.parse(readFileSync(join(root, 'claims-8', 'report.json'), 'utf8')).claims;
    assert.deepEqual(claims.map((c: { id: string }) => c.id), ['memory-overhead', 'memory-cleanup', 'fragmentation', 'tree-balance']);
  });
});
