/**
 * The decision procedures on synthetic rounds, through the project's own code (runContest,
 * gateAgainst, race), with the noise model: process noise 10-25%, within-round noise 2-8%,
 * stalls, drift. Small trial counts with generous bounds (bench/statistics-bench.ts measures the
 * rates precisely): each bound is far from the measured rate, so these fail only when a rule breaks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runContest } from '../../harness/compare/contest.js';
import { fitMetric } from '../../harness/simulate/fit.js';
import { MACHINE_NOISE, withinNoise, normal } from '../../harness/simulate/noise.js';
import { simulateCoverage, simulateGate, simulateRace } from '../../harness/simulate/simulate.js';
import { gateSuite } from '../../harness/simulate/synthetic.js';
import type { Job, RoundResult } from '../../harness/runner/types.js';
import { findBuiltin } from '../../scenarios/builtin.js';
import { Rng } from '../../scenarios/random.js';

const gateSettings = { alpha: 0.01, threshold: 0.02, minRounds: 8, maxRounds: 16, step: 2, quick: true, seed: 1, confirm: 1 };

describe('a contest on synthetic rounds', () => {
  it('B 10% slower in every round, A stalled in one: regressed (the sum of log ratios stopped at p = 0.5 after 8 rounds)', async () => {
    const scenario = findBuiltin('ycsb-a')!;
    const execute = async (job: Job): Promise<RoundResult[]> =>
      job.arms.map((arm) => {
        const value = arm.label === 'A' ? (job.round === 7 ? 1000 / 1.5 : 1000) : 1000 / 1.1;
        return { arm: arm.label, scenario: scenario.name, kind: 'workload', implementation: 'primary', config: {}, round: job.round, workload: { opsPerSec: value, chunkOpsPerSec: [value], latencyNs: { p50: 1e9 / value, p99: 2e9 / value } } as unknown as RoundResult['workload'], series: [], memoryBytes: null, records: 0, timerOverheadNs: 0, warnings: [] };
      });
    const contest = await runContest(scenario, [{ name: 'AB', a: { label: 'A', impl: { name: 'primary', knobs: {} } }, b: { label: 'B', impl: { name: 'primary', knobs: {} } } }], { alpha: 0.05, threshold: 0.02, minRounds: 8, maxRounds: 16, step: 2, quick: true, seed: 1 }, { execute });
    const throughput = contest.comparisons.find((c) => c.metric === 'throughput')!;
    assert.equal(throughput.verdict, 'regressed', throughput.reason);
    assert.ok(Math.abs(throughput.ratio - 1 / 1.1) < 1e-9);
  });
});

describe('the gate on a simulated 72-metric suite', () => {
  it('A/A: at most 3 of 100 gates fail (the target is 1%, measured 0 of 1000)', async () => {
    const r = await simulateGate(gateSuite(7), gateSettings, { trials: 100, effect: 0, seed: 3 });
    assert.ok(r.fails.hits <= 3, `${r.fails.hits} of 100 A/A gates failed`);
    assert.ok(r.meanSuspects > 0, 'the first pass finds suspects to re-measure');
  });

  it('one metric of 72 slowed 10%: at least 48 of 60 gates catch it (measured 95%)', async () => {
    const r = await simulateGate(gateSuite(7), gateSettings, { trials: 60, effect: 0.1, seed: 4 });
    assert.ok(r.caught.hits >= 48, `${r.caught.hits} of 60 caught`);
  });

  it('with no confirmation stage the first pass decides, and false fails climb', async () => {
    const r = await simulateGate(gateSuite(7), { ...gateSettings, alpha: 0.05, confirm: 0 }, { trials: 40, effect: 0, seed: 5 });
    assert.ok(r.fails.hits >= 2, `${r.fails.hits} of 40 A/A gates failed without confirmation`);
  });
});

describe('the race on simulated candidates', () => {
  const settings = { firstLook: 5, maxRounds: 16, budget: 144, alpha: 0.05, threshold: 0.02, seed: 1, grid: false };

  it('equal candidates: at most 5% of looks drop one (the Friedman test guards the post-hoc drops)', async () => {
    const r = await simulateRace(settings, { candidates: 15, gain: 0, noise: MACHINE_NOISE, trials: 100, seed: 6 });
    assert.ok(r.falseDropLooks.rate <= 0.05, `false drops at ${r.falseDropLooks.hits} of ${r.falseDropLooks.trials} looks`);
  });

  it('one candidate 5% better wins at least 65 of 100 races within 60% of the grid (measured 81%)', async () => {
    const r = await simulateRace(settings, { candidates: 15, gain: 0.05, noise: MACHINE_NOISE, trials: 100, seed: 7 });
    assert.ok(r.bestWins.hits >= 65, `${r.bestWins.hits} of 100 won`);
    assert.ok(r.meanSpent <= 144);
  });
});

describe('intervals and the noise fit', () => {
  for (const [name, model] of [
    ['normal', { ...MACHINE_NOISE, outlierRate: 0 }],
    ['t3', { ...MACHINE_NOISE, tails: 't3' as const, outlierRate: 0 }],
    ['stalls', { ...MACHINE_NOISE, outlierRate: 0.05 }],
  ] as const) {
    for (const rounds of [8, 16]) {
      it(`95% intervals cover at least 94% at ${rounds} rounds, ${name} noise (2000 trials)`, () => {
        const c = simulateCoverage(model, { rounds, trials: 2000, seed: rounds });
        assert.ok(c.pairedRatio.rate >= 0.94, `paired ratio ${c.pairedRatio.rate}`);
        assert.ok(c.median.rate >= 0.94, `median ${c.median.rate}`);
      });
    }
  }

  it('the fit recovers a known noise model from 200 paired rounds', () => {
    const rng = new Rng(9);
    const truth = { ...MACHINE_NOISE, processSd: 0.15, withinSd: 0.04, outlierRate: 0.02, driftPerRound: 0.002 };
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 200; i++) {
      const level = truth.processSd * normal(rng) + truth.driftPerRound * i;
      a.push(1000 * Math.exp(level - withinNoise(truth, rng)));
      b.push(1000 * Math.exp(level - withinNoise(truth, rng) - Math.log(1.1)));
    }
    const fit = fitMetric(a, b)!;
    assert.ok(Math.abs(fit.processSd - 0.15) < 0.03, `process ${fit.processSd}`);
    assert.ok(Math.abs(fit.withinSd - 0.04) < 0.008, `within ${fit.withinSd}`);
    assert.ok(Math.abs(fit.driftPerRound - 0.002) < 0.001, `drift ${fit.driftPerRound}`);
    assert.ok(fit.outlierRate > 0.005 && fit.outlierRate < 0.04, `stalls ${fit.outlierRate}`);
  });
});
