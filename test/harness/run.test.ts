/**
 * End to end: `tunebench run --quick` on two scenarios and two implementations, then the report
 * (validated against the shipped JSON Schema), the charts (real PNGs of the right size), the
 * summary, `tunebench report` re-rendering, and bad command lines.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { runCli, projectRoot } from './cli-helpers.js';
import { pngSize } from '../../reports/render.js';
import { shareAtOrBelow } from '../../harness/measure/latency.js';
import { newHistogram } from '../../index/metrics/histogram.js';
import { type Report, reportJsonSchema } from '../../reports/schema.js';

let dir: string;
let report: Report;

const smallGrowth = {
  name: 'small-growth',
  kind: 'growth',
  description: 'reads at two small sizes',
  dataset: { records: 0 },
  mix: { read: 1 },
  sizes: [500, 4000],
  operations: 4000,
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tb-run-'));
  writeFileSync(join(dir, 'growth.json'), JSON.stringify(smallGrowth));
  const result = runCli(['run', 'ycsb-c', '--scenario-file', join(dir, 'growth.json'), '--impl', 'primary', '--impl', 'map', '--quick', '--rounds', '2', '--out', join(dir, 'out')], { timeoutMs: 300_000 });
  assert.equal(result.status, 0, result.stderr);
  report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as Report;
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('tunebench run --quick, end to end', () => {
  it('writes a report that validates against the shipped JSON Schema', () => {
    const shipped = JSON.parse(readFileSync(join(projectRoot, 'reports', 'report.schema.json'), 'utf8'));
    assert.deepEqual(shipped, JSON.parse(JSON.stringify(reportJsonSchema())), 'reports/report.schema.json is stale: run npm run schema');
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(shipped);
    assert.ok(validate(report), JSON.stringify(validate.errors?.slice(0, 3)));
    assert.equal(report.schemaVersion, 1);
    assert.equal(report.command, 'run');
    assert.equal(report.environment.cores > 0, true);
    assert.match(report.environment.fingerprint, /-node\d+-[0-9a-f]{10}$/);
  });

  it('holds measured metrics, raw samples and rounds for every scenario x implementation', () => {
    assert.equal(report.results.length, 4);
    const ycsb = report.results.filter((r) => r.scenario === 'ycsb-c');
    assert.deepEqual(ycsb.map((r) => r.implementation).sort(), ['map', 'primary']);
    for (const r of ycsb) {
      assert.equal(r.rounds, 2);
      assert.equal(r.samples.rounds.length, 2);
      const t = r.metrics.opsPerSec!;
      assert.ok(t.median > 0 && t.ci[0] <= t.median && t.median <= t.ci[1], `${r.implementation} throughput ${JSON.stringify(t)}`);
      const l = r.metrics.latencyNs!;
      assert.ok(l.min <= l.p50 && l.p50 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, `${r.implementation} latency ${JSON.stringify(l)}`);
      assert.ok(r.metrics.byOperation!.read.share > 0.99, `${r.implementation} read share ${r.metrics.byOperation!.read.share}`);
      for (const round of r.samples.rounds) assert.ok(round.chunkOpsPerSec.length >= 10 && round.histogram !== null, `${r.implementation} round ${round.round}: ${round.chunkOpsPerSec.length} chunks`);
      assert.ok(r.metrics.memoryBytesPerEntry! > 16, `${r.implementation} bytes/entry ${r.metrics.memoryBytesPerEntry}`);
    }
    const growth = report.results.filter((r) => r.scenario === 'small-growth');
    for (const r of growth) {
      const points = r.series.filter((s) => s.metric === 'nsPerOp');
      assert.deepEqual(points.map((p) => p.n).sort((a, b) => a - b), [500, 4000]);
      assert.ok(points.every((p) => p.samples.length === 2 && p.median > 0), `${r.implementation} growth ${JSON.stringify(points)}`);
    }
    assert.deepEqual(report.warnings, []);
  });

  it('renders readable PNG charts and a summary that links them', () => {
    const files = readdirSync(join(dir, 'out'));
    const pngs = files.filter((f) => f.endsWith('.png')).sort();
    assert.deepEqual(pngs, ['growth-small-growth.png', 'latency-ycsb-c.png', 'throughput.png']);
    for (const png of pngs) {
      const size = pngSize(readFileSync(join(dir, 'out', png)));
      assert.ok(size.width >= 900 && size.height === 540, `${png}: ${size.width}x${size.height}`);
    }
    const summary = readFileSync(join(dir, 'out', 'summary.md'), 'utf8');
    for (const png of pngs) assert.ok(summary.includes(`](${png})`), `summary links ${png}`);
    assert.match(summary, /\| implementation \| ops\/s \(median\) \| 95% CI \|/);
    assert.ok(!files.some((f) => f.endsWith('.tmp')), 'no temp files left behind');
  });

  it('tunebench report re-renders charts and summary from the saved report', () => {
    const again = runCli(['report', join(dir, 'out', 'report.json'), '--out', join(dir, 'again')]);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(readdirSync(join(dir, 'again')).sort(), readdirSync(join(dir, 'out')).sort());
  });
});

describe('SLA compliance in run reports', () => {
  it('shareAtOrBelow matches the exact share of recorded values, to the histogram\'s resolution', () => {
    const h = newHistogram();
    const values = Array.from({ length: 5000 }, (_, i) => 100 + ((i * 7919) % 20_000));
    for (const v of values) h.recordValue(v);
    for (const limit of [150, 1_000, 5_432, 12_345, 20_099]) {
      const exact = values.filter((v) => v <= limit).length / values.length;
      assert.ok(Math.abs(shareAtOrBelow(h, limit) - exact) <= 0.002, `at ${limit}: ${shareAtOrBelow(h, limit)} against ${exact}`);
    }
    assert.equal(shareAtOrBelow(h, 1e9), 1);
    assert.equal(shareAtOrBelow(h, 1), 0);
  });

  it('gives the share of operations within p99Ms and of time windows within minOpsPerSec', () => {
    const scenario = (name: string, sla: object) => {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify({ name, dataset: { records: 2000 }, mix: { read: 0.9, update: 0.1 }, sla }));
      return file;
    };
    const out = join(dir, 'sla');
    const r = runCli(['run', '--scenario-file', scenario('sla-easy', { p99Ms: 1000, minOpsPerSec: 1 }), '--scenario-file', scenario('sla-impossible', { p99Ms: 1e-9, minOpsPerSec: 1e12 }), '--impl', 'map', '--rounds', '1', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const results = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).results;
    const compliance = (name: string) => results.find((x: { scenario: string }) => x.scenario === name).sla.map((s: { pass: boolean; compliance: number }) => [s.pass, s.compliance]);
    assert.deepEqual(compliance('sla-easy'), [[true, 1], [true, 1]]);
    assert.deepEqual(compliance('sla-impossible'), [[false, 0], [false, 0]]);
    assert.match(r.stdout, /100\.0% of operations within/);
    assert.match(r.stdout, /0\.0% of time windows within/);
  });
});

describe('bad command lines: one clear line, exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown scenario', ['run', 'ycsb-z'], /unknown scenario "ycsb-z"/],
    ['unknown implementation', ['run', 'ycsb-c', '--impl', 'redis'], /unknown implementation "redis"/],
    ['unknown knob', ['run', 'ycsb-c', '--impl', 'primary:fanout=3'], /unknown knob "fanout" for primary \(known: order, hotIds\)/],
    ['bad knob value', ['run', 'ycsb-c', '--impl', 'primary:order=big'], /primary knob order must be a number, got "big"/],
    ['knob out of range', ['run', 'ycsb-c', '--impl', 'primary:order=2'], /order must be from 3 to 4096, got 2/],
    ['--set nobody has', ['run', 'ycsb-c', '--impl', 'map', '--set', 'order=8'], /--set order: no selected implementation has a knob "order"/],
    ['bad rounds', ['run', 'ycsb-c', '--rounds', '0'], /--rounds must be an integer from 1 to 1000, got 0/],
    ['bad seed', ['run', 'ycsb-c', '--seed', '-4'], /--seed must be an integer/],
    ['missing report', ['report', '/nonexistent/report.json'], /no such file/],
    ['unknown option', ['run', 'ycsb-c', '--fast'], /Unknown argument: fast/],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      const result = runCli(args);
      assert.equal(result.status, 2, result.stderr);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('a bad scenario file: one line per problem naming the field', () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'tb-bad-')), 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'x', dataset: { records: 5 }, mix: { read: 0.7 }, clients: 'many' }));
    const result = runCli(['run', '--scenario-file', bad, '--out', join(tmpdir(), 'never-written')]);
    assert.equal(result.status, 2);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 2, result.stderr);
    assert.ok(lines.some((l) => l.includes('bad.json: mix: the fractions must sum to 1')));
    assert.ok(lines.some((l) => l.includes('bad.json: clients:')));
    assert.ok(!existsSync(join(tmpdir(), 'never-written', 'report.json')));
  });

  it('a file that is not a report', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tb-bad-')), 'report.json');
    writeFileSync(path, JSON.stringify({ schemaVersion: 99 }));
    const result = runCli(['report', path]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /is not a tunebench report: schemaVersion/);
  });
});
