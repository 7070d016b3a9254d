/**
 * `--record` on run, baseline save and gate: the run goes into the history in the same step. The
 * history file and the commit are checked before anything is measured, so that a bad path or a
 * foreign file is one line up front, not a lost hour at the end.
 */
import type { Argv } from 'yargs';
import { HistoryStore, historyPath } from '../history/store.js';
import { provenance, provenanceText } from '../history/provenance.js';
import type { HistoryRun, Provenance } from '../history/records.js';
import { recordRun } from '../history/runs.js';

export function withHistoryFile<T>(y: Argv<T>) {
  return y.option('history-file', { type: 'string', describe: 'the history database (default: $TUNEBENCH_HISTORY, else .tunebench/history.sqlite)' });
}

export function withRecordOptions<T>(y: Argv<T>) {
  return withHistoryFile(y)
    .option('record', { type: 'boolean', default: false, describe: 'also record this run in the history (see tunebench history)' })
    .option('commit', { type: 'string', describe: 'with --record: the commit measured (default: git HEAD in this folder)' })
    .option('branch', { type: 'string', describe: 'with --record: its branch (default: git, or the CI\'s branch variable on a detached HEAD)' });
}

export interface RecordArgs {
  record: boolean;
  historyFile?: string;
  commit?: string;
  branch?: string;
}

export interface PendingRecord {
  path: string;
  where: Provenance;
}

/** Checks what --record will need (the file opens as a history, the commit is known); null without --record. */
export function prepareRecord(argv: RecordArgs): PendingRecord | null {
  if (!argv.record) return null;
  const path = historyPath(argv.historyFile);
  const where = provenance({ commit: argv.commit, branch: argv.branch });
  HistoryStore.open(path, { create: true }).close();
  return { path, where };
}

/** Records `run` (built from the provenance) and says where, on stderr (stdout may be --json). */
export function finishRecord(pending: PendingRecord | null, build: (where: Provenance) => HistoryRun): void {
  if (!pending) return;
  const store = HistoryStore.open(pending.path, { create: true });
  try {
    const done = recordRun(store, build(pending.where));
    process.stderr.write(done.duplicate ? `already recorded as run ${done.id} in ${pending.path}\n` : `recorded as run ${done.id} in ${pending.path} (${provenanceText(pending.where)})\n`);
  } finally {
    store.close();
  }
}
