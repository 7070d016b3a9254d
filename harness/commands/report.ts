/** `tunebench report DIR/report.json [--out DIR2]`: re-render charts and summary from a saved report. */
import { readInputFile } from '../../scenarios/read-file.js';
import { prepareOutput } from './preflight.js';

/** A report holds raw samples: tens of megabytes for a long run, never this. */
const MAX_REPORT_BYTES = 512 * 2 ** 20;
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { type Report, ReportSchema } from '../../reports/schema.js';
import { writeReport } from '../../reports/write-report.js';

/** A report's file: PATH itself, or PATH/report.json when PATH is a report folder. */
export function reportPath(path: string): string {
  try {
    return statSync(path).isDirectory() ? join(path, 'report.json') : path;
  } catch {
    return path;
  }
}

/** Reads and validates a report file; a bad one is a UsageError naming the first problems. */
export function readReport(path: string): Report {
  let text: string;
  try {
    text = readInputFile(path, MAX_REPORT_BYTES);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = ReportSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(report)'}: ${i.message}`);
    throw new UsageError(`${path} is not a tunebench report: ${first.join('; ')}`);
  }
  return parsed.data;
}

export function reportCommand(yargs: Argv): Argv {
  return yargs.command(
    'report <file>',
    'Re-render the charts and summary.md of a saved report.json',
    (y) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'a report.json written by tunebench' })
        .option('out', { type: 'string', describe: 'directory to write to (default: the report file\'s directory)' })
        .example('$0 report tunebench-report/report.json --out /tmp/charts', ''),
    async (argv) => {
      const out = prepareOutput(argv.out ?? dirname(resolve(argv.file)));
      const report = readReport(argv.file);
      const written = await writeReport(report, out);
      process.stdout.write(`wrote ${written.files.join(', ')} to ${out}\n`);
    },
  );
}
