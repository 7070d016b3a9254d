/**
 * `npm run bench:stats [-- --trials N] [-- --seed S]`
 *
 * The statistics measured by simulation, through the project's own decision code on synthetic
 * rounds (harness/simulate/) with the noise model of this kind of machine: process noise 10-25%,
 * within-round noise 2-8% per arm, stalls in ~5% of paired rounds, slow drift. Prints:
 *
 * 1. coverage of the 95% intervals (paired ratio, median) at 8 and 16 rounds, for normal, t3 and
 *    stall noise;
 * 2. compare on a ycsb-a-like scenario (throughput, p50, p99): false alarms and power;
 * 3. the gate on the 72 metrics of the default suite: false fails, and the power on one metric
 *    slowed 2/5/10%, with the rounds it costs;
 * 4. the unpaired comparison of baseline mode: power at 10% against the rounds per side;
 * 5. the race of 15 candidates at the default budget: false drops, and how often the best wins.
 * Every rate comes with its Wilson 95% interval.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DEFAULT_SETTINGS } from '../harness/compare/contest.js';
import { GATE_ALPHA } from '../harness/gate/gate.js';
import { scaleForQuick } from '../harness/runner/plan.js';
import { MACHINE_NOISE, type NoiseModel } from '../harness/simulate/noise.js';
import { type Rate, simulateCompare, simulateCoverage, simulateGate, simulateRace, simulateUnpaired } from '../harness/simulate/simulate.js';
import { gateSuite, machineLikeNoise } from '../harness/simulate/synthetic.js';
import { DEFAULT_BUDGET_SHARE, RACE_DEFAULTS, defaultBudget } from '../harness/tune/race.js';
import { findBuiltin } from '../scenarios/builtin.js';
import { Rng } from '../scenarios/random.js';
import { table } from './support.js';

const argv = yargs(hideBin(process.argv))
  .scriptName('bench:stats')
  .usage('$0 [--trials N] [--seed S]\n\nFalse alarms, power and coverage of compare, gate and tune, by simulation.')
  .option('trials', { type: 'number', default: 400, describe: 'simulated gates per effect (A/A gets 2.5x as many); the other tables scale from it' })
  .option('seed', { type: 'number', default: 1 })
  .strict()
  .fail((message) => {
    console.error(`bench:stats: ${message}`);
    process.exit(2);
  })
  .parseSync();
if (!Number.isInteger(argv.trials) || argv.trials < 10 || argv.trials > 100_000 || !Number.isInteger(argv.seed)) {
  console.error('bench:stats: --trials must be an integer from 10 to 100000 and --seed an integer');
  process.exit(2);
}
const trials = argv.trials;
const seed = argv.seed;
const show = (r: Rate) => `${(r.rate * 100).toFixed(1)}% [${(r.ci[0] * 100).toFixed(1)}-${(r.ci[1] * 100).toFixed(1)}]`;
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

console.log(`bench:stats - ${trials} trials, seed ${seed}; rates with Wilson 95% intervals\n`);

// 1. Coverage.
{
  const rows = [['noise', 'rounds', 'paired ratio (Hodges-Lehmann)', 'median (order statistics)']];
  const models: [string, NoiseModel][] = [
    ['normal', { ...MACHINE_NOISE, outlierRate: 0 }],
    ['t3', { ...MACHINE_NOISE, tails: 't3', outlierRate: 0 }],
    ['stalls 5%', { ...MACHINE_NOISE, outlierRate: 0.05 }],
  ];
  for (const [name, model] of models) {
    for (const rounds of [8, 16]) {
      const c = simulateCoverage(model, { rounds, trials: trials * 25, seed: seed + rounds });
      rows.push([name, String(rounds), show(c.pairedRatio), show(c.median)]);
    }
  }
  console.log('1. Coverage of the 95% intervals (target: at least 94.5%)\n');
  console.log(table(rows));
  process.stderr.write(`coverage done (${elapsed()})\n`);
}

// 2. compare.
{
  const scenario = scaleForQuick(findBuiltin('ycsb-a')!);
  const rng = new Rng(seed);
  const metrics = [
    { name: 'throughput', better: 'higher' as const, unit: 'ops/s', base: 1e6, noise: machineLikeNoise(rng) },
    { name: 'p50', better: 'lower' as const, unit: 'ns', base: 1000, noise: machineLikeNoise(rng) },
    { name: 'p99', better: 'lower' as const, unit: 'ns', base: 5000, noise: machineLikeNoise(rng) },
  ];
  const settings = { ...DEFAULT_SETTINGS, quick: true, seed };
  const rows = [['B slowed', 'flagged (A/A: any metric; else: regressed)', 'mean rounds']];
  for (const effect of [0, 0.02, 0.05, 0.1]) {
    const r = await simulateCompare(scenario, metrics, settings, { trials: trials * 2, effect, seed: seed + 10 });
    rows.push([effect === 0 ? 'A/A' : `${effect * 100}%`, show(r.flagged), r.meanRounds.toFixed(1)]);
  }
  console.log(`\n2. compare, ycsb-a-like (3 metrics, alpha ${settings.alpha}, ${settings.minRounds}-${settings.maxRounds} rounds)\n`);
  console.log(table(rows));
  process.stderr.write(`compare done (${elapsed()})\n`);
}

// 3. The gate.
{
  const suite = gateSuite(seed + 7);
  const settings = { ...DEFAULT_SETTINGS, alpha: GATE_ALPHA, quick: true, seed, confirm: 1 };
  const rows = [['one metric slowed', 'gate fails', 'caught that metric', 're-measured', 'mean suspects', 'mean rounds']];
  for (const effect of [0, 0.02, 0.05, 0.1]) {
    const r = await simulateGate(suite, settings, { trials: effect === 0 ? Math.round(trials * 2.5) : trials, effect, seed: seed + 20 + effect * 1000 });
    rows.push([effect === 0 ? 'none (A/A)' : `${effect * 100}%`, show(r.fails), effect === 0 ? '-' : show(r.caught), show(r.reMeasured), r.meanSuspects.toFixed(2), r.meanRounds.toFixed(0)]);
    process.stderr.write(`gate ${effect} done (${elapsed()})\n`);
  }
  const plain = await simulateGate(suite, { ...settings, confirm: 0 }, { trials, effect: 0, seed: seed + 30 });
  console.log(`\n3. The gate, 72 metrics of the default suite (alpha ${GATE_ALPHA}; first pass ${settings.minRounds}-${settings.maxRounds} rounds = 96 rounds with no re-measurement)\n`);
  console.log(table(rows));
  console.log(`\n   without the confirmation stage (--confirm 0): A/A gates fail ${show(plain.fails)}`);
}

// 4. Unpaired (baseline mode).
{
  const rows = [['rounds per side', 'A/A gates failed', '10% slower caught', '20% slower caught']];
  for (const n of [8, 16, 20, 32]) {
    const rate = (effect: number) => simulateUnpaired(MACHINE_NOISE, { rounds: n, effect, trials: trials * 2, seed: seed + 40 + n, alpha: GATE_ALPHA, threshold: DEFAULT_SETTINGS.threshold });
    rows.push([String(n), show(rate(0)), show(rate(0.1)), show(rate(0.2))]);
  }
  console.log(`\n4. Baseline mode (unpaired: a process's ${(MACHINE_NOISE.processSd * 100).toFixed(0)}% noise does not cancel), one metric screened then confirmed on fresh rounds at alpha ${GATE_ALPHA} (the best case: the only suspect)\n`);
  console.log(table(rows));
  process.stderr.write(`unpaired done (${elapsed()})\n`);
}

// 5. The race.
{
  const k = 15;
  const settings = { ...RACE_DEFAULTS, budget: defaultBudget(k, RACE_DEFAULTS.maxRounds, RACE_DEFAULTS.firstLook), threshold: DEFAULT_SETTINGS.threshold, seed, grid: false };
  const rows = [['best is better by', 'best wins', 'looks with a false drop', 'candidate-rounds spent', 'rounds']];
  for (const gain of [0, 0.03, 0.05, 0.1]) {
    const r = await simulateRace(settings, { candidates: k, gain, noise: MACHINE_NOISE, trials, seed: seed + 50 });
    rows.push([gain === 0 ? 'nothing (equal)' : `${gain * 100}%`, gain === 0 ? '-' : show(r.bestWins), gain === 0 ? show(r.falseDropLooks) : '-', r.meanSpent.toFixed(0), r.meanRounds.toFixed(1)]);
  }
  console.log(`\n5. tune: a race of ${k} candidates, budget ${settings.budget} candidate-rounds (${DEFAULT_BUDGET_SHARE * 100}% of the grid), first look at ${settings.firstLook} rounds\n`);
  console.log(table(rows));
}
console.log(`\n(${elapsed()})`);
