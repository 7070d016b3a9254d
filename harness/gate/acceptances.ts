/**
 * Acknowledged regressions: a candidate declares, reviewably, the slowdowns it accepts and why
 * (a checksum per log record, a safer checkpoint), so that an honest trade-off passes the gate
 * without weakening it. Two sources, both explicit:
 *
 * - `--accept-trailers`: the `Tunebench-Accept:` trailers of the candidate's HEAD commit, e.g.
 *     Tunebench-Accept: durable-writes primary throughput >= 0.90 -- checksum per log record
 *   They travel with the change itself, are reviewed with it, and cannot outlive it: the next
 *   commit has its own message. (A pull request's merge commit carries no trailers: check out the
 *   head commit.)
 * - `--accept FILE`: the same in JSON, for CI systems where commit messages are awkward.
 *
 * The bound is a worst ratio in the metric's worse direction: `>= 0.90` accepts throughput down
 * to 0.90x and, on a latency metric, up to 1/0.90 = 1.11x; `<= 1.10` accepts latency up to 1.10x
 * and throughput down to 1/1.10. A regression is accepted when its measured ratio (the estimate)
 * stays within a matching acceptance's bound; anything worse, or not covered, still fails.
 */
import { execFileSync } from 'node:child_process';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { readInputFile } from '../../scenarios/read-file.js';
import type { Comparison, GateEntry } from '../../reports/schema.js';

export const TRAILER = 'Tunebench-Accept';

export interface Acceptance {
  scenario: string;
  implementation: string;
  metric: string;
  comparator: '>=' | '<=';
  bound: number;
  reason: string;
  /** Where it was declared: the trailer of a commit, or a file. */
  source: string;
  /** As written (for messages and the report). */
  text: string;
}

/** The factor by which a metric may be worse: >= r allows 1/r, <= r allows r. */
const worstFactor = (a: Pick<Acceptance, 'comparator' | 'bound'>) => (a.comparator === '>=' ? 1 / a.bound : a.bound);

/** Metric names the gate judges: throughput, p50, p99, a series point (name@n), or any (*). */
const METRIC = /^(\*|throughput|p50|p99|[A-Za-z][A-Za-z0-9.]*@\d+)$/;
const NAME = /^[^\s]{1,200}$/;

function checked(a: Omit<Acceptance, 'text'>, text: string): Acceptance {
  const where = `acceptance "${text}" (${a.source})`;
  if (!NAME.test(a.scenario)) throw new UsageError(`${where}: the scenario must be a name or *`);
  if (!NAME.test(a.implementation)) throw new UsageError(`${where}: the implementation must be a spec or *`);
  if (!METRIC.test(a.metric)) throw new UsageError(`${where}: unknown metric "${a.metric}" (throughput, p50, p99, a series point such as nsPerOp@10000, or *)`);
  if (!Number.isFinite(a.bound) || a.bound <= 0) throw new UsageError(`${where}: the bound must be a positive number`);
  if (a.comparator === '>=' && a.bound > 1) throw new UsageError(`${where}: ">= ${a.bound}" accepts nothing worse (a ">=" bound is at most 1, e.g. >= 0.90)`);
  if (a.comparator === '<=' && a.bound < 1) throw new UsageError(`${where}: "<= ${a.bound}" accepts nothing worse (a "<=" bound is at least 1, e.g. <= 1.10)`);
  if (a.reason.trim() === '') throw new UsageError(`${where}: give the reason after " -- "`);
  return { ...a, reason: a.reason.trim(), text };
}

/** One trailer value: `SCENARIO IMPLEMENTATION METRIC (>=|<=) BOUND -- REASON`. */
export function parseAcceptance(text: string, source: string): Acceptance {
  const m = /^\s*(\S+)\s+(\S+)\s+(\S+)\s*(>=|<=)\s*([0-9]*\.?[0-9]+)\s+--\s+(.*)$/.exec(text);
  if (!m) throw new UsageError(`acceptance "${text}" (${source}) must read SCENARIO IMPLEMENTATION METRIC >= BOUND -- REASON (each of the first three may be *), e.g. "durable-writes primary throughput >= 0.90 -- checksum per log record"`);
  return checked({ scenario: m[1], implementation: m[2], metric: m[3], comparator: m[4] as '>=' | '<=', bound: Number(m[5]), reason: m[6], source }, text.trim());
}

/** The Tunebench-Accept trailers of `rev` in the repository at `cwd`. */
export function trailerAcceptances(cwd: string, rev = 'HEAD'): Acceptance[] {
  let commit: string;
  let values: string;
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', rev], { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }).trim();
    values = execFileSync('git', ['log', '-1', `--format=%(trailers:key=${TRAILER},valueonly,unfold)`, rev], { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch {
    throw new UsageError(`--accept-trailers reads the ${TRAILER} trailers of ${rev}, but ${cwd} is not in a git repository with a commit`);
  }
  return values
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => parseAcceptance(line, `${TRAILER} trailer of ${commit}`));
}

export const AcceptFileSchema = z.strictObject({
  accept: z
    .array(
      z.strictObject({
        scenario: z.string(),
        implementation: z.string(),
        metric: z.string(),
        atLeast: z.number().optional().describe('the worst ratio accepted, as in ">= 0.90"'),
        atMost: z.number().optional().describe('the worst ratio accepted, as in "<= 1.10"'),
        reason: z.string(),
      }),
    )
    .min(1),
});

/** An --accept file: `{ "accept": [{ scenario, implementation, metric, atLeast | atMost, reason }] }`. */
export function fileAcceptances(path: string): Acceptance[] {
  let json: unknown;
  try {
    json = JSON.parse(readInputFile(path, 1 << 20));
  } catch (error) {
    throw new UsageError(`--accept ${error instanceof SyntaxError ? `${path}: not valid JSON (${error.message})` : (error as Error).message}`);
  }
  const parsed = AcceptFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--accept ${path}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
  }
  return parsed.data.accept.map((a, i) => {
    if ((a.atLeast === undefined) === (a.atMost === undefined)) throw new UsageError(`--accept ${path}: accept.${i}: give one of atLeast or atMost`);
    const comparator = a.atLeast !== undefined ? ('>=' as const) : ('<=' as const);
    const bound = a.atLeast ?? a.atMost!;
    return checked({ scenario: a.scenario, implementation: a.implementation, metric: a.metric, comparator, bound, reason: a.reason, source: `${path}, accept.${i}` }, `${a.scenario} ${a.implementation} ${a.metric} ${comparator} ${bound} -- ${a.reason}`);
  });
}

/** A scenario no gate could measure is a typo: refused before anything runs. */
export function checkScenarios(acceptances: readonly Acceptance[], known: readonly string[]): void {
  for (const a of acceptances) {
    if (a.scenario !== '*' && !known.includes(a.scenario)) throw new UsageError(`acceptance "${a.text}" (${a.source}): unknown scenario "${a.scenario}" (known: ${known.join(', ')})`);
  }
}

const matches = (a: Acceptance, c: Pick<Comparison, 'scenario' | 'pair' | 'metric'>) => (a.scenario === '*' || a.scenario === c.scenario) && (a.implementation === '*' || a.implementation === c.pair) && (a.metric === '*' || a.metric === c.metric);

/** How much worse than the base a comparison's estimate is (1 = as good; above 1 worse). */
const worseBy = (c: Pick<Comparison, 'ratio' | 'better'>) => (c.better === 'higher' ? 1 / c.ratio : c.ratio);

/** The bound as written, and as a limit on B/A where the metric's direction turns it round. */
function boundText(a: Acceptance, better: Comparison['better']): string {
  const written = `${a.comparator} ${a.bound}`;
  const turned = (a.comparator === '>=') !== (better === 'higher');
  if (!turned) return written;
  const limit = better === 'higher' ? 1 / worstFactor(a) : worstFactor(a);
  return `${written} (B/A ${better === 'higher' ? 'down' : 'up'} to ${limit.toFixed(3)}: ${better} is better)`;
}

/** As the report holds it (gate.accepted[]). */
export type AcceptedRegression = GateEntry['accepted'][number];

export interface AcceptanceOutcome<T> {
  /** Regressions no acceptance covers, or worse than every covering bound: they still fail. */
  failing: T[];
  accepted: AcceptedRegression[];
  /** Acceptances that matched no regression (stale ones show up here). */
  unused: Acceptance[];
}

export function applyAcceptances<T extends Pick<Comparison, 'scenario' | 'pair' | 'metric' | 'ratio' | 'ci' | 'pValue' | 'better'>>(regressed: readonly T[], acceptances: readonly Acceptance[]): AcceptanceOutcome<T> {
  const used = new Set<Acceptance>();
  const failing: T[] = [];
  const accepted: AcceptedRegression[] = [];
  for (const c of regressed) {
    const covering = acceptances.filter((a) => matches(a, c));
    for (const a of covering) used.add(a);
    const within = covering.find((a) => worseBy(c) <= worstFactor(a) * (1 + 1e-12));
    if (!within) failing.push(c);
    else accepted.push({ scenario: c.scenario, pair: c.pair, metric: c.metric, ratio: c.ratio, ci: c.ci, pValue: c.pValue, accepted: boundText(within, c.better), reason: within.reason, source: within.source });
  }
  return { failing, accepted, unused: acceptances.filter((a) => !used.has(a)) };
}
