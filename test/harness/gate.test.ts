/** Baselines, the gate's verdicts and exit codes, and its checks. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveScenarios } from '../../harness/commands/common.js';
import { copyOfThisBuild } from '../../harness/builds.js';
import { currentEnvironment } from '../../harness/environment.js';
import { type Baseline, baselinePath, loadBaseline, saveBaseline } from '../../harness/gate/baselines.js';
import { complexityCheck, memoryReclamationCheck } from '../../harness/gate/checks.js';
import { gateVerdict } from '../../harness/gate/gate.js';
import { gateText } from '../../reports/terminal.js';
import { Rng } from '../../scenarios/random.js';
import { runCli } from './cli-helpers.js';

const machine = currentEnvironment();

/** A baseline of ycsb-c x primary whose rounds have throughput around `level` (±1%). */
function syntheticBaseline(name: string, level: number, seed: number, fingerprint = machine.fingerprint): Baseline {
  const rng = new Rng(seed);
  const noisy = (x: number) => x * (1 + (rng.float() - 0.5) * 0.02);
  return {
    format: 'tunebench-baseline',
    version: 1,
    name,
    savedAt: new Date().toISOString(),
    environment: { ...machine, fingerprint },
    quick: true,
    implementations: ['primary'],
    scenarios: resolveScenarios({ scenarios: ['ycsb-c'], quick: true }),
    rounds: Array.from({ length: 8 }, (_, round) => ({
      arm: 'primary',
      scenario: 'ycsb-c',
      implementation: 'primary',
      round,
      workload: { opsPerSec: noisy(level), chunkOpsPerSec: Array.from({ length: 12 }, () => noisy(level)), latencyNs: { p50: noisy(1e9 / level), p99: noisy(3e9 / level) } },
      series: [],
    })),
  };
}

describe('baselines', () => {
  it('save and load round trip', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tb-baseline-'));
    const saved = syntheticBaseline('main', 1e6, 1);
    const path = saveBaseline(saved, cwd);
    assert.equal(path, join(cwd, '.tunebench', 'baselines', machine.fingerprint, 'main.json'));
    assert.deepEqual(loadBaseline('main', machine, { cwd }), saved);
  });

  it('a baseline from another machine is refused unless allowed', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tb-baseline-'));
    saveBaseline(syntheticBaseline('main', 1e6, 1, 'linux-x64-64c-256g-node22-0123456789'), cwd);
    assert.throws(() => loadBaseline('main', machine, { cwd }), /saved on another machine \(linux-x64-64c-256g-node22-0123456789; this one is /);
    assert.equal(loadBaseline('main', machine, { cwd, allowOtherMachine: true }).name, 'main');
    assert.throws(() => loadBaseline('nope', machine, { cwd }), /no baseline named "nope"/);
  });

  it('bad names are refused', () => {
    assert.throws(() => baselinePath('../evil', machine.fingerprint), /baseline name/);
  });
});

describe('gate exit codes on saved runs (--baseline with --candidate)', () => {
  function setUp(candidateLevel: number): string {
    const cwd = mkdtempSync(join(tmpdir(), 'tb-gate-'));
    saveBaseline(syntheticBaseline('main', 1e6, 1), cwd);
    saveBaseline(syntheticBaseline('pr', candidateLevel, 2), cwd);
    return cwd;
  }
  const gate = (cwd: string, extra: string[] = []) => runCli(['gate', '--baseline', 'main', '--candidate', 'pr', '--seed', '1', '--out', join(cwd, 'out'), ...extra], { cwd });

  it('a 20% lower throughput is regressed: exit 1, one line naming the metric', () => {
    const cwd = setUp(0.8e6);
    const result = gate(cwd);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stdout, /REGRESSED ycsb-c primary throughput: ratio 0\.\d+ \[0\.\d+, 0\.\d+\], p = /);
    assert.match(result.stdout, /gate FAILED/);
    const report = JSON.parse(readFileSync(join(cwd, 'out', 'report.json'), 'utf8'));
    assert.equal(report.gate.exitCode, 1);
    assert.ok(existsSync(join(cwd, 'out', 'gate.png')));
    assert.match(readFileSync(join(cwd, 'out', 'summary.md'), 'utf8'), /^# Gate: FAILED/);
  });

  it('a 20% higher throughput is improved: exit 0', () => {
    const result = gate(setUp(1.2e6));
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /IMPROVED/);
    assert.match(result.stdout, /gate passed/);
  });

  it('the same level is unchanged: exit 0', () => {
    const result = gate(setUp(1e6));
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /REGRESSED|IMPROVED/);
  });

  it('a scenario the baseline lacks: exit 2, one line', () => {
    const cwd = setUp(1e6);
    const result = runCli(['gate', 'ycsb-a', '--baseline', 'main', '--candidate', 'pr', '--out', join(cwd, 'out')], { cwd });
    assert.equal(result.status, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /baseline "main" has no scenario "ycsb-a"/);
  });

  it('a corrupt baseline file: exit 2 with a clear line, nothing overwritten or written', () => {
    const cwd = setUp(1e6);
    const path = baselinePath('main', machine.fingerprint, cwd);
    writeFileSync(path, '{"format": "tunebench-baseline", "version": 1, "name": ');
    const before = readFileSync(path);
    const result = gate(cwd);
    assert.equal(result.status, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /baseline .*main\.json is not valid JSON/);
    assert.deepEqual(readFileSync(path), before);
    assert.ok(!existsSync(join(cwd, 'out')));
    writeFileSync(path, JSON.stringify({ format: 'tunebench-baseline', version: 1, name: 'main' }));
    const wrongShape = gate(cwd);
    assert.equal(wrongShape.status, 2);
    assert.match(wrongShape.stderr, /is not a tunebench baseline: savedAt: /);
  });

  it('bad input: neither --against nor --baseline, both, a missing build', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tb-gate-'));
    for (const [args, message] of [
      [['gate'], /name what to gate against/],
      [['gate', '--against', '/tmp', '--baseline', 'main'], /Arguments against and baseline are mutually exclusive/],
      [['gate', '--against', join(cwd, 'nothing-here')], /does not exist/],
      [['gate', '--baseline', 'main', '--confirm', '-1'], /--confirm must be an integer from 0 to 5/],
    ] as [string[], RegExp][]) {
      const result = runCli(args, { cwd });
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, message);
    }
  });
});

describe('gate verdict', () => {
  const comparison = (verdict: 'regressed' | 'improved' | 'unchanged', metric = 'throughput') => ({
    scenario: 's',
    pair: 'p',
    metric,
    better: 'higher' as const,
    unit: 'ops/s',
    rounds: 8,
    a: { implementation: 'a', median: 1, samples: [1] },
    b: { implementation: 'b', median: 1, samples: [1] },
    ratio: 0.9,
    ci: [0.88, 0.92] as [number, number],
    pValue: 0.01,
    alpha: 0.01,
    verdict,
    reason: '',
  });

  it('a regression a re-measurement did not confirm passes; a confirmed one fails; a failed check fails', () => {
    const c = comparison('regressed');
    const unconfirmed = [{ scenario: 's', pair: 'p', metric: 'throughput', attempts: [], confirmed: false }];
    assert.equal(gateVerdict([c], unconfirmed, [], 1).exitCode, 0);
    assert.equal(gateVerdict([c], [{ ...unconfirmed[0], confirmed: true }], [], 1).exitCode, 1);
    assert.equal(gateVerdict([c], [], [], 0).exitCode, 1, 'nothing re-measured: the regression stands');
    assert.equal(gateVerdict([comparison('improved')], [], [{ name: 'x', passed: false, detail: '', evidence: {} }], 1).exitCode, 1);
    assert.equal(gateVerdict([comparison('improved'), comparison('unchanged', 'p50')], [], [], 1).exitCode, 0);
  });

  it('the terminal says which suspects were re-measured and which were not (their share of alpha too small)', () => {
    const c = comparison('unchanged');
    const attempt = (rounds: number) => ({ ratio: 0.9, ci: [0.88, 0.92] as [number, number], pValue: rounds === 0 ? 1 : 0.2, verdict: 'unchanged' as const, rounds, alpha: 0.0003 });
    const confirmations = [
      { scenario: 's', pair: 'p', metric: 'throughput', attempts: [attempt(16)], confirmed: false },
      { scenario: 's', pair: 'p', metric: 'p50', attempts: [attempt(0)], confirmed: false },
    ];
    const gate = gateVerdict([c], confirmations, [], 1);
    const text = gateText({ mode: 'against', base: 'b', candidate: 'c', threshold: 0.02, confirm: 1, alpha: 0.01, suspects: 2, confirmations, checks: [], accepted: [], unusedAcceptances: [], ...gate } as never, [c], [], 0);
    assert.match(text, /s p throughput: re-measured 0\.900 .* after 16 rounds: cleared/);
    assert.match(text, /s p p50: not re-measured: its share of alpha \(0\.00030\)/);
  });
});

describe('gate checks', () => {
  const rounds = (cost: (n: number) => number) => [{ workload: null, series: [1e3, 1e4, 1e5, 1e6].map((n) => ({ metric: 'nsPerOp', n, unit: 'ns', better: 'lower' as const, value: cost(n) })) }];

  it('complexity: O(log n) passes, O(n) fails', () => {
    const log = complexityCheck('log', rounds((n) => 100 + 20 * Math.log2(n)));
    assert.equal(log.passed, true, log.detail);
    const linear = complexityCheck('linear', rounds((n) => 50 + 0.01 * n));
    assert.equal(linear.passed, false, linear.detail);
    assert.match(linear.detail, /grows like n\^0\.\d+ \(more than n\^0\.6/);
  });

  it('memory reclamation: the index gives memory back after bulk deletes and compact()', () => {
    const check = memoryReclamationCheck(50_000);
    assert.equal(check.passed, true, check.detail);
    assert.ok((check.evidence.bytesAfterCompact as number) < (check.evidence.bytesFull as number) / 3);
  });
});

describe('gate end to end against a copy of this build', () => {
  const copy = copyOfThisBuild();
  after(() => copy.remove());

  it('--inject-slowdown 0.3 fails the gate (exit 1), confirmed by a re-measurement', () => {
    const out = mkdtempSync(join(tmpdir(), 'tb-gate-e2e-'));
    mkdirSync(out, { recursive: true });
    const result = runCli(['gate', 'ycsb-c', '--quick', '--impl', 'primary', '--against', copy.dir, '--inject-slowdown', '0.3', '--seed', '4', '--out', out], { timeoutMs: 240_000 });
    assert.equal(result.status, 1, result.stdout + result.stderr);
    // Which metrics fail depends on the round (a loaded machine can blur one of them); at least one must, confirmed.
    assert.match(result.stdout, /REGRESSED ycsb-c primary (throughput|p50|p99)/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    assert.ok(report.gate.regressed.length > 0);
    assert.ok(report.gate.confirmations.some((c: { confirmed: boolean }) => c.confirmed));
    assert.ok(report.gate.checks.some((c: { name: string; passed: boolean }) => c.name === 'memory reclamation' && c.passed));
  });
});

describe('claims', () => {
  it('reports every claim, failing ones as failing; --strict exits 1 when one fails', () => {
    const out = mkdtempSync(join(tmpdir(), 'tb-claims-'));
    const result = runCli(['claims', '--quick', '--rounds', '1', '--strict', '--out', out], { timeoutMs: 120_000 });
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    assert.equal(report.claims.length, 19);
    for (const c of report.claims) assert.equal(typeof c.passed, 'boolean');
    // Bulk insert in memory is ~2x individual here, not the 10x the feature list claims.
    const inMemory = report.claims.find((c: { id: string }) => c.id === 'bulk-insert/memory/1000');
    assert.equal(inMemory.passed, inMemory.measured >= 10);
    const anyFailed = report.claims.some((c: { passed: boolean }) => !c.passed);
    assert.equal(result.status, anyFailed ? 1 : 0, result.stderr);
    assert.match(result.stdout, /claims hold on this machine/);
    assert.ok(existsSync(join(out, 'claims.png')));
  });
});
