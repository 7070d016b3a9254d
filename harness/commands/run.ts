/** `tunebench run [SCENARIO...]`: measure scenarios on implementations and write a report. */
import type { Argv } from 'yargs';
import { resolveImpls, resolveScenarios } from './common.js';
import { integerFlag } from './flags.js';
import { checkDurability, checkJobs, plannedArm, prepareOutput } from './preflight.js';
import { findFactory, unavailableImplementations } from '../adapters/registry.js';
import { failureLines, runText } from '../../reports/terminal.js';
import type { Report } from '../../reports/schema.js';
import { writeReport } from '../../reports/write-report.js';
import { runSuite } from '../run-suite.js';
import { runFromReport } from '../history/records.js';
import { finishRecord, prepareRecord, withRecordOptions } from './record.js';
import { shardPlan, withShardOption } from './shard.js';
import { shardSetting, unitFilter, workUnits } from '../shard/plan.js';

export function runCommand(yargs: Argv): Argv {
  return yargs.command(
    'run [scenarios..]',
    'Run scenarios (default: the default suite) on implementations and write report.json, PNG charts and summary.md',
    (y) =>
      withShardOption(withRecordOptions(y))
        .positional('scenarios', { type: 'string', array: true, describe: 'built-in scenario names (see tunebench list)' })
        .option('impl', { type: 'string', array: true, describe: 'implementation spec NAME[:knob=value,...] (repeatable; default: all)' })
        .option('scenario-file', { type: 'string', array: true, describe: 'a scenario JSON file (repeatable)' })
        .option('set', { type: 'string', array: true, describe: 'knob=value for every implementation that has the knob (repeatable)' })
        .option('quick', { type: 'boolean', default: false, describe: 'scaled-down sizes: the default suite on every implementation in about 3 minutes' })
        .option('seed', { type: 'number', describe: "override every scenario's seed" })
        .option('rounds', { type: 'number', describe: 'fresh-process rounds per scenario x implementation (default 3 with --quick, else 5)' })
        .option('out', { type: 'string', default: 'tunebench-report', describe: 'directory for report.json, charts and summary.md' })
        .option('json', { type: 'boolean', default: false, describe: 'print report.json to stdout instead of the text summary' })
        .example('$0 run --quick', 'the default suite, scaled down')
        .example('$0 run --quick --record', 'and record it in the history under the current commit')
        .example('$0 run --quick --shard 2/4 --out shard-2', 'the second of four shards (then: tunebench merge shard-*)')
        .example('$0 run ycsb-a ycsb-c --impl primary --impl sorted-btree --rounds 5', '')
        .example('$0 run --scenario-file my.json --impl primary:order=31', ''),
    async (argv) => {
      const scenarios = resolveScenarios({ scenarios: argv.scenarios, scenarioFile: argv.scenarioFile, quick: argv.quick, seed: argv.seed });
      const impls = resolveImpls(argv.impl, argv.set);
      const rounds = argv.rounds === undefined ? (argv.quick ? 3 : 5) : integerFlag(argv.rounds, '--rounds');
      // A pair the user named on both sides must run; one from a default list is skipped (and said).
      const named = (argv.scenarios?.length ?? 0) + (argv.scenarioFile?.length ?? 0) > 0 && (argv.impl?.length ?? 0) > 0;
      for (const scenario of scenarios) {
        const able = impls.filter((impl) => findFactory(impl.name).durability.includes(scenario.durability));
        if (named || able.length === 0) for (const impl of impls) checkDurability(scenario, impl.name);
        checkJobs(able.map((impl) => ({ scenario, arms: [plannedArm(impl)] })), argv.quick);
      }
      const plan = shardPlan(argv.shard, () => workUnits(scenarios, impls, rounds, argv.quick));
      const recording = prepareRecord(argv);
      const out = prepareOutput(argv.out);
      const report = await runSuite({
        command: 'run',
        argv: process.argv.slice(2),
        scenarios,
        impls,
        rounds,
        quick: argv.quick,
        settings: { quick: argv.quick, seed: argv.seed ?? null, ...(plan ? { shard: shardSetting(plan) } : {}) },
        progressTitle: 'run',
        only: unitFilter(plan),
      });
      // The default list leaves out built-in peers whose optional dependency is missing: said, not silent.
      if ((argv.impl?.length ?? 0) === 0) {
        for (const { name, reason } of unavailableImplementations()) for (const scenario of scenarios) report.skipped.push({ scenario: scenario.name, implementation: name, reason });
      }
      const written = await writeReport(report, out);
      if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${runText(report)}\n\nreport: ${out}/report.json (${written.files.length - 2} charts, summary.md)\n`);
      if (report.results.length > 0) finishRecord(recording, (where) => runFromReport(report, where, `${out}/report.json`));
      if (report.failures.length > 0) failed(report);
    },
  );
}

/** A run with failed jobs ends with their summary on stderr and exit code 2 (the report holds the rest). */
export function failed(report: Pick<Report, 'failures'>): void {
  process.stderr.write(`tunebench: ${failureLines(report).join('\n')}\n`);
  process.exitCode = 2;
}
