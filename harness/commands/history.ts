/** `tunebench history record|list|show|detect|prune|export|import`: the performance history. */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { currentEnvironment } from '../environment.js';
import { runFromReport } from '../history/records.js';
import { checkBranch, provenance, provenanceText } from '../history/provenance.js';
import { type RunFilter, type SeriesFilter, exportLines, importRuns, listRuns, loadSeries, parseExport, pruneRuns, recordRun } from '../history/runs.js';
import { HistoryStore, historyPath } from '../history/store.js';
import { type Trend, trendOf } from '../history/trend.js';
import { readInputFile } from '../../scenarios/read-file.js';
import { changeLine, groupTrends, historyMarkdown, trendChart } from '../../reports/history-charts.js';
import { renderCharts } from '../../reports/write-report.js';
import { writeFileAtomic, writeFilesTogether } from '../../reports/write.js';
import { checkSeed } from './common.js';
import { integerFlag } from './flags.js';
import { prepareOutput } from './preflight.js';
import { withHistoryFile } from './record.js';
import { readReport, reportPath } from './report.js';

/** An export is the rounds of every run: tens of megabytes for years of CI, never more than this. */
const MAX_EXPORT_BYTES = 1024 * 2 ** 20;

/** Opens the history named by --history-file, runs `work`, and closes it whatever happens. */
function withStore<T>(argv: { historyFile?: string }, create: boolean, work: (store: HistoryStore) => T): T {
  const store = HistoryStore.open(historyPath(argv.historyFile), { create });
  try {
    return work(store);
  } finally {
    store.close();
  }
}

type FilterArgs = { scenarios?: (string | number)[]; impl?: string[]; metric?: string[]; last?: number; branch?: string; allMachines: boolean };

function withFilters<T>(y: Argv<T>) {
  return y
    .positional('scenarios', { type: 'string', array: true, describe: 'scenario names (default: every recorded scenario)' })
    .option('impl', { type: 'string', array: true, describe: 'implementation specs (repeatable; default: all recorded)' })
    .option('metric', { type: 'string', array: true, describe: 'metrics: throughput, p50, p99, or a series point such as nsPerOp@10000 (repeatable; default: all)' })
    .option('last', { type: 'number', describe: 'only the last N commits of each series' })
    .option('branch', { type: 'string', describe: 'only runs of this branch (default: every branch)' })
    .option('all-machines', { type: 'boolean', default: false, describe: 'include runs measured on other machines (default: this machine only, whose timings compare)' })
    .option('seed', { type: 'number', default: 1, describe: 'seed of the permutation tests (the same seed gives the same change points)' })
    .option('alpha', { type: 'number', default: 0.01, describe: 'level of each change point\'s permutation test' });
}

/** --all-machines and --branch: this machine's runs unless told otherwise, of any branch unless named. */
function runFilter(argv: { allMachines: boolean; branch?: string }): RunFilter {
  return { fingerprint: argv.allMachines ? null : currentEnvironment().fingerprint, branch: argv.branch === undefined ? null : checkBranch(argv.branch) };
}

function seriesFilter(argv: FilterArgs): SeriesFilter {
  return {
    ...runFilter(argv),
    scenarios: (argv.scenarios ?? []).map(String),
    implementations: argv.impl ?? [],
    metrics: argv.metric ?? [],
    last: argv.last === undefined ? null : integerFlag(argv.last, '--last'),
  };
}

interface TrendRequest {
  filter: SeriesFilter;
  seed: number;
  alpha: number;
}

/** The filters and test settings, checked before the history is opened. */
function trendRequest(argv: FilterArgs & { seed: number; alpha: number }): TrendRequest {
  checkSeed(argv.seed);
  if (!(argv.alpha > 0 && argv.alpha < 0.5)) throw new UsageError(`--alpha must be between 0 and 0.5, got ${argv.alpha}`);
  return { filter: seriesFilter(argv), seed: argv.seed, alpha: argv.alpha };
}

/** The trends the filters select; naming something that was never recorded is an error, not an empty answer. */
function trendsOf(store: HistoryStore, { filter, seed, alpha }: TrendRequest): Trend[] {
  const series = loadSeries(store, filter);
  const where = `${filter.fingerprint ? ' on this machine' : ''}${filter.branch ? ` on branch ${filter.branch}` : ''}`;
  for (const [flag, wanted, have] of [
    ['scenario', filter.scenarios, series.map((s) => s.key.scenario)],
    ['--impl', filter.implementations, series.map((s) => s.key.implementation)],
    ['--metric', filter.metrics, series.map((s) => s.key.metric)],
  ] as const) {
    const missing = wanted.filter((w) => !have.includes(w));
    if (missing.length > 0) throw new UsageError(`the history has no ${flag} ${missing.map((m) => `"${m}"`).join(', ')}${where} (recorded: ${[...new Set(have)].join(', ') || 'nothing'})`);
  }
  if (series.length === 0) throw new UsageError(`the history at ${store.path} holds no runs${where} (see tunebench history list${filter.fingerprint ? ' --all-machines' : ''})`);
  return series.map((s) => trendOf(s, { seed, alpha }));
}

export function historyCommand(yargs: Argv): Argv {
  return yargs.command('history <action>', 'The performance history (SQLite): record runs, list them, show trends, detect change points, prune, export and import', (y) =>
    withHistoryFile(y)
      .command(
        'record <reports..>',
        'Record run or gate reports (report.json, or a folder holding one) in the history',
        (s) =>
          s
            .positional('reports', { type: 'string', array: true, demandOption: true, describe: 'report.json files or report folders' })
            .option('commit', { type: 'string', describe: 'the commit measured (default: git HEAD in this folder)' })
            .option('branch', { type: 'string', describe: 'its branch (default: git, or the CI\'s branch variable on a detached HEAD)' })
            .example('$0 history record tunebench-report', 'the last run, under the current commit and branch')
            .example('$0 history record shard-*/report.json --commit $GITHUB_SHA --branch main', ''),
        (argv) => {
          const where = provenance({ commit: argv.commit, branch: argv.branch });
          // Every report is read and checked before the first is recorded.
          const runs = argv.reports.map((path) => {
            const file = reportPath(path);
            return { file, run: runFromReport(readReport(file), where, file) };
          });
          withStore(argv, true, (store) => {
            for (const { file, run } of runs) {
              const done = recordRun(store, run);
              process.stdout.write(done.duplicate ? `${file}: already recorded as run ${done.id}\n` : `${file}: recorded as run ${done.id} (${run.results.length} metrics, ${provenanceText(where)})\n`);
            }
          });
        },
      )
      .command(
        'list',
        'List recorded runs, oldest first',
        (s) =>
          s
            .option('branch', { type: 'string', describe: 'only runs of this branch' })
            .option('all-machines', { type: 'boolean', default: false, describe: 'include runs of other machines' })
            .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
        (argv) => {
          const filter = runFilter(argv);
          const runs = withStore(argv, false, (store) => listRuns(store, filter));
          if (argv.json) {
            process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
            return;
          }
          if (runs.length === 0) {
            process.stdout.write(`no runs${filter.fingerprint ? ' of this machine' : ''}${filter.branch ? ` on ${filter.branch}` : ''} in the history\n`);
            return;
          }
          for (const r of runs) {
            const gate = r.gateExit === null ? '' : ` gate exit ${r.gateExit}`;
            process.stdout.write(`${String(r.id).padStart(5)}  ${r.recordedAt.slice(0, 19)}  ${r.commit.slice(0, 12).padEnd(12)}  ${(r.branch ?? '-').padEnd(16)}  ${(r.command + (r.quick ? ' --quick' : '')).padEnd(20)} ${r.results} metrics, ${r.rounds} rounds${gate}${argv.allMachines ? `  ${r.fingerprint}` : ''}\n`);
          }
        },
      )
      .command(
        'show [scenarios..]',
        'Trend per scenario and metric: a PNG chart (median and CI per commit, change points marked), summary.md and history.json',
        (s) =>
          withFilters(s)
            .option('out', { type: 'string', default: 'tunebench-history', describe: 'directory for the charts, summary.md and history.json' })
            .option('json', { type: 'boolean', default: false, describe: 'print history.json to stdout instead of the text summary' })
            .example('$0 history show ycsb-a --impl primary --metric throughput --last 30', ''),
        async (argv) => {
          const request = trendRequest(argv);
          const trends = withStore(argv, false, (store) => trendsOf(store, request));
          const out = prepareOutput(argv.out);
          const groups = groupTrends(trends);
          const charts = groups.map(trendChart);
          const json = `${JSON.stringify({ format: 'tunebench-history-trends', trends }, null, 2)}\n`;
          const heading = `${trends.length} series from ${historyPath(argv.historyFile)}; change points by E-divisive means (permutation test at alpha ${argv.alpha}, seed ${argv.seed}).`;
          writeFilesTogether(out, [{ name: 'history.json', data: json }, ...(await renderCharts(charts)), { name: 'summary.md', data: historyMarkdown(groups, charts, heading) }]);
          if (argv.json) process.stdout.write(json);
          else process.stdout.write(`${trendLines(trends).join('\n')}\n\nwrote ${charts.length} charts, summary.md and history.json to ${out}\n`);
        },
      )
      .command(
        'detect [scenarios..]',
        'Change points in each metric series (E-divisive means with a permutation test): the commit, the step with its CI, p, regression or improvement',
        (s) =>
          withFilters(s)
            .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
            .example('$0 history detect --branch main', 'every series of main on this machine'),
        (argv) => {
          const request = trendRequest(argv);
          const trends = withStore(argv, false, (store) => trendsOf(store, request));
          const changes = trends.flatMap((t) => t.changes.map((c) => ({ series: t.label, ...t.key, ...c })));
          if (argv.json) {
            process.stdout.write(`${JSON.stringify({ seed: argv.seed, alpha: argv.alpha, series: trends.length, changes, notes: trends.filter((t) => t.note).map((t) => ({ series: t.label, note: t.note })) }, null, 2)}\n`);
            return;
          }
          const lines = trends.flatMap((t) => t.changes.map((c) => changeLine(t, c)));
          const short = trends.filter((t) => t.note).length;
          process.stdout.write(`${lines.length > 0 ? lines.join('\n') : 'no change points'}\n(${trends.length} series${short > 0 ? `, ${short} with too few commits to judge` : ''}; seed ${argv.seed})\n`);
        },
      )
      .command(
        'prune',
        'Keep only the newest N runs of each machine and branch (and give the space back)',
        (s) => s.option('keep', { type: 'number', demandOption: true, describe: 'runs to keep per machine and branch' }).example('$0 history prune --keep 200', ''),
        (argv) => {
          const keep = integerFlag(argv.keep, '--keep');
          const deleted = withStore(argv, false, (store) => {
            const n = pruneRuns(store, keep);
            if (n > 0) store.vacuum();
            return n;
          });
          process.stdout.write(`deleted ${deleted} runs (kept the newest ${keep} of each machine and branch)\n`);
        },
      )
      .command(
        'export',
        'Write every run as JSON lines (a header line, then a run per line) to move a history between CI caches',
        (s) => s.option('out', { type: 'string', describe: 'file to write (default: stdout)' }).example('$0 history export --out history.jsonl', ''),
        (argv) => {
          const lines = withStore(argv, false, (store) => exportLines(store));
          const text = `${lines.join('\n')}\n`;
          if (argv.out === undefined) process.stdout.write(text);
          else {
            writeFileAtomic(argv.out, text);
            process.stderr.write(`wrote ${lines.length - 1} runs to ${argv.out}\n`);
          }
        },
      )
      .command(
        'import <file>',
        'Add the runs of an export (runs already in the history are skipped); all or nothing',
        (s) => s.positional('file', { type: 'string', demandOption: true, describe: 'a file written by history export' }).example('$0 history import history.jsonl', ''),
        (argv) => {
          let text: string;
          try {
            text = readInputFile(argv.file, MAX_EXPORT_BYTES);
          } catch (error) {
            throw new UsageError((error as Error).message);
          }
          const runs = parseExport(text, argv.file);
          const done = withStore(argv, true, (store) => importRuns(store, runs));
          process.stdout.write(`imported ${done.added} runs (${done.skipped} were already there)\n`);
        },
      )
      .demandCommand(1, 'name an action: record, list, show, detect, prune, export or import'),
  );
}

/** The terminal's view of trends: each series' last level and its change points. */
function trendLines(trends: readonly Trend[]): string[] {
  return trends.map((t) => {
    const last = t.points.at(-1)!;
    const changes = t.changes.length === 0 ? (t.note ? ` (${t.note})` : ', no change points') : `; ${t.changes.map((c) => changeLine(t, c).slice(t.label.length + 2)).join('; ')}`;
    return `${t.label}: ${t.points.length} commits, last ${last.median.toPrecision(4)} ${t.key.unit} at ${last.short}${changes}`;
  });
}
