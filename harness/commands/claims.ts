/** `tunebench claims`: every measurable claim of the feature list, claimed against measured. */
import type { Argv } from 'yargs';
import { newReport } from '../new-report.js';
import { claimGroups, measureClaims } from '../claims/claims.js';
import { shardSetting, unitFilter } from '../shard/plan.js';
import { shardPlan, withShardOption } from './shard.js';
import { lazyProgress } from '../progress.js';
import { integerFlag } from './flags.js';
import { checkJobs, prepareOutput } from './preflight.js';
import { type ClaimEntry } from '../../reports/schema.js';
import { claimsText } from '../../reports/terminal.js';
import { writeReport } from '../../reports/write-report.js';

export function claimsCommand(yargs: Argv): Argv {
  return yargs.command(
    'claims',
    'Re-measure the performance claims of the feature list (bulk speedups, read scaling, write throughput, contention, memory) and report claimed against measured',
    (y) =>
      withShardOption(y)
        .option('quick', { type: 'boolean', default: false, describe: 'large sizes at 100k instead of 1M, 3 rounds' })
        .option('rounds', { type: 'number', describe: 'rounds of every measurement (default 3 with --quick, else 5)' })
        .option('strict', { type: 'boolean', default: false, describe: 'exit 1 when a claim fails (it only reports otherwise)' })
        .option('out', { type: 'string', default: 'tunebench-claims', describe: 'directory for report.json, claims.png and summary.md' })
        .option('json', { type: 'boolean', default: false, describe: 'print report.json to stdout' })
        .example('$0 claims --quick', '')
        .example('$0 claims --strict', 'fail when any claim fails'),
    async (argv) => {
      const startedAt = new Date().toISOString();
      const rounds = argv.rounds === undefined ? (argv.quick ? 3 : 5) : integerFlag(argv.rounds, '--rounds');
      checkJobs([], argv.quick);
      const plan = shardPlan(argv.shard, () => claimGroups(argv.quick).map((g) => ({ scenario: 'claims', implementation: g.group, cost: rounds * g.roundMs })));
      const mine = unitFilter(plan);
      const out = prepareOutput(argv.out);
      const progress = lazyProgress('claims');
      let claims: ClaimEntry[];
      try {
        claims = await measureClaims({ quick: argv.quick, rounds, onStep: progress.update, only: (group) => mine('claims', group) });
      } finally {
        progress.stop();
      }
      const report = newReport({ command: 'claims', startedAt, settings: { quick: argv.quick, rounds, strict: argv.strict, ...(plan ? { shard: shardSetting(plan) } : {}) }, claims });
      await writeReport(report, out);
      if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${claimsText(claims)}\n\nreport: ${out}/report.json\n`);
      if (argv.strict && claims.some((c) => !c.passed)) process.exitCode = 1;
    },
  );
}
