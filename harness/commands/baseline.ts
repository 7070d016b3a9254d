/** `tunebench baseline save|list`: keep a run's raw rounds to gate later runs against. */
import type { Argv } from 'yargs';
import { formatImplSpec } from '../adapters/registry.js';
import { currentEnvironment } from '../environment.js';
import { type Baseline, BASELINE_FORMAT, BASELINE_VERSION, checkBaselineName, listBaselines, saveBaseline, shardBaselineName } from '../gate/baselines.js';
import { freshRounds } from '../gate/baseline-gate.js';
import { lazyProgress } from '../progress.js';
import { resolveImpls, resolveScenarios } from './common.js';
import { integerFlag } from './flags.js';
import { checkEveryPair, prepareOutput } from './preflight.js';
import { baselinesRoot } from '../gate/baselines.js';
import { GATE_IMPLS, GATE_SUITE } from '../gate/gate.js';
import { runFromBaseline } from '../history/records.js';
import { finishRecord, prepareRecord, withRecordOptions } from './record.js';
import { shardPlan, withShardOption } from './shard.js';
import { shardSetting, unitFilter, workUnits } from '../shard/plan.js';

export function baselineCommand(yargs: Argv): Argv {
  return yargs.command('baseline <action>', 'Save a run as a named baseline for this machine, or list saved baselines', (y) =>
    y
      .command(
        'save [scenarios..]',
        'Run scenarios (default: the gate suite) and keep their raw rounds under .tunebench/baselines/FINGERPRINT/NAME.json',
        (s) =>
          withShardOption(withRecordOptions(s))
            .positional('scenarios', { type: 'string', array: true, describe: `built-in scenario names (default: ${GATE_SUITE.join(' ')})` })
            .option('name', { type: 'string', default: 'main', describe: 'baseline name' })
            .option('impl', { type: 'string', array: true, describe: `implementation spec (repeatable; default: ${GATE_IMPLS.join(', ')})` })
            .option('rounds', { type: 'number', default: 20, describe: 'fresh-process rounds per scenario x implementation (unpaired comparisons need many: with 20, a 10% slowdown is caught in about 1 gate in 6; 8 gave 1 in 18)' })
            .option('quick', { type: 'boolean', default: false, describe: 'the sizes of run --quick (gate --quick needs a quick baseline)' })
            .example('$0 baseline save --quick', 'the gate suite, scaled down, saved as "main"')
            .example('$0 baseline save ycsb-a ycsb-c --name before-refactor', '')
            .example('$0 baseline save --quick --record', 'and record its rounds in the history'),
        async (argv) => {
          checkBaselineName(argv.name);
          const scenarios = resolveScenarios({ scenarios: argv.scenarios, quick: argv.quick }, GATE_SUITE);
          const impls = resolveImpls(argv.impl, [], GATE_IMPLS);
          const rounds = integerFlag(argv.rounds, '--rounds');
          checkEveryPair(scenarios, impls, argv.quick);
          const plan = shardPlan(argv.shard, () => workUnits(scenarios, impls, rounds, argv.quick));
          // A shard's part is saved as NAME.shard-I-of-N, which gate --baseline NAME --shard I/N reads.
          const name = plan ? shardBaselineName(argv.name, plan.spec) : argv.name;
          const recording = prepareRecord(argv);
          prepareOutput(`${baselinesRoot()}/${currentEnvironment().fingerprint}`, 'the baselines folder');
          const startedAt = new Date().toISOString();
          const progress = lazyProgress('baseline');
          let measured;
          try {
            measured = await freshRounds(scenarios, impls, rounds, argv.quick, 0, { onProgress: progress.update }, unitFilter(plan));
          } finally {
            progress.stop();
          }
          const baseline: Baseline = {
            format: BASELINE_FORMAT,
            version: BASELINE_VERSION,
            name,
            savedAt: new Date().toISOString(),
            environment: currentEnvironment(),
            quick: argv.quick,
            implementations: impls.map(formatImplSpec),
            scenarios,
            rounds: measured.map((r) => ({
              arm: r.arm,
              scenario: r.scenario,
              implementation: r.implementation,
              round: r.round,
              workload: r.workload && { opsPerSec: r.workload.opsPerSec, chunkOpsPerSec: r.workload.chunkOpsPerSec, latencyNs: { p50: r.workload.latencyNs.p50, p99: r.workload.latencyNs.p99 } },
              series: r.series,
            })),
            ...(plan ? { shard: shardSetting(plan) } : {}),
          };
          const path = saveBaseline(baseline);
          process.stdout.write(`saved baseline "${name}": ${scenarios.length} scenarios x ${impls.length} implementations x ${rounds} rounds\n${path}\n`);
          finishRecord(recording, (where) => runFromBaseline(baseline, where, startedAt));
        },
      )
      .command(
        'list',
        'List saved baselines (this machine first)',
        (s) => s.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
        (argv) => {
          const here = currentEnvironment().fingerprint;
          const all = listBaselines().sort((x, y) => Number(y.fingerprint === here) - Number(x.fingerprint === here));
          if (argv.json) {
            process.stdout.write(`${JSON.stringify(all.map((b) => ({ ...b, thisMachine: b.fingerprint === here })), null, 2)}\n`);
            return;
          }
          if (all.length === 0) {
            process.stdout.write('no baselines yet (tunebench baseline save)\n');
            return;
          }
          for (const b of all) process.stdout.write(`${b.name.padEnd(20)} ${b.modified}  ${b.fingerprint}${b.fingerprint === here ? ' (this machine)' : ''}\n`);
        },
      )
      .demandCommand(1, 'name an action: save or list'),
  );
}
