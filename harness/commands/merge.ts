/** `tunebench merge DIR...`: one report.json, charts and summary.md from the shards of a run or gate. */
import type { Argv } from 'yargs';
import { mergeShards } from '../shard/merge.js';
import { prepareOutput } from './preflight.js';
import { readReport, reportPath } from './report.js';
import { failed } from './run.js';
import { gateMarkdown } from '../../reports/markdown.js';
import { gateText, runText } from '../../reports/terminal.js';
import { writeReport } from '../../reports/write-report.js';

export function mergeCommand(yargs: Argv): Argv {
  return yargs.command(
    'merge <dirs..>',
    'Merge the reports of a sharded run or gate (--shard I/N) into one report; a merged gate fails when any shard failed',
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
      else process.stdout.write(`${report.gate ? gateText(report.gate, report.comparisons, report.warnings, 0) : runText(report)}\n\nmerged ${shards.length} shards; report: ${out}/report.json\n`);
      if (report.failures.length > 0) failed(report);
      if (report.gate) process.exitCode = report.gate.exitCode;
    },
  );
}
