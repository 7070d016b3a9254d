/** `tunebench merge DIR...`: one report.json, charts and summary.md from the shards of a run or gate. */
import type { Argv } from 'yargs';
import { mergeShards } from '../shard/merge.js';
import { prepareOutput } from './preflight.js';
import { readReport, reportPath } from './report.js';
import { failed } from './run.js';
import { gateMarkdown } from '../../reports/markdown.js';
import { calibrationText, claimsText, gateText, runText } from '../../reports/terminal.js';
import type { Report } from '../../reports/schema.js';
import type { ContestSettings } from '../compare/contest.js';
import { writeReport } from '../../reports/write-report.js';

/** The terminal summary each command prints, for its merged report. */
function textOf(report: Report): string {
  if (report.gate) return gateText(report.gate, report.comparisons, report.warnings, 0);
  if (report.calibration) return calibrationText(report.calibration, report.settings as unknown as ContestSettings);
  if (report.claims) return claimsText(report.claims);
  return runText(report);
}

export function mergeCommand(yargs: Argv): Argv {
  return yargs.command(
    'merge <dirs..>',
    'Merge the reports of a sharded run, gate, calibrate or claims (--shard I/N) into one report; a merged gate fails when any shard failed',
    (y) =>
      y
        .positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'the shards\' report folders (or report.json files), every shard once' })
        .option('out', { type: 'string', default: 'tunebench-merged', describe: 'directory for the merged report.json, charts and summary.md' })
        .option('json', { type: 'boolean', default: false, describe: 'print the merged report.json to stdout' })
        .example('$0 merge shard-1 shard-2 shard-3 shard-4 --out gate', 'the four shards of a gate, as one'),
    async (argv) => {
      const shards = argv.dirs.map((dir) => {
        const source = reportPath(dir);
        return { source, report: readReport(source) };
      });
      const report = mergeShards(shards);
      const out = prepareOutput(argv.out);
      await writeReport(report, out, [], report.gate ? gateMarkdown(report.gate) : '');
      if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${textOf(report)}\n\nmerged ${shards.length} shards; report: ${out}/report.json\n`);
      if (report.failures.length > 0) failed(report);
      if (report.gate) process.exitCode = report.gate.exitCode;
      // claims --strict fails on a failed claim; its merged report does the same.
      if (report.settings.strict === true && report.claims?.some((c) => !c.passed)) process.exitCode = 1;
    },
  );
}
