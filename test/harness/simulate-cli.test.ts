/**
 * `calibrate --simulate` end to end: fit the rounds of a saved report, simulate, report; and its
 * bad input.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-helpers.js';

describe('calibrate --simulate --from a saved report', () => {
  it('fits the paired rounds of a compare report and predicts compare and tune', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-simulate-'));
    const compare = runCli(['compare', 'ycsb-c', '--a', 'primary', '--b', 'primary', '--quick', '--rounds', '6', '--min-rounds', '6', '--seed', '2', '--out', join(dir, 'compare')]);
    assert.equal(compare.status, 0, compare.stderr);
    const result = runCli(['calibrate', '--simulate', '--from', join(dir, 'compare', 'report.json'), '--trials', '20', '--effects', '0.1', '--seed', '3', '--out', join(dir, 'sim')]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /noise fitted to .*compare\/report\.json: 3 metrics/);
    assert.match(result.stdout, /compare, simulated \(20 contests each/);
    assert.match(result.stdout, /ycsb-c +A\/A \d+\.\d% \[\d+\.\d-\d+\.\d\] +\+10% \d+\.\d%/);
    assert.match(result.stdout, /tune, simulated \(15 candidates/);
    const report = JSON.parse(readFileSync(join(dir, 'sim', 'report.json'), 'utf8'));
    assert.equal(report.simulation.fitted.length, 3);
    assert.equal(report.simulation.gate, null, 'a compare report names no implementations to gate');
    assert.ok(report.simulation.fitted.every((f: { noise: { withinSd: number } }) => f.noise.withinSd >= 0));
    assert.ok(existsSync(join(dir, 'sim', 'summary.md')));
  });

  for (const [name, args, message] of [
    ['--from without --simulate', ['calibrate', '--from', 'x.json'], /--from goes with --simulate/],
    ['--from a missing file', ['calibrate', '--simulate', '--from', '/nonexistent/report.json'], /no such file/],
  ] as [string, string[], RegExp][]) {
    it(`bad input: ${name} (exit 2, one line)`, () => {
      const result = runCli([...args, '--out', join(tmpdir(), 'tb-never')]);
      assert.equal(result.status, 2, result.stderr);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, message);
    });
  }
});
