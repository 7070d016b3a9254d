/**
 * E-divisive change points (harness/history/change-points.ts): the O(L^2) search agrees with the
 * statistic's definition evaluated directly at every split, and planted steps are found where
 * they were planted (within one point), deterministically for a seed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bestSplit, detectSteps, qDirect, ranks } from '../../harness/history/change-points.js';
import { normal } from '../../harness/simulate/noise.js';
import { Rng } from '../../scenarios/random.js';

function noisy(seed: number, levels: [number, number][]): number[] {
  const rng = new Rng(seed);
  return levels.flatMap(([count, level]) => Array.from({ length: count }, () => level * Math.exp(0.02 * normal(rng))));
}

describe('E-divisive change points', () => {
  it('the best split is the maximum of Q over every (tau, kappa), computed directly', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 20; trial++) {
      const x = Array.from({ length: 8 + rng.int(20) }, () => rng.float() + (rng.float() < 0.3 ? 2 : 0));
      let direct = -Infinity;
      for (let tau = 3; tau <= x.length - 3; tau++) for (let kappa = tau + 3; kappa <= x.length; kappa++) direct = Math.max(direct, qDirect(x, 0, tau, kappa));
      const best = bestSplit(x, 0, x.length, 3)!;
      assert.ok(Math.abs(best.q - direct) < 1e-9 * Math.max(1, Math.abs(direct)), `trial ${trial}: ${best.q} vs ${direct}`);
      assert.ok(Math.abs(qDirect(x, 0, best.tau, best.kappa) - best.q) < 1e-9 * Math.max(1, Math.abs(direct)));
    }
  });

  it('mid-ranks', () => {
    assert.deepEqual(ranks([3, 1, 2, 2]), [4, 1, 2.5, 2.5]);
  });

  it('finds a 10% step, two steps, and nothing in a flat series', () => {
    assert.deepEqual(detectSteps(noisy(1, [[25, 100], [25, 90]]), { seed: 1 }).map((s) => s.index), [25]);
    const two = detectSteps(noisy(2, [[15, 100], [20, 112], [15, 100]]), { seed: 2 });
    assert.deepEqual(two.map((s) => s.index), [15, 35]);
    assert.ok(two[0].ratio > 1.05 && two[1].ratio < 0.95, JSON.stringify(two));
    assert.ok(two[0].ci[0] > 1 && two[0].pValue < 0.01);
    assert.deepEqual(detectSteps(noisy(3, [[50, 100]]), { seed: 3 }), []);
  });

  it('is deterministic for a seed', () => {
    const x = noisy(4, [[20, 100], [30, 95]]);
    assert.deepEqual(detectSteps(x, { seed: 9 }), detectSteps(x, { seed: 9 }));
  });
});
