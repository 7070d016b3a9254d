/**
 * The performance history: one SQLite file (better-sqlite3), `.tunebench/history.sqlite` unless
 * `--history FILE` or TUNEBENCH_HISTORY names another. SQLite because it is what a team already
 * trusts to keep a file whole through crashes and two writers at once (WAL mode, a busy timeout,
 * every run recorded in one IMMEDIATE transaction), and because it stays one small binary file
 * instead of the JSON piles that bloat benchmark repositories.
 *
 * The file is ours only if its `PRAGMA application_id` says so: a foreign SQLite file, a file
 * that is not SQLite at all, a damaged one or one from a newer schema is refused with one line and
 * never written to. The schema's version is `PRAGMA user_version`; MIGRATIONS bring an older file
 * up to date inside one transaction, so a crash mid-migration leaves the old version intact.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { optionalModule } from '../adapters/optional.js';
import { UsageError } from '../errors.js';

type Database = BetterSqlite3.Database;

/** "TBHS": marks a SQLite file as a tunebench history. */
export const APPLICATION_ID = 0x54424853;

/**
 * Each step takes the schema from version i to i + 1. Version 1 held runs and each round's raw
 * value per metric; version 2 added gate verdicts, the gate's exit code and the series index.
 * Steps are never edited once released: a file written by an older tunebench must migrate.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id INTEGER PRIMARY KEY,
     recorded_at TEXT NOT NULL,
     started_at TEXT NOT NULL,
     command TEXT NOT NULL,
     commit_sha TEXT NOT NULL,
     branch TEXT,
     fingerprint TEXT NOT NULL,
     tool_version TEXT NOT NULL,
     quick INTEGER NOT NULL,
     environment TEXT NOT NULL,
     settings TEXT NOT NULL,
     digest TEXT NOT NULL UNIQUE
   );
   CREATE TABLE results (
     id INTEGER PRIMARY KEY,
     run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
     scenario TEXT NOT NULL,
     scenario_digest TEXT NOT NULL,
     implementation TEXT NOT NULL,
     metric TEXT NOT NULL,
     unit TEXT NOT NULL,
     better TEXT NOT NULL CHECK (better IN ('higher', 'lower')),
     UNIQUE (run_id, scenario, implementation, metric)
   );
   CREATE TABLE rounds (
     result_id INTEGER NOT NULL REFERENCES results (id) ON DELETE CASCADE,
     round INTEGER NOT NULL,
     value REAL NOT NULL,
     PRIMARY KEY (result_id, round)
   ) WITHOUT ROWID;`,
  `CREATE TABLE verdicts (
     run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
     scenario TEXT NOT NULL,
     pair TEXT NOT NULL,
     metric TEXT NOT NULL,
     ratio REAL NOT NULL,
     ci_low REAL NOT NULL,
     ci_high REAL NOT NULL,
     p_value REAL NOT NULL,
     verdict TEXT NOT NULL CHECK (verdict IN ('improved', 'regressed', 'unchanged')),
     PRIMARY KEY (run_id, scenario, pair, metric)
   ) WITHOUT ROWID;
   ALTER TABLE runs ADD COLUMN gate_exit INTEGER;
   CREATE INDEX results_series ON results (scenario, implementation, metric);
   CREATE INDEX runs_machine ON runs (fingerprint, branch);`,
];
export const SCHEMA_VERSION = MIGRATIONS.length;

export const DEFAULT_HISTORY = '.tunebench/history.sqlite';

/** --history, else TUNEBENCH_HISTORY, else .tunebench/history.sqlite, relative to the current folder. */
export function historyPath(flag: string | undefined, cwd = process.cwd()): string {
  const named = flag ?? process.env.TUNEBENCH_HISTORY;
  if (named !== undefined && named.trim() === '') throw new UsageError(flag !== undefined ? '--history names no file' : 'TUNEBENCH_HISTORY is set but empty');
  return resolve(cwd, named ?? DEFAULT_HISTORY);
}

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_HEADER = 'SQLite format 3\u0000';

/** Why `path` cannot be a history we may open, judged from its first bytes (null: it may be). */
function headerProblem(path: string): string | null {
  const stat = statSync(path);
  if (!stat.isFile()) return 'not a regular file';
  if (stat.size === 0) return null;
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(16);
    const got = readSync(fd, head, 0, 16, 0);
    return got === 16 && head.toString('latin1') === SQLITE_HEADER ? null : 'not a SQLite database';
  } finally {
    closeSync(fd);
  }
}

/** SQLite's own word for a damaged or foreign file, as the last part of one line. */
function sqliteProblem(error: unknown): string | null {
  const code = (error as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_CORRUPT')) return `damaged (${(error as Error).message})`;
  if (code === 'SQLITE_NOTADB') return 'not a SQLite database';
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL') return `cannot be read or written (${(error as Error).message})`;
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_READONLY') return `cannot be opened for writing (${(error as Error).message})`;
  return null;
}

export interface OpenOptions {
  /** Create the file (and its folder) when missing; else a missing history is an error. */
  create: boolean;
}

/**
 * A history file, checked and brought to the current schema. Every SQLite failure becomes one
 * line naming the file: SQLite's own checks (headers, page checksums of the b-tree structure) are
 * what find a damaged file, and `quick_check` runs at each open.
 */
export class HistoryStore {
  private constructor(
    readonly path: string,
    private readonly db: Database,
  ) {}

  static open(path: string, options: OpenOptions): HistoryStore {
    const sqlite = optionalModule<typeof BetterSqlite3>('better-sqlite3');
    if (!sqlite.module) throw new UsageError(`the history needs SQLite: ${sqlite.unavailable}`);
    const exists = existsSync(path);
    if (!exists && !options.create) throw new UsageError(`no history at ${path} yet (record one with "tunebench history record REPORT.json", or --record)`);
    if (exists) {
      const problem = headerProblem(path);
      if (problem) throw new UsageError(`${path} is ${problem}; it is not a tunebench history and was left as it is`);
    } else {
      mkdirSync(dirname(path), { recursive: true });
    }
    let db: Database | undefined;
    try {
      db = new sqlite.module(path, { fileMustExist: exists, timeout: 30_000 });
      const store = new HistoryStore(path, db);
      store.checkAndMigrate();
      return store;
    } catch (error) {
      db?.close();
      if (error instanceof UsageError) throw error;
      throw HistoryStore.failure(path, error);
    }
  }

  /** One line for a SQLite failure, or the error itself when it is none of SQLite's. */
  static failure(path: string, error: unknown): Error {
    const problem = sqliteProblem(error);
    if (problem) return new UsageError(`history ${path} is ${problem}; it was left as it is`);
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return new UsageError(`history ${path} stayed locked by another process for 30 s; try again`);
    return error as Error;
  }

  private checkAndMigrate(): void {
    const { db, path } = this;
    const ours = (): void => {
      const id = db.pragma('application_id', { simple: true }) as number;
      const tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number;
      if (id !== APPLICATION_ID && (id !== 0 || tables > 0)) throw new UsageError(`${path} is a SQLite database of another application (application_id ${id}); it is not a tunebench history and was left as it is`);
      const version = this.version();
      if (version > SCHEMA_VERSION) throw new UsageError(`history ${path} has schema version ${version}, newer than this tunebench knows (${SCHEMA_VERSION}); use a newer tunebench`);
    };
    ours();
    const check = db.pragma('quick_check', { simple: true }) as string;
    if (check !== 'ok') {
      const first = check.replace(/\*\*\* in database main \*\*\*/g, '').split('\n').map((l) => l.trim()).filter(Boolean);
      throw new UsageError(`history ${path} is damaged (quick_check: ${first.slice(0, 2).join('; ').slice(0, 200)}${first.length > 2 ? `; ${first.length - 2} more` : ''}); it was left as it is`);
    }
    db.pragma('journal_mode = WAL');
    // FULL: a recorded run survives a power loss too; recording is rare, so the fsync is cheap.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    if (this.version() === SCHEMA_VERSION) return;
    // IMMEDIATE takes the write lock first, so two processes opening an old file migrate it once.
    db.transaction(() => {
      ours();
      for (let v = this.version(); v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }

  /** Runs `work` in one IMMEDIATE transaction (the write lock first: no deadlock between two recorders). */
  write<T>(work: (db: Database) => T): T {
    try {
      return this.db.transaction(() => work(this.db)).immediate();
    } catch (error) {
      throw HistoryStore.failure(this.path, error);
    }
  }

  read<T>(work: (db: Database) => T): T {
    try {
      return work(this.db);
    } catch (error) {
      throw HistoryStore.failure(this.path, error);
    }
  }

  /** The schema version of the open file (after migration: SCHEMA_VERSION). */
  version(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** Gives back the space of deleted runs (after a prune). */
  vacuum(): void {
    this.read((db) => db.exec('VACUUM'));
  }

  close(): void {
    this.db.close();
  }
}

