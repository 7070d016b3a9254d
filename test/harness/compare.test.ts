/**
 * The statistics behind compare, calibrate and tune: known values, verdict rules, the race on
 * synthetic candidates, and the commands end to end (small and quick).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { judge, pairedRatio, smallestPValue, withinBand } from '../../harness/compare/statistics.js';
import { lookLevels, looksOf } from '../../harness/compare/contest.js';
import { mannWhitneyU } from '../../harness/stats/basics.js';
import { race, type RaceSettings } from '../../harness/tune/race.js';
import { candidatesOf, parseKnobOptions } from '../../harness/tune/candidates.js';
import { Rng } from '../../scenarios/random.js';
import { runCli } from './cli-helpers.js';

/** A standard normal draw (Box-Muller) from a seeded generator. */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
}

describe('statistics against known values', () => {
  it('Mann-Whitney U: the Hollander & Wolfe example gives W = 35, one-sided exact p = 0.1272 (as R wilcox.test)', () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = mannWhitneyU(x, y);
    assert.equal(r.u, 35);
    assert.equal(r.exact, true);
    assert.ok(Math.abs(r.pGreater - 0.1272) < 5e-4, String(r.pGreater));
    assert.ok(Math.abs(r.pValue - 0.2544) < 5e-4, String(r.pValue));
  });

  it('the smallest two-sided signed-rank p of 8 rounds is 2/256', () => {
    assert.equal(smallestPValue(8), 2 / 256);
    const up = [0.1, 0.2, 0.05, 0.3, 0.1, 0.15, 0.12, 0.08];
    const j = judge(up.map(() => 100), up.map((d) => 100 * Math.exp(d)), { better: 'higher', threshold: 0.02, alpha: 0.05 });
    assert.equal(j.pValue, 2 / 256);
    assert.equal(j.pWorse, 1);
  });

  it('the paired ratio is the Hodges-Lehmann estimate of the log ratios, inside its interval', () => {
    const a = [100, 102, 98, 101, 99, 103, 100, 97];
    const b = a.map((x, i) => x * (0.9 + i * 0.002));
    const { ratio, ci } = pairedRatio(a, b);
    assert.ok(ci[0] <= ratio && ratio <= ci[1] && ci[1] < 1);
    assert.ok(Math.abs(ratio - 0.907) < 0.002, String(ratio));
  });

  it('looks: from min rounds every step, always ending at the most rounds; Haybittle-Peto levels', () => {
    assert.deepEqual(looksOf({ minRounds: 8, maxRounds: 16, step: 2 }), [8, 10, 12, 14, 16]);
    assert.deepEqual(looksOf({ minRounds: 8, maxRounds: 9, step: 2 }), [8, 9]);
    assert.deepEqual(looksOf({ minRounds: 5, maxRounds: 5, step: 2 }), [5]);
    const levels = lookLevels([8, 10, 12, 14, 16], 0.05);
    assert.deepEqual(levels.slice(0, 4), [0.001, 0.001, 0.001, 0.001]);
    assert.ok(Math.abs(levels[4] - 0.046) < 1e-12);
    assert.ok(Math.abs(lookLevels([8, 16, 32, 48], 0.002).reduce((s, x) => s + x, 0) - 0.002) < 1e-15);
  });
});

describe('verdict rules', () => {
  const a = [100, 101, 99, 102, 100, 98, 101, 100];
  const options = { better: 'higher' as const, threshold: 0.02, alpha: 0.05 };

  it('a consistent 10% drop in throughput is regressed; a 10% rise is improved', () => {
    assert.equal(judge(a, a.map((x) => x * 0.9), options).verdict, 'regressed');
    assert.equal(judge(a, a.map((x) => x * 1.1), options).verdict, 'improved');
  });

  it('for latency (lower is better) the directions swap', () => {
    assert.equal(judge(a, a.map((x) => x * 1.1), { ...options, better: 'lower' }).verdict, 'regressed');
  });

  it('a consistent 1% change is significant but inside the 2% band: unchanged', () => {
    const j = judge(a, a.map((x) => x * 0.99), options);
    assert.ok(j.pValue < 0.05);
    assert.equal(j.verdict, 'unchanged');
    assert.match(j.reason, /noise band/);
    assert.ok(withinBand(j.ci, 0.02));
  });

  it('a large change on too few rounds is not significant: unchanged', () => {
    const j = judge([100, 100, 100, 100], [80, 80, 80, 80], options);
    assert.equal(j.pValue, 2 / 16);
    assert.equal(j.ratio, 0.8);
    assert.equal(j.verdict, 'unchanged');
    assert.match(j.reason, /not significant/);
  });

  it('noise alone (ratios scattered both ways) is unchanged', () => {
    const b = a.map((x, i) => x * (i % 2 === 0 ? 1.08 : 0.93));
    assert.equal(judge(a, b, options).verdict, 'unchanged');
  });
});

describe('the race on synthetic candidates', () => {
  const means = [1.0, 0.97, 0.95, 0.92, 0.9, 0.85, 0.8, 0.7];
  const labels = means.map((_, i) => `c${i}`);
  const settings = (seed: number, over: Partial<RaceSettings> = {}): RaceSettings => ({ firstLook: 5, maxRounds: 16, budget: 48, alpha: 0.05, threshold: 0.02, seed, grid: false, ...over });

  /** Each round: a machine factor shared by all (sd 10%) times each candidate's own noise (sd 2%). */
  function synthetic(seed: number) {
    const rng = new Rng(seed);
    return async (alive: readonly string[]) => {
      const machine = Math.exp(0.1 * normal(rng));
      return new Map(alive.map((l) => [l, 1000 * means[labels.indexOf(l)] * machine * Math.exp(0.02 * normal(rng))]));
    };
  }

  it('the best candidate survives in at least 95% of 200 seeded races, within the budget', async () => {
    let survived = 0;
    let won = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const result = await race(labels, synthetic(seed), settings(seed));
      assert.ok(result.spent <= 48, `spent ${result.spent}`);
      if (result.entrants[0].droppedAfter === null) survived++;
      if (result.winner === 'c0') won++;
    }
    assert.ok(survived >= 190, `best survived ${survived}/200`);
    assert.ok(won >= 150, `best won ${won}/200`);
  });

  it('drops the clearly worse candidates at the first look and says why', async () => {
    const result = await race(labels, synthetic(7), settings(7));
    const worst = result.entrants.find((e) => e.label === 'c7')!;
    assert.equal(worst.droppedAfter, 5);
    assert.match(worst.why!, /worse than c\d after 5 rounds: rank sum \d+(\.\d)? against \d+(\.\d)?, more than the critical difference \d+\.\d \(Friedman p = /);
    assert.ok(result.log.some((e) => e.event === 'dropped' && e.label === 'c7'));
  });

  it('tied candidates end the race as tied; one clear winner ends it with one left', async () => {
    const flat = async (alive: readonly string[]) => new Map(alive.map((l) => [l, 1000]));
    const tied = await race(['x', 'y'], flat, settings(1));
    assert.match(tied.stopped, /tied/);
    assert.equal(tied.rounds, 5);
    const clear = await race(['x', 'y'], async (alive) => new Map(alive.map((l) => [l, l === 'x' ? 1000 : 500])), settings(1));
    assert.match(clear.stopped, /one candidate remains/);
    assert.equal(clear.winner, 'x');
  });

  it('grid mode drops nothing and gives every candidate the most rounds', async () => {
    const result = await race(labels, synthetic(3), settings(3, { grid: true, maxRounds: 6, budget: 0 }));
    assert.ok(result.entrants.every((e) => e.droppedAfter === null && e.scores.length === 6));
    assert.equal(result.spent, 6 * labels.length);
  });

  it('the reference is measured every round even after it is dropped', async () => {
    const result = await race(labels, synthetic(9), settings(9, { reference: 'c7' }));
    const reference = result.entrants.find((e) => e.label === 'c7')!;
    assert.notEqual(reference.droppedAfter, null);
    assert.equal(reference.scores.length, result.rounds);
  });
});

describe('tuning candidates', () => {
  it('builds the grid and adds the default configuration when the grid leaves it out', () => {
    const candidates = candidatesOf('optimized', parseKnobOptions('optimized', ['bulkThreshold=1,4']));
    assert.deepEqual(
      candidates.map((c) => c.label),
      ['optimized:bulkThreshold=1', 'optimized:bulkThreshold=4', 'optimized:bulkThreshold=256'],
    );
    assert.deepEqual(
      candidates.map((c) => c.isDefault),
      [false, false, true],
    );
  });

  it('checks knob names and values against the implementation', () => {
    assert.throws(() => parseKnobOptions('optimized', ['bulkThreshold=0']), /bulkThreshold must be from 1/);
    assert.throws(() => parseKnobOptions('optimized', ['noSuchKnob=1']), /unknown knob "noSuchKnob"/);
    assert.throws(() => parseKnobOptions('optimized', ['bulkThreshold']), /--knob must be name=v1,v2/);
  });
});

describe('compare, calibrate and tune from the command line', () => {
  it('--inject-slowdown 0.3 slows B by about 30%', () => {
    const out = mkdtempSync(join(tmpdir(), 'tb-compare-'));
    const result = runCli(['compare', 'ycsb-c', '--a', 'primary', '--b', 'primary', '--inject-slowdown', '0.3', '--quick', '--rounds', '6', '--min-rounds', '6', '--seed', '5', '--out', out]);
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const throughput = report.comparisons.find((c: { metric: string }) => c.metric === 'throughput');
    // 30% more work per operation: throughput 1/1.3 = 0.77 of A's, with room for noise.
    assert.ok(throughput.ratio > 0.65 && throughput.ratio < 0.88, `throughput ratio ${throughput.ratio}`);
    assert.equal(throughput.verdict, 'regressed');
    assert.ok(existsSync(join(out, 'comparison.png')));
  });

  it('tune races a small grid and writes the trial log, recommendation and charts', () => {
    const out = mkdtempSync(join(tmpdir(), 'tb-tune-'));
    const result = runCli(['tune', 'ycsb-c', '--knob', 'bulkThreshold=1,64', '--quick', '--rounds', '5', '--seed', '3', '--out', out]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /recommended: optimized:bulkThreshold=/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const t = report.tuning;
    assert.equal(t.candidates.length, 3);
    assert.ok(t.spent <= t.budget);
    assert.ok(t.log.filter((e: { event: string }) => e.event === 'measured').length === t.spent);
    assert.ok(existsSync(join(out, 'tuning-trajectory.png')) && existsSync(join(out, 'tuning-ranking.png')));
  });

  const errors: [string, string[], RegExp][] = [
    ['compare without B', ['compare', 'ycsb-c', '--a', 'primary'], /Missing required argument: b/],
    ['bad slowdown', ['compare', 'ycsb-c', '--a', 'primary', '--b', 'primary', '--inject-slowdown', 'lots'], /--inject-slowdown must be a fraction/],
    ['bad threshold', ['compare', 'ycsb-c', '--a', 'primary', '--b', 'primary', '--threshold', '70%'], /--threshold must be a fraction from 0 to 0.5/],
    ['min rounds above rounds', ['compare', 'ycsb-c', '--a', 'primary', '--b', 'primary', '--rounds', '4', '--min-rounds', '6'], /--min-rounds \(6\) must not exceed --rounds \(4\)/],
    ['missing build', ['compare', 'ycsb-c', '--a', 'primary', '--a-build', '/nonexistent', '--b', 'primary'], /\/nonexistent/],
    ['bad effects', ['calibrate', '--effects', '0.1,x'], /--effects must be a fraction/],
    ['tune a series scenario', ['tune', 'growth'], /tune needs a workload scenario/],
    ['tune an unknown knob', ['tune', 'ycsb-a', '--knob', 'speed=1,2'], /unknown knob "speed" for optimized/],
    ['tune a budget too small', ['tune', 'ycsb-a', '--budget', '10'], /--budget 10 cannot give each of the 15 candidates its first 5 rounds/],
    ['tune one configuration', ['tune', 'ycsb-a', '--knob', 'bulkThreshold=256'], /only one configuration to try/],
  ];
  for (const [name, args, message] of errors) {
    it(`bad input: ${name} (exit 2, one line)`, () => {
      const result = runCli(args);
      assert.equal(result.status, 2, result.stderr);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, message);
    });
  }
});
