/** `tunebench compare SCENARIO... --a SPEC --b SPEC`: is B faster or slower than A, and can we tell? */
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { findFactory, parseImplSpec } from '../adapters/registry.js';
import { loadBuildRegistry } from '../builds.js';
import { type ContestResult, type ContestSettings, type Pair, runContest } from '../compare/contest.js';
import { contestReport } from '../compare/report.js';
import { progressBar } from '../progress.js';
import type { Arm } from '../runner/types.js';
import { JobError, type JobFailure, failureOf } from '../runner/run.js';
import { failed } from './run.js';
import { checkDurability, checkJobs, plannedArm, prepareOutput } from './preflight.js';
import { contestSettingsFrom, parseSlowdown, withContestOptions } from './contest-options.js';
import { resolveScenarios } from './common.js';
import { compareText } from '../../reports/terminal.js';
import { writeReport } from '../../reports/write-report.js';
import type { Scenario } from '../../scenarios/schema.js';

/** An arm from a spec, checked against the build it comes from. */
export async function armFor(label: string, spec: string, build: string | undefined, slowdown = 0): Promise<Arm> {
  if (build === undefined) return { label, impl: parseImplSpec(spec), ...(slowdown ? { slowdown } : {}) };
  const registry = await loadBuildRegistry(build);
  const colon = spec.indexOf(':');
  const name = colon < 0 ? spec : spec.slice(0, colon);
  try {
    registry.findFactory(name);
  } catch (error) {
    throw new UsageError(`${build}: ${(error as Error).message}`);
  }
  // Knobs are checked by this build's registry when it knows the implementation; the other build
  // checks them again when it opens the arm.
  const impl = findFactoryOrNull(name) ? parseImplSpec(spec) : { name, knobs: {} };
  return { label, impl, build: resolve(build), ...(slowdown ? { slowdown } : {}) };
}

function findFactoryOrNull(name: string) {
  try {
    return findFactory(name);
  } catch {
    return null;
  }
}

/** Runs one contest per scenario with a progress bar; a scenario whose job fails is listed in `failures` and the others go on. */
export async function runContests(scenarios: Scenario[], pairs: (scenario: Scenario) => Pair[], settings: ContestSettings, title: string): Promise<{ contests: ContestResult[]; failures: JobFailure[] }> {
  const contests: ContestResult[] = [];
  const failures: JobFailure[] = [];
  for (const scenario of scenarios) {
    const progress = progressBar(settings.maxRounds, `${title} ${scenario.name}`);
    try {
      contests.push(await runContest(scenario, pairs(scenario), settings, { onRound: (done) => progress.update(done, `round ${done}`) }));
    } catch (error) {
      if (!(error instanceof JobError)) throw error;
      failures.push(failureOf(error));
    } finally {
      progress.stop();
    }
  }
  return { contests, failures };
}

export function compareCommand(yargs: Argv): Argv {
  return yargs.command(
    'compare <scenarios..>',
    'A/B comparison: A and B measured in turns in each fresh process, verdict per metric with a CI and a p-value',
    (y) =>
      withContestOptions(
        y
          .positional('scenarios', { type: 'string', array: true, describe: 'built-in scenario names' })
          .option('a', { type: 'string', demandOption: true, describe: 'spec of A, NAME[:knob=value,...]' })
          .option('b', { type: 'string', demandOption: true, describe: 'spec of B' })
          .option('a-build', { type: 'string', describe: 'take A from another built checkout of tunebench (default: this build)' })
          .option('b-build', { type: 'string', describe: 'take B from another built checkout' })
          .option('inject-slowdown', { type: 'string', describe: 'calibration aid: make B do this fraction more work per operation (0.1 = 10%)' })
          .option('scenario-file', { type: 'string', array: true, describe: 'a scenario JSON file (repeatable)' })
          .option('out', { type: 'string', default: 'tunebench-compare', describe: 'directory for report.json, charts and summary.md' })
          .option('json', { type: 'boolean', default: false, describe: 'print report.json to stdout' })
          .example('$0 compare ycsb-a --a optimized:bulkThreshold=1 --b optimized:bulkThreshold=64', '')
          .example('$0 compare ycsb-c --a primary --b primary --inject-slowdown 0.1 --quick', 'does a 10% slowdown show?')
          .example('$0 compare ycsb-a --a primary --a-build ../base --b primary', 'this build against another checkout'),
        { maxRounds: 16, minRounds: 8 },
      ),
    async (argv) => {
      const startedAt = new Date().toISOString();
      const settings = contestSettingsFrom(argv);
      const scenarios = resolveScenarios({ scenarios: argv.scenarios, scenarioFile: argv.scenarioFile, quick: argv.quick });
      const slowdown = argv.injectSlowdown === undefined ? 0 : parseSlowdown(argv.injectSlowdown);
      const a = await armFor('A', argv.a, argv.aBuild);
      const b = await armFor('B', argv.b, argv.bBuild, slowdown);
      for (const scenario of scenarios) {
        for (const arm of [a, b]) if (!arm.build) checkDurability(scenario, arm.impl.name);
      }
      checkJobs(scenarios.map((scenario) => ({ scenario, arms: [plannedArm(a.impl), plannedArm(b.impl)] })), argv.quick);
      const out = prepareOutput(argv.out);
      const { contests, failures } = await runContests(scenarios, () => [{ name: 'A vs B', a, b }], settings, 'compare');
      const report = contestReport(contests, { command: 'compare', argv: process.argv.slice(2), startedAt, settings, extraSettings: { injectSlowdown: slowdown } });
      report.failures = failures;
      await writeReport(report, out);
      if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${compareText(report, contests)}\n\nseed ${settings.seed}; report: ${out}/report.json\n`);
      if (failures.length > 0) failed(report);
    },
  );
}
