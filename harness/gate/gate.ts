/**
 * The regression gate: a first pass that finds suspects, then a confirmation on fresh rounds that
 * decides them.
 *
 * 1. First pass: a contest per scenario (compare's paired statistics). A metric is a *suspect* when
 *    its one-sided p-value for "worse" is below SCREEN_ALPHA (0.05) and its estimate lies beyond
 *    the noise band on the worse side. The screen is lenient on purpose: it only picks what to
 *    look at again, and costs nothing in false fails.
 * 2. Confirmation (`confirm` times): the scenarios holding suspects are measured again, fresh
 *    rounds with another seed, looking at CONFIRM_LOOKS (8, 16, 32, 64 rounds). Each suspect gets
 *    a share of alpha (suspectLevels: weighted by the first pass's evidence) and is confirmed when
 *    its one-sided p for "worse" falls below its share at that look's Haybittle-Peto level and its
 *    estimate lies beyond the band; cleared when its interval is inside the band or its p for
 *    "worse" reaches CLEAR_AT (0.5: its estimate is no longer on the worse side); and cleared if still undecided at the last look. The gate
 *    fails on confirmed suspects only.
 *
 * Why this keeps false fails at alpha: the confirmation's rounds are new and the shares sum to
 * alpha, so whatever the first pass picked, the chance that any suspect is falsely confirmed is
 * at most alpha. Why it has power: a real regression passes the lenient screen almost always,
 * stands out in it, and is then tested with nearly all of alpha on up to 64 fresh rounds, instead
 * of having to come out regressed twice at a strict level (the old rule squared a metric's power:
 * 59% on the first pass became 35%). The constants were chosen by simulation
 * (bench/statistics-bench.ts) against the time a gate may take.
 *
 * Two ways to get the "before" side:
 * - against a build (`--against DIR`): DIR's implementations and this build's in the same
 *   processes, in turns (every implementation a pair): paired, the recommended mode;
 * - against a saved baseline: see baseline-gate.ts (unpaired, far weaker).
 */
import { formatImplSpec, findFactory, type ImplSpec } from '../adapters/registry.js';
import { type ContestResult, type ContestSettings, type Judged, type Pair, judgeAll, lookLevels, runContest, runPairedRounds } from '../compare/contest.js';
import { withinBand } from '../compare/statistics.js';
import { JobError, type JobFailure, type RunOptions, failureOf } from '../runner/run.js';
import { type CheckResult, complexityCheck } from './checks.js';
import type { Comparison, GateEntry } from '../../reports/schema.js';
import type { UnitFilter } from '../shard/plan.js';
import type { Scenario } from '../../scenarios/schema.js';

export interface GateSettings extends ContestSettings {
  /** Confirmation stages a suspect must pass (0: the first pass's verdicts decide). */
  confirm: number;
  /** Overrides of SCREEN_ALPHA and CONFIRM_LOOKS (for the simulations that chose them). */
  screenAlpha?: number;
  confirmLooks?: number[];
  minShare?: number;
  clearAt?: number;
}

export type Confirmation = GateEntry['confirmations'][number];
export type Attempt = Confirmation['attempts'][number];

export interface GateHooks {
  execute?: RunOptions['execute'];
  onProgress?: (label: string, done: number, total: number) => void;
}

/** Scenarios the gate measures when none are named: every kind of workload, under 6 minutes with --quick. */
export const GATE_SUITE = ['ycsb-a', 'ycsb-c', 'ycsb-e', 'bulk-vs-individual', 'growth', 'durable-writes'];
export const GATE_IMPLS = ['primary', 'optimized'];
/** The gate's default false-fail level: at most 1% of pipelines fail on noise. */
export const GATE_ALPHA = 0.01;

/** One-sided level of the first pass's screen for suspects. */
export const SCREEN_ALPHA = 0.05;
/** Rounds at which a confirmation looks. */
export const CONFIRM_LOOKS = [8, 16, 32, 64];
/**
 * A suspect whose share of alpha is below this fraction is not re-measured (and so not confirmed):
 * the first pass saw far stronger evidence elsewhere, and it could hardly be confirmed at its level.
 */
export const MIN_SHARE = 0.05;
/**
 * A suspect whose one-sided p for "worse" reaches this at a look is cleared there (the fresh
 * rounds do not even lean towards worse). Simulated (bench:stats): clearing at 0.3 threw away a
 * quarter of the real 5% regressions of the noisiest metrics at the 8-round look (caught 54%
 * against 58% at 0.5); never clearing early caught no more and cost 30% more rounds in A/A gates.
 */
export const CLEAR_AT = 0.5;

/** What names one comparison across the first pass and its confirmations: scenario, pair, metric. */
export const comparisonKey = (c: Pick<Comparison, 'scenario' | 'pair' | 'metric'>) => `${c.scenario}\u0000${c.pair}\u0000${c.metric}`;
const key = comparisonKey;

/** The implementations of `impls` that can run `scenario` (durability). */
export function runnable(scenario: Scenario, impls: ImplSpec[]): ImplSpec[] {
  return impls.filter((impl) => findFactory(impl.name).durability.includes(scenario.durability));
}

/** Whether a first-pass comparison may be worse: one-sided p < SCREEN_ALPHA and the estimate beyond the band. */
export function isSuspect(c: Comparison, threshold: number, screenAlpha = SCREEN_ALPHA): boolean {
  return (c.pWorse ?? 1) < screenAlpha && estimateWorse(c.ratio, c.better, threshold);
}

/** Whether an estimated ratio lies beyond the band on the worse side. */
export function estimateWorse(ratio: number, better: Comparison['better'], threshold: number): boolean {
  return better === 'higher' ? ratio < 1 - threshold : ratio > 1 + threshold;
}

/**
 * Each suspect's share of the gate's alpha: in proportion to the first pass's evidence against it
 * (1 / its one-sided p), summing to alpha. A weighted Bonferroni test (Genovese, Roeder &
 * Wasserman, Biometrika 2006): the weights come from the first pass only, which the confirmation's
 * fresh rounds do not depend on, so the chance of any false confirmation stays at most alpha. A
 * real regression usually stands out in the first pass (p ~ 1e-4 against ~ 0.02 for noise) and
 * is then confirmed at nearly the full alpha instead of alpha / suspects.
 */
export function suspectLevels(suspects: readonly Comparison[], alpha: number): Map<string, number> {
  const weights = suspects.map((c) => 1 / Math.max(c.pWorse ?? 1, 1e-12));
  const total = weights.reduce((s, w) => s + w, 0);
  return new Map(suspects.map((c, i) => [key(c), (alpha * weights[i]) / total]));
}

/** How one confirmation decided each suspect, by key. */
export type ConfirmationRun = Map<string, Attempt>;

/**
 * One confirmation of the suspects of one scenario on fresh paired rounds: each is confirmed
 * ('regressed') or cleared ('unchanged') by the rules in the module comment, at `alphaEach`.
 */
export async function confirmPaired(scenario: Scenario, pairs: readonly Pair[], suspects: readonly Comparison[], alphaOf: ReadonlyMap<string, number>, settings: GateSettings, seed: number, hooks: GateHooks & { label?: string } = {}): Promise<ConfirmationRun> {
  const looks = settings.confirmLooks ?? CONFIRM_LOOKS;
  const levelsOf = (k: string) => lookLevels(looks, alphaOf.get(k) ?? 0);
  const wanted = new Map(suspects.map((c) => [key(c), c]));
  const decided: ConfirmationRun = new Map();
  const attemptOf = (x: Judged, rounds: number, alpha: number, verdict: Attempt['verdict']): Attempt => ({ ratio: x.j.ratio, ci: x.j.ci, pValue: x.j.pWorse, verdict, rounds, alpha });
  const used = pairs.filter((p) => suspects.some((c) => c.pair === p.name));
  await runPairedRounds(
    scenario,
    used,
    { looks, quick: settings.quick, seed },
    (rounds, look) => {
      const done = looks[look];
      const last = look === looks.length - 1;
      for (const x of judgeAll(used, rounds, settings.threshold, settings.alpha)) {
        const k = key({ scenario: scenario.name, pair: x.pair.name, metric: x.a.metric });
        if (!wanted.has(k) || decided.has(k)) continue;
        const level = levelsOf(k)[look];
        if (x.j.pWorse < level && estimateWorse(x.j.ratio, x.a.better, settings.threshold)) decided.set(k, attemptOf(x, done, level, 'regressed'));
        else if (withinBand(x.j.ci, settings.threshold) || x.j.pWorse >= (settings.clearAt ?? CLEAR_AT) || last) decided.set(k, attemptOf(x, done, level, 'unchanged'));
      }
      hooks.onProgress?.(`${hooks.label ?? 'confirming'} ${scenario.name}: ${decided.size} of ${wanted.size} decided after ${done} rounds`, decided.size, wanted.size);
      return decided.size === wanted.size;
    },
    { execute: hooks.execute },
  );
  // A suspect whose metric no longer appears (cannot happen with the same scenario): not confirmed.
  for (const [k, c] of wanted) if (!decided.has(k)) decided.set(k, { ratio: c.ratio, ci: c.ci, pValue: 1, verdict: 'unchanged', rounds: 0, alpha: alphaOf.get(k) ?? 0 });
  return decided;
}

/** The confirmation entries: every suspect with its attempts; confirmed when every attempt confirmed it. */
export function confirmationsOf(suspects: readonly Comparison[], runs: readonly ConfirmationRun[]): Confirmation[] {
  return suspects.map((c) => {
    const attempts = runs.map((run) => run.get(key(c))!).filter(Boolean);
    return { scenario: c.scenario, pair: c.pair, metric: c.metric, attempts, confirmed: attempts.length > 0 && attempts.every((a) => a.verdict === 'regressed') };
  });
}

export interface AgainstResult {
  contests: ContestResult[];
  comparisons: Comparison[];
  suspects: Comparison[];
  confirmations: Confirmation[];
  checks: CheckResult[];
  /** Jobs that failed (their scenario's contest or confirmation is left out; the gate then exits 2). */
  failures: JobFailure[];
}

/** Runs `step`; a failed job is added to `failures` instead of ending the gate. */
async function orFailure<T>(failures: JobFailure[], step: () => Promise<T>): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof JobError)) throw error;
    failures.push(failureOf(error));
    return undefined;
  }
}

/** `gate --against DIR`: one contest per scenario, every implementation a pair (DIR's as A, this build's as B). */
export async function gateAgainst(scenarios: Scenario[], impls: ImplSpec[], baseDir: string, slowdown: number, settings: GateSettings, hooks: GateHooks = {}, only: UnitFilter = () => true): Promise<AgainstResult> {
  const pairsFor = (scenario: Scenario): Pair[] =>
    runnable(scenario, impls).filter((impl) => only(scenario.name, formatImplSpec(impl))).map((impl) => {
      const spec = formatImplSpec(impl);
      return { name: spec, a: { label: `base ${spec}`, impl, build: baseDir }, b: { label: `this ${spec}`, impl, ...(slowdown ? { slowdown } : {}) } };
    });
  const contests: ContestResult[] = [];
  const failures: JobFailure[] = [];
  for (const [i, scenario] of scenarios.entries()) {
    const pairs = pairsFor(scenario);
    if (pairs.length === 0) continue;
    const contest = await orFailure(failures, () => runContest(scenario, pairs, settings, { execute: hooks.execute, onRound: (done) => hooks.onProgress?.(`${scenario.name} round ${done}`, i, scenarios.length) }));
    if (contest) contests.push(contest);
  }
  const comparisons = contests.flatMap((c) => c.comparisons);
  const suspects = settings.confirm === 0 ? [] : comparisons.filter((c) => isSuspect(c, settings.threshold, settings.screenAlpha));
  const levels = suspectLevels(suspects, settings.alpha);
  const runs: ConfirmationRun[] = [];
  for (let attempt = 1; attempt <= settings.confirm && suspects.length > 0; attempt++) {
    const run: ConfirmationRun = new Map();
    for (const contest of contests) {
      const mine = suspects.filter((c) => c.scenario === contest.scenario.name && (levels.get(key(c)) ?? 0) >= (settings.minShare ?? MIN_SHARE) * settings.alpha);
      for (const c of suspects.filter((x) => x.scenario === contest.scenario.name && !mine.includes(x))) {
        run.set(key(c), { ratio: c.ratio, ci: c.ci, pValue: 1, verdict: 'unchanged', rounds: 0, alpha: levels.get(key(c)) ?? 0 });
      }
      if (mine.length === 0) continue;
      const seed = (settings.seed + attempt * 0x9e37 + contest.scenario.name.length) >>> 0;
      const decided = await orFailure(failures, () => confirmPaired(contest.scenario, contest.pairs, mine, levels, settings, seed, { ...hooks, label: `confirming (${attempt}/${settings.confirm})` }));
      for (const [k, v] of decided ?? []) run.set(k, v);
    }
    runs.push(run);
  }
  const confirmations = confirmationsOf(suspects, runs);
  const checks: CheckResult[] = [];
  for (const contest of contests.filter((c) => c.scenario.kind === 'growth')) {
    for (const pair of contest.pairs) checks.push(complexityCheck(`${contest.scenario.name}, this build's ${pair.name}`, contest.rounds.filter((r) => r.arm === pair.b.label)));
  }
  return { contests, comparisons, suspects, confirmations, checks, failures };
}

/**
 * What fails the gate: confirmed suspects (with no confirmation stage: the first pass's regressed
 * verdicts) and failed checks.
 */
export function gateVerdict(comparisons: Comparison[], confirmations: Confirmation[], checks: CheckResult[], confirm: number): { regressed: Comparison[]; failedChecks: CheckResult[]; exitCode: 0 | 1 } {
  const confirmed = new Set(confirmations.filter((c) => c.confirmed).map(key));
  const regressed = comparisons.filter((c) => (confirm === 0 ? c.verdict === 'regressed' : confirmed.has(key(c))));
  const failedChecks = checks.filter((c) => !c.passed);
  return { regressed, failedChecks, exitCode: regressed.length > 0 || failedChecks.length > 0 ? 1 : 0 };
}
