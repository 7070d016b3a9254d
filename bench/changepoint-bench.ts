/**
 * `npm run bench:changepoints`: how well `history detect` (E-divisive means with a permutation
 * test) finds planted steps in series of 50 points with this machine's per-run noise, and how
 * often it fires on series without a step.
 *
 * Per-run noise: one history point is a run's median over its rounds (3 with --quick), each round a
 * fresh process. Over 12 runs of `run --quick --impl primary` the sd of ln(median) was 1.2%
 * (ycsb-c), 3.5% (ycsb-a) and 8.3% (ycsb-e); SD (default 0.03) sets it. Steps are planted in normal
 * noise, in heavier-tailed noise (Student t, 3 df, same sd), with stalls (2 of 50 points a third
 * slower), and on a drift of 5% over the series.
 *
 * A detection counts as a hit when it lies within one point of a planted step that no other
 * detection took; recall = hits / planted, precision = hits / detections. "oracle" (one-step rows):
 * how often a least-squares split told that there is one step lands within one point, which no
 * detector can beat under that noise.
 */
import { detectSteps } from '../harness/history/change-points.js';
import { normal, studentT3 } from '../harness/simulate/noise.js';
import { Rng } from '../scenarios/random.js';

const POINTS = 50;
const TRIALS = Number(process.env.TRIALS ?? 200);
const SD = Number(process.env.SD ?? 0.03);

interface Condition {
  name: string;
  steps: number;
  stepSize: number;
  tails: 'normal' | 't3';
  stalls: number;
  driftTotal: number;
}

/** Planted step positions: at least 8 points from either end and from each other. */
function positions(rng: Rng, count: number): number[] {
  for (;;) {
    const picked = Array.from({ length: count }, () => 8 + rng.int(POINTS - 16)).sort((a, b) => a - b);
    if (picked.every((p, i) => i === 0 || p - picked[i - 1] >= 8)) return picked;
  }
}

function series(rng: Rng, c: Condition): { values: number[]; planted: number[] } {
  const planted = positions(rng, c.steps);
  const signs = planted.map(() => (rng.float() < 0.5 ? -1 : 1));
  const stallAt = new Set(Array.from({ length: c.stalls }, () => rng.int(POINTS)));
  const values: number[] = [];
  for (let i = 0; i < POINTS; i++) {
    let log = Math.log(1e6) + (c.driftTotal * i) / POINTS;
    planted.forEach((p, k) => {
      if (i >= p) log += signs[k] * Math.log(1 + c.stepSize);
    });
    log += SD * (c.tails === 't3' ? studentT3(rng) : normal(rng));
    if (stallAt.has(i)) log -= Math.log(1.5);
    values.push(Math.exp(log));
  }
  return { values, planted };
}

/**
 * The best any method could do at placing one step: the least-squares split (the Gaussian maximum
 * likelihood), told that exactly one step exists. Its rate of landing within one point bounds the
 * recall of any detector under the same noise.
 */
function oracleHit(values: readonly number[], planted: number): boolean {
  const x = values.map(Math.log);
  const prefix = [0];
  for (const v of x) prefix.push(prefix[prefix.length - 1] + v);
  const n = x.length;
  let best = -1;
  let bestQ = -Infinity;
  for (let m = 3; m <= n - 3; m++) {
    const q = ((m * (n - m)) / n) * (prefix[m] / m - (prefix[n] - prefix[m]) / (n - m)) ** 2;
    if (q > bestQ) {
      bestQ = q;
      best = m;
    }
  }
  return Math.abs(best - planted) <= 1;
}

function score(c: Condition, seed: number) {
  const rng = new Rng(seed);
  let planted = 0;
  let detected = 0;
  let hits = 0;
  let errorSum = 0;
  let seriesWithFalse = 0;
  let oracle = 0;
  for (let t = 0; t < TRIALS; t++) {
    const s = series(rng, c);
    if (s.planted.length === 1 && oracleHit(s.values, s.planted[0])) oracle++;
    const found = detectSteps(s.values, { seed: seed + t }).map((x) => x.index);
    planted += s.planted.length;
    detected += found.length;
    const free = new Set(s.planted);
    let falseHere = 0;
    for (const f of found) {
      const match = [...free].find((p) => Math.abs(p - f) <= 1);
      if (match === undefined) falseHere++;
      else {
        free.delete(match);
        hits++;
        errorSum += Math.abs(match - f);
      }
    }
    if (falseHere > 0) seriesWithFalse++;
  }
  return { recall: planted ? hits / planted : Number.NaN, precision: detected ? hits / detected : Number.NaN, meanError: hits ? errorSum / hits : Number.NaN, falseSeries: seriesWithFalse / TRIALS, oracle: c.steps === 1 ? oracle / TRIALS : Number.NaN };
}

const conditions: Condition[] = [];
for (const stepSize of [0.02, 0.05, 0.1]) {
  conditions.push({ name: `one step of ${stepSize * 100}%`, steps: 1, stepSize, tails: 'normal', stalls: 0, driftTotal: 0 });
  conditions.push({ name: `two steps of ${stepSize * 100}%`, steps: 2, stepSize, tails: 'normal', stalls: 0, driftTotal: 0 });
  conditions.push({ name: `one step of ${stepSize * 100}%, t3 noise`, steps: 1, stepSize, tails: 't3', stalls: 0, driftTotal: 0 });
  conditions.push({ name: `one step of ${stepSize * 100}%, 2 stalls`, steps: 1, stepSize, tails: 'normal', stalls: 2, driftTotal: 0 });
  conditions.push({ name: `one step of ${stepSize * 100}% on 5% drift`, steps: 1, stepSize, tails: 'normal', stalls: 0, driftTotal: Math.log(1.05) });
}
conditions.push({ name: 'no step', steps: 0, stepSize: 0, tails: 'normal', stalls: 0, driftTotal: 0 });
conditions.push({ name: 'no step, 2 stalls', steps: 0, stepSize: 0, tails: 'normal', stalls: 2, driftTotal: 0 });
conditions.push({ name: 'no step, 5% drift', steps: 0, stepSize: 0, tails: 'normal', stalls: 0, driftTotal: Math.log(1.05) });

const pct = (x: number) => (Number.isNaN(x) ? '-' : `${(x * 100).toFixed(1)}%`);
console.log(`E-divisive (alpha 0.01, 499 permutations, min segment 3) on ${POINTS}-point series, noise sd ${(SD * 100).toFixed(1)}% per point, ${TRIALS} series per row`);
console.log(`${'planted'.padEnd(34)} ${'recall'.padStart(8)} ${'precision'.padStart(10)} ${'pos. err'.padStart(9)} ${'series w/ false'.padStart(16)} ${'oracle'.padStart(8)}`);
for (const [k, c] of conditions.entries()) {
  const r = score(c, 1000 + k * 7919);
  console.log(`${c.name.padEnd(34)} ${pct(r.recall).padStart(8)} ${pct(r.precision).padStart(10)} ${(Number.isNaN(r.meanError) ? '-' : r.meanError.toFixed(2)).padStart(9)} ${pct(r.falseSeries).padStart(16)} ${pct(r.oracle).padStart(8)}`);
}
