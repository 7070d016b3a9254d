/** `tunebench tune SCENARIO`: which configuration of the index is fastest on this workload? */
import type { Argv } from 'yargs';
import { newReport } from '../new-report.js';
import { UsageError } from '../errors.js';
import { aggregate } from '../aggregate.js';
import { progressBar } from '../progress.js';
import { candidatesOf, checkGrid, parseKnobOptions } from '../tune/candidates.js';
import { RACE_DEFAULTS, type RaceSettings, defaultBudget } from '../tune/race.js';
import { tune } from '../tune/tune.js';
import { checkAlpha, parseFraction, seedFrom } from './contest-options.js';
import { resolveScenarios } from './common.js';
import { integerFlag } from './flags.js';
import { checkDurability, checkJobs, plannedArm, prepareOutput } from './preflight.js';
import { tuningText } from '../../reports/terminal.js';
import { writeReport } from '../../reports/write-report.js';

export function tuneCommand(yargs: Argv): Argv {
  return yargs.command(
    'tune <scenario>',
    'Race configurations of an implementation on a workload: drop the significantly slower ones round by round, recommend the fastest',
    (y) =>
      y
        .positional('scenario', { type: 'string', describe: 'a built-in workload scenario (its knobs are the default grid)' })
        .option('impl', { type: 'string', default: 'optimized', describe: 'implementation whose knobs are tuned' })
        .option('knob', { type: 'string', array: true, describe: 'name=v1,v2,...: values to try (repeatable; default: the scenario\'s knobs)' })
        .option('budget', { type: 'number', describe: "most candidate-rounds to spend (default: 70% of the grid's candidates x --rounds, at least every candidate's first look)" })
        .option('grid', { type: 'boolean', default: false, describe: 'no elimination: every candidate gets --rounds rounds (to validate the race)' })
        .option('rounds', { type: 'number', default: RACE_DEFAULTS.maxRounds, describe: 'most rounds per candidate' })
        .option('first-look', { type: 'number', default: RACE_DEFAULTS.firstLook, describe: 'rounds before the first elimination test (Friedman over the survivors)' })
        .option('threshold', { type: 'string', default: '0.02', describe: 'noise band: survivors all within it of the best are tied and the race stops' })
        .option('alpha', { type: 'number', default: RACE_DEFAULTS.alpha, describe: 'level of each elimination test' })
        .option('seed', { type: 'number', describe: 'seed for turn orders and resampling (default: random, printed)' })
        .option('quick', { type: 'boolean', default: false, describe: 'the scenario at the sizes of run --quick' })
        .option('out', { type: 'string', default: 'tunebench-tune', describe: 'directory for report.json, charts and summary.md' })
        .option('json', { type: 'boolean', default: false, describe: 'print report.json to stdout' })
        .example('$0 tune ycsb-a --quick', 'bulkThreshold x maxConcurrentReaders from the scenario')
        .example('$0 tune ycsb-a --knob bulkThreshold=1,16,256 --knob maxBatchDelayMs=0,1', '')
        .example('$0 tune ycsb-a --quick --grid', 'the exhaustive grid, to check the race against'),
    async (argv) => {
      const startedAt = new Date().toISOString();
      const [scenario] = resolveScenarios({ scenarios: [argv.scenario as string], quick: argv.quick });
      if (scenario.kind !== 'workload') throw new UsageError(`tune needs a workload scenario; ${scenario.name} is a ${scenario.kind} scenario`);
      const implName = argv.impl;
      checkDurability(scenario, implName);
      const grid = argv.knob && argv.knob.length > 0 ? parseKnobOptions(implName, argv.knob) : checkGrid(implName, scenario.knobs, `${scenario.name} knobs`);
      if (Object.keys(grid).length === 0) throw new UsageError(`${scenario.name} names no knobs to tune; give some with --knob name=v1,v2,...`);
      const candidates = candidatesOf(implName, grid);
      if (candidates.length < 2) throw new UsageError(`only one configuration to try (${candidates[0].label}); give a knob more values`);
      // Every candidate is an arm of the same process.
      checkJobs([{ scenario, arms: candidates.map((c) => plannedArm(c.spec)) }], argv.quick);
      const maxRounds = integerFlag(argv.rounds, '--rounds');
      const firstLook = integerFlag(argv.firstLook, '--first-look');
      if (firstLook > maxRounds) throw new UsageError(`--first-look (${firstLook}) must not exceed --rounds (${maxRounds})`);
      const budget = argv.budget === undefined ? defaultBudget(candidates.length, maxRounds, firstLook) : integerFlag(argv.budget, '--budget');
      if (!argv.grid && budget < candidates.length * firstLook) {
        throw new UsageError(`--budget ${budget} cannot give each of the ${candidates.length} candidates its first ${firstLook} rounds (${candidates.length * firstLook} candidate-rounds); raise --budget or lower --first-look`);
      }
      const settings: RaceSettings = {
        firstLook,
        maxRounds,
        budget: argv.grid ? candidates.length * maxRounds : budget,
        alpha: checkAlpha(argv.alpha),
        threshold: parseFraction(argv.threshold, '--threshold', 0.5),
        seed: seedFrom(argv.seed),
        grid: argv.grid,
      };
      const out = prepareOutput(argv.out);
      const progress = progressBar(settings.budget, `tune ${scenario.name}`);
      let outcome: Awaited<ReturnType<typeof tune>>;
      try {
        outcome = await tune({ scenario, implementation: implName, grid, candidates, settings, quick: argv.quick, onRound: (round, alive, spent) => progress.update(spent, `round ${round}, ${alive} candidates`) });
      } finally {
        progress.stop();
      }
      const report = newReport({
        command: 'tune',
        startedAt,
        settings: { ...settings, quick: argv.quick },
        scenarios: [scenario],
        results: candidates.map((c) => aggregate(scenario, c.label, outcome.rounds.filter((r) => r.arm === c.label))),
        tuning: outcome.tuning,
      });
      await writeReport(report, out);
      if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${tuningText(outcome.tuning)}\n\nseed ${settings.seed}; report: ${out}/report.json\n`);
    },
  );
}
