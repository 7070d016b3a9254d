/**
 * The exact tests are exact: each p-value against integer counting over every sign pattern or
 * arrangement (an independent brute force), or against SciPy 1.17 (values pinned below), including
 * the inputs on which the old sign-flip enumeration was wrong.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signFlipPValue } from '../../harness/stats/sign-flip.js';
import { hodgesLehmann, signedRankTest, walshCut } from '../../harness/stats/signed-rank.js';
import { hodgesLehmannShift } from '../../harness/stats/rank-sum.js';
import { friedman } from '../../harness/stats/friedman.js';
import { medianCi, mannWhitneyU } from '../../harness/stats/basics.js';
import { Rng } from '../../scenarios/random.js';

const close = (actual: number, expected: number, tolerance = 1e-12) => assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} against ${expected}`);

/** Sign-flip p by counting 2^n patterns of integer magnitudes. */
function bruteSignFlip(ints: number[], alternative: 'two-sided' | 'less'): number {
  const n = ints.length;
  const observed = ints.reduce((s, x) => s + x, 0);
  let hits = 0;
  for (let k = 0; k < 2 ** n; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (k >> i) & 1 ? -Math.abs(ints[i]) : Math.abs(ints[i]);
    if (alternative === 'two-sided' ? Math.abs(s) >= Math.abs(observed) : s <= observed) hits++;
  }
  return hits / 2 ** n;
}

/** Signed-rank p by counting 2^n sign patterns over the data's own mid-ranks. */
function bruteSignedRank(d: number[], alternative: 'two-sided' | 'less' | 'greater'): number {
  const nz = d.filter((x) => x !== 0);
  const abs = nz.map(Math.abs);
  const ranks = abs.map((a) => {
    const below = abs.filter((b) => b < a).length;
    const equal = abs.filter((b) => b === a).length;
    return below + (equal + 1) / 2;
  });
  const w = nz.reduce((s, x, i) => s + (x > 0 ? ranks[i] : 0), 0);
  let le = 0;
  let ge = 0;
  for (let k = 0; k < 2 ** nz.length; k++) {
    let s = 0;
    for (let i = 0; i < nz.length; i++) if ((k >> i) & 1) s += ranks[i];
    if (s <= w + 1e-9) le++;
    if (s >= w - 1e-9) ge++;
  }
  const total = 2 ** nz.length;
  if (alternative === 'less') return le / total;
  if (alternative === 'greater') return ge / total;
  return Math.min(1, (2 * Math.min(le, ge)) / total);
}

describe('sign-flip test: exact counting, ties included', () => {
  const d1 = [-0.2, 0.1, -0.0, -0.1, -0.1, 0.1, 0.1, -0.1, 0.4, 0.4, 0.1, -0.0, 0.2, 0.3, 0.0, 0.1, 0.4, -0.2, 0.2, 0.1];
  const d2 = [-0.1, -0.2, 0.1, -0.6, -0.1, 0.0, -0.1, 0.2, -0.3, -0.0, 0.0, -0.3, 0.2, -0.1, 0.1, -0.3, -0.2, -0.0, -0.3, -0.1];

  it('the inputs the old enumeration got wrong (0.0454 for 0.0581, 0.00885 for 0.01666, 0.481 for 0.549)', () => {
    close(signFlipPValue(d1), bruteSignFlip(d1.map((x) => Math.round(x * 10)), 'two-sided'));
    close(signFlipPValue(d1), 0.0581207275390625);
    close(signFlipPValue(d2, 'less'), bruteSignFlip(d2.map((x) => Math.round(x * 10)), 'less'));
    close(signFlipPValue(d2, 'less'), 0.01666259765625);
    const a = 0.03811525503105478;
    const b = 0.05515668422506668;
    close(signFlipPValue([a, -a, -b, -b, b, -b, a, -a, b, b, -a, a], 'less'), 0.548828125);
  });

  it('all rounds of one sign give 2 / 2^n (two-sided), for n up to 20', () => {
    const rng = new Rng(8);
    for (let n = 6; n <= 20; n++) {
      const d = Array.from({ length: n }, () => 0.001 + rng.float());
      close(signFlipPValue(d), 2 / 2 ** n);
      close(signFlipPValue(d.map((x) => -x), 'less'), 1 / 2 ** n);
    }
  });

  it('random small-integer vectors agree with brute force (ties everywhere)', () => {
    const rng = new Rng(21);
    for (let t = 0; t < 40; t++) {
      const ints = Array.from({ length: 6 + rng.int(9) }, () => rng.int(9) - 4);
      const d = ints.map((x) => x / 10);
      close(signFlipPValue(d), bruteSignFlip(ints, 'two-sided'));
      close(signFlipPValue(d, 'less'), bruteSignFlip(ints, 'less'));
    }
  });
});

describe('Wilcoxon signed-rank test and Hodges-Lehmann estimate', () => {
  it('agrees with SciPy wilcoxon(method="exact") without ties', () => {
    const d = [-0.352, 0.125, 1.964, 0.959, -1.341, 0.295, -0.323, 0.449, -1.308, 0.542, 0.535, 1.876];
    close(signedRankTest(d).pValue, 0.33935546875);
    close(signedRankTest(d, 'less').pValue, 0.849365234375);
    close(signedRankTest(d, 'greater').pValue, 0.169677734375);
  });

  it('with ties and zeros, the exact distribution of the data at hand (brute force over every sign pattern)', () => {
    const rng = new Rng(5);
    for (let t = 0; t < 40; t++) {
      const d = Array.from({ length: 5 + rng.int(10) }, () => (rng.int(7) - 3) / 4);
      for (const alt of ['two-sided', 'less', 'greater'] as const) close(signedRankTest(d, alt).pValue, bruteSignedRank(d, alt));
    }
  });

  it('one outlier round counts as one rank: B 10% slower in every round, A stalled in one', () => {
    const a = [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000 / 1.5, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000];
    const d = a.map((x) => Math.log(1000 / 1.1 / x));
    // The sum of log ratios gives p = 0.0176 at 16 rounds (the stall's size outweighs 15 rounds);
    // ranks give 0.0037 (15 tied ranks and one against: exact for these ties).
    close(signFlipPValue(d), 0.017608642578125);
    close(signedRankTest(d).pValue, 0.00372314453125);
  });

  it('Hodges-Lehmann: the Hollander & Wolfe depression data give 0.460 [0.010, 0.786] (as R wilcox.test)', () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const hl = hodgesLehmann(x.map((v, i) => v - y[i]));
    close(hl.estimate, 0.46, 1e-9);
    close(hl.ci[0], 0.01, 1e-9);
    close(hl.ci[1], 0.786, 1e-9);
    close(hl.coverage, 1 - 2 * (10 / 512));
  });

  it('the interval leaves out the right number of Walsh averages (P(W+ <= k - 1) <= 2.5%)', () => {
    // Critical values of the signed-rank statistic (Hollander & Wolfe, table A.4): n = 8: 4, n = 16: 30, n = 20: 53.
    assert.equal(walshCut(8, 0.95).k, 4);
    assert.equal(walshCut(16, 0.95).k, 30);
    assert.equal(walshCut(20, 0.95).k, 53);
    assert.equal(walshCut(5, 0.95).k, 0);
  });
});

describe('Mann-Whitney U, exact with ties; the two-sample shift', () => {
  it('agrees with SciPy mannwhitneyu(method="exact")', () => {
    const x = [0.317, 0.511, -1.493, 2.253, -1.916, 1.102, -0.33, -0.881, -0.656];
    const y = [0.128, 1.18, 0.69, 2.283, -1.03, 0.797, -0.092, 1.576, -1.318, 0.456, 1.01];
    const r = mannWhitneyU(x, y);
    close(r.pValue, 0.22986425339366517);
    close(r.pLess, 0.11493212669683259);
    close(r.pGreater, 0.8993153131698023);
  });

  it('x = [1,1,1] against y = [2,2,2] is p = 0.10 exactly (the normal approximation said 0.047)', () => {
    const r = mannWhitneyU([1, 1, 1], [2, 2, 2]);
    assert.equal(r.exact, true);
    close(r.pValue, 0.1);
  });

  it('with ties, the exact permutation distribution (brute force over every split)', () => {
    const x = [1, 2, 2, 3, 3, 3, 4, 5];
    const y = [2, 3, 4, 4, 5, 6, 6, 7];
    close(mannWhitneyU(x, y).pValue, 0.05034965034965035);
  });

  it('the shift estimate is the median of the pairwise differences', () => {
    const s = hodgesLehmannShift([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8]);
    close(s.estimate, 2.5);
    assert.ok(s.ci[0] <= 2.5 && s.ci[1] >= 2.5);
  });
});

describe('Friedman test; the interval of a median', () => {
  it('the Friedman statistic and p agree with SciPy friedmanchisquare', () => {
    const blocks = [
      [-1.48, 0.99, 0.18, 1.01],
      [0.96, -0.98, -0.8, -0.2],
      [0.75, 0.85, -0.71, -0.61],
      [-0.8, -0.58, -0.24, -0.13],
      [2.06, -0.51, -0.29, 0.46],
      [-0.95, -0.37, 0.01, 0.77],
    ];
    const f = friedman(blocks, 0.05);
    close(f.statistic, 3.4, 1e-9);
    close(f.pValue, 0.33396524909015995, 1e-9);
  });

  it('the median interval is the order statistics x(k), x(n+1-k) of the binomial (n = 8: 1st and 8th; n = 16: 4th and 13th)', () => {
    const xs = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    assert.deepEqual(medianCi(xs(8)), [1, 8]);
    assert.deepEqual(medianCi(xs(16)), [4, 13]);
    assert.deepEqual(medianCi(xs(3)), [1, 3]);
  });
});
