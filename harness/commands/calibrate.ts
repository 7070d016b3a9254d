/** `tunebench calibrate [SCENARIO...]`: how noisy is this machine, and what can a comparison see? */
import type { Argv } from 'yargs';
import { newReport } from '../new-report.js';
import { UsageError } from '../errors.js';
import { parseImplSpec } from '../adapters/registry.js';
import { type Calibration, calibrate, contestLabel } from '../compare/calibrate.js';
import { expectedRoundMs, shardSetting, unitFilter } from '../shard/plan.js';
import { shardPlan, withShardOption } from './shard.js';
import type { ContestSettings } from '../compare/contest.js';
import { progressBar } from '../progress.js';
import { contestSettingsFrom, parseSlowdown, withContestOptions } from './contest-options.js';
import { resolveScenarios } from './common.js';
import { MAX_EFFECTS, integerFlag } from './flags.js';
import { checkDurability, checkJobs, plannedArm, prepareOutput } from './preflight.js';
import { calibrationText, simulationText } from '../../reports/terminal.js';
import type { Report, SimulationEntry } from '../../reports/schema.js';
import { ScenarioSchema, type Scenario } from '../../scenarios/schema.js';
import { resolve } from 'node:path';
import { measureNoise } from '../compare/calibrate.js';
import { GATE_ALPHA, GATE_IMPLS, GATE_SUITE } from '../gate/gate.js';
import { fitComparisons, poolFits, type PairedSamples } from '../simulate/fit.js';
import { predict } from '../simulate/predict.js';
import { rateOf } from '../simulate/simulate.js';
import { lazyProgress } from '../progress.js';
import { readReport } from './report.js';
import { writeReport } from '../../reports/write-report.js';

/** The rounds a simulation is fitted to: a report's paired values, or a short real calibration. */
async function fittedRounds(argv: { from?: string; scenarios?: (string | number)[]; quick: boolean }, seed: number): Promise<{ samples: PairedSamples[]; scenarios: Scenario[]; source: string; report: Report | null }> {
  if (argv.from !== undefined) {
    const report = readReport(argv.from);
    const samples: PairedSamples[] = report.calibration?.aaSamples ?? report.comparisons;
    if (samples.length === 0) throw new UsageError(`${argv.from} holds no paired rounds to fit (a compare, gate or calibrate report does)`);
    let scenarios = report.scenarios.map((s) => ScenarioSchema.parse(s.definition));
    const named = (argv.scenarios ?? []).map(String);
    if (named.length > 0) {
      for (const n of named) if (!scenarios.some((s) => s.name === n)) throw new UsageError(`${argv.from} has no scenario "${n}" (it has ${scenarios.map((s) => s.name).join(', ')})`);
      scenarios = scenarios.filter((s) => named.includes(s.name));
    }
    return { samples: samples.filter((c) => scenarios.some((s) => s.name === c.scenario)), scenarios, source: resolve(argv.from), report };
  }
  const scenarios = resolveScenarios({ scenarios: argv.scenarios, quick: argv.quick }, GATE_SUITE);
  const impls = GATE_IMPLS.map(parseImplSpec);
  for (const scenario of scenarios) for (const impl of impls) checkDurability(scenario, impl.name);
  checkJobs(scenarios.map((scenario) => ({ scenario, arms: impls.flatMap((impl) => [plannedArm(impl), plannedArm(impl)]) })), argv.quick);
  const progress = lazyProgress('calibrate --simulate');
  try {
    const samples = await measureNoise(scenarios, impls, SIMULATE_ROUNDS, argv.quick, seed, (label) => progress.update(label, 0, 1));
    return { samples, scenarios, source: `${SIMULATE_ROUNDS} paired A/A rounds of each scenario measured by this run`, report: null };
  } finally {
    progress.stop();
  }
}

/** Paired rounds a short real calibration measures per scenario for `--simulate`. */
const SIMULATE_ROUNDS = 8;

export function calibrateCommand(yargs: Argv): Argv {
  return yargs.command(
    'calibrate [scenarios..]',
    "Measure this machine's noise: repeated A/A comparisons (false alarms) and injected slowdowns (detection rate)",
    (y) =>
      withContestOptions(
        withShardOption(y)
          .positional('scenarios', { type: 'string', array: true, describe: 'built-in scenario names (default: ycsb-a; with --simulate, the gate suite)' })
          .option('trials', { type: 'number', describe: 'full comparisons per effect size (default 20; with --simulate, simulated ones: 200)' })
          .option('effects', { type: 'string', default: '0.02,0.05,0.1,0.2', describe: 'injected slowdowns to detect, besides A/A' })
          .option('impl', { type: 'string', default: 'primary', describe: 'implementation spec compared with itself' })
          .option('out', { type: 'string', default: 'tunebench-calibrate', describe: 'directory for report.json, charts and summary.md' })
          .option('json', { type: 'boolean', default: false, describe: 'print report.json to stdout' })
          .option('simulate', { type: 'boolean', default: false, describe: "fit this machine's noise to measured rounds, then predict compare, gate and tune by simulation (seconds, not hours)" })
          .option('from', { type: 'string', describe: 'with --simulate: fit the rounds of this report (compare, gate or calibrate) instead of measuring 8 A/A rounds of each scenario' })
          .example('$0 calibrate --quick', 'A/A and 2/5/10/20% slowdowns on ycsb-a, 20 trials each')
          .example('$0 calibrate --simulate --quick', '8 A/A rounds of the gate suite, then simulated false alarms and power')
          .example('$0 calibrate --simulate --from tunebench-gate/report.json', 'the same from a saved gate report')
          .example('$0 calibrate ycsb-c --trials 100 --effects 0.05,0.1', ''),
        { maxRounds: 16, minRounds: 8 },
      ),
    async (argv) => {
      const startedAt = new Date().toISOString();
      const settings = contestSettingsFrom(argv);
      if (argv.from !== undefined && !argv.simulate) throw new UsageError('--from goes with --simulate');
      if (argv.simulate) {
        if (argv.shard !== undefined) throw new UsageError('--shard splits a measured calibration; --simulate takes seconds and is not split');
        await simulateCommand(argv, settings, startedAt);
        return;
      }
      const scenarios = resolveScenarios({ scenarios: argv.scenarios, quick: argv.quick }, ['ycsb-a']);
      const trials = integerFlag(argv.trials ?? 20, '--trials');
      const listed = String(argv.effects).split(',').filter((t) => t.trim() !== '');
      if (listed.length > MAX_EFFECTS) throw new UsageError(`--effects lists ${listed.length} effects; at most ${MAX_EFFECTS}`);
      const effects = [0, ...listed.map((t) => parseSlowdown(t, '--effects'))];
      if (new Set(effects).size !== effects.length) throw new UsageError('--effects lists an effect twice (A/A, 0, is always included)');
      const impl = parseImplSpec(argv.impl);
      for (const scenario of scenarios) checkDurability(scenario, impl.name);
      checkJobs(scenarios.map((scenario) => ({ scenario, arms: [plannedArm(impl), plannedArm(impl)] })), argv.quick);
      // A shard's jobs are whole contests (one effect's trial on one scenario), each with the seed it has unsplit.
      const plan = shardPlan(argv.shard, () =>
        scenarios.flatMap((scenario) => {
          const cost = settings.maxRounds * expectedRoundMs(scenario, impl, argv.quick, 2);
          return effects.flatMap((effect) => Array.from({ length: trials }, (_, t) => ({ scenario: scenario.name, implementation: contestLabel(effect, t), cost })));
        }),
      );
      const mine = unitFilter(plan);
      const out = prepareOutput(argv.out);
      const total = scenarios.length * effects.length * trials;
      const progress = progressBar(plan ? plan.units.length : total, 'calibrate');
      let calibration: Calibration;
      try {
        calibration = await calibrate({ scenarios, impl, effects, trials, settings, onTrial: (done, _total, label) => progress.update(done, label), only: (scenario, effect, trial) => mine(scenario, contestLabel(effect, trial)) });
      } finally {
        progress.stop();
      }
      const report = newReport({
        command: 'calibrate',
        startedAt,
        settings: { ...settings, trials, effects, impl: argv.impl, ...(plan ? { shard: shardSetting(plan) } : {}) },
        scenarios,
        calibration,
        warnings: trials < 100 ? [`${trials} trials per effect: a false-alarm rate of 1% needs at least 100 A/A trials to be told from 0`] : [],
      });
      await writeReport(report, out);
      if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${calibrationText(calibration, settings)}\n\nseed ${settings.seed}; report: ${out}/report.json\n`);
    },
  );
}

/** `calibrate --simulate`: fit, predict, report. */
async function simulateCommand(argv: { from?: string; scenarios?: (string | number)[]; quick: boolean; trials?: number; effects: string; out: string; json: boolean }, given: ContestSettings, startedAt: string): Promise<void> {
  const trials = integerFlag(argv.trials ?? 200, '--trials');
  const listed = String(argv.effects).split(',').filter((t) => t.trim() !== '');
  if (listed.length > MAX_EFFECTS) throw new UsageError(`--effects lists ${listed.length} effects; at most ${MAX_EFFECTS}`);
  const effects = listed.map((t) => parseSlowdown(t, '--effects'));
  // Without --from this run measures first: check --out before spending a minute on it.
  const checkedOut = argv.from === undefined ? prepareOutput(argv.out) : null;
  const fitted = await fittedRounds(argv, given.seed);
  // Fitted to a real calibration: simulate it with that calibration's settings, to set side by side.
  const from = fitted.report?.calibration ? fitted.report.settings : null;
  const settings: ContestSettings = from ? { ...given, ...pickContestSettings(from) } : given;
  const out = checkedOut ?? prepareOutput(argv.out);
  const fits = poolFits(fitComparisons(fitted.samples));
  if (fits.length === 0) throw new UsageError(`${fitted.source}: no metric has the 6 paired rounds a fit needs`);
  const progress = lazyProgress('simulating');
  let prediction;
  try {
    prediction = await predict(fits, { scenarios: fitted.scenarios, contest: settings, gate: { ...settings, alpha: GATE_ALPHA, confirm: 1 }, trials, seed: settings.seed, effects: from ? (fitted.report!.calibration!.effects.map((e) => e.effect)) : effects, onProgress: (label) => progress.update(label, 0, 1) });
  } finally {
    progress.stop();
  }
  const measured = fitted.report?.calibration?.effects.map((e) => ({ effect: e.effect, rate: rateOf(e.hits, e.trials) }));
  const simulation: SimulationEntry = { source: fitted.source, trials, ...prediction, ...(measured ? { measured } : {}) };
  const report = newReport({ command: 'calibrate', startedAt, settings: { ...settings, simulate: true, trials, from: argv.from ?? null }, scenarios: fitted.scenarios, simulation });
  await writeReport(report, out);
  if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${simulationText(simulation)}\n\nseed ${settings.seed}; report: ${out}/report.json\n`);
}

/** The contest settings recorded in a report's settings. */
function pickContestSettings(settings: Record<string, unknown>): Partial<ContestSettings> {
  const out: Partial<ContestSettings> = {};
  for (const k of ['alpha', 'threshold', 'minRounds', 'maxRounds', 'step'] as const) if (typeof settings[k] === 'number') out[k] = settings[k] as number;
  return out;
}

