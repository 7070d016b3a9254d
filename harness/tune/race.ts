/**
 * F-race over configurations (Birattari et al., GECCO 2002): every surviving candidate is measured
 * in every round, all of them in one process and in turns, so a round's scores are paired across
 * candidates (a block).
 *
 * From `firstLook` rounds on, after every round, the survivors are ranked within each round and
 * the Friedman test asks whether any differ. Only if it rejects at alpha is each compared with the
 * best (the lowest rank sum), Conover's post-hoc test dropping those whose rank sum is worse by
 * more than the critical difference (stats/friedman.ts). With two survivors left, the signed-rank
 * test on their log score ratios decides instead. The omnibus test first keeps false drops among
 * equal candidates at most alpha per look: testing each against whichever looked best dropped
 * 7.8% of them at alpha 5%.
 *
 * The race stops when one candidate remains, when every survivor's Hodges-Lehmann interval against
 * the best lies inside the noise band (they are tied: more rounds would not separate them), when
 * the next round would overspend the budget, or at `maxRounds`. `grid` switches elimination off:
 * every candidate gets `maxRounds` rounds, which is what the race is validated against.
 *
 * Scores are "higher is better" (throughput). Kept free of processes and I/O so that tests and the
 * simulation (harness/simulate/) race synthetic candidates with known means.
 */
import * as ss from 'simple-statistics';
import { judge, pairedRatio, withinBand } from '../compare/statistics.js';
import { friedman } from '../stats/friedman.js';
import { signedRankTest } from '../stats/signed-rank.js';

/**
 * The default budget as a share of the grid (candidates x most rounds); see commands/tune.ts.
 * Chosen by simulation (bench:stats, 15 candidates, this machine's noise): a candidate 5% better
 * won 78% of races at 60%, 84% at 70% and 86% at 80%.
 */
export const DEFAULT_BUDGET_SHARE = 0.7;

/** The race's defaults: tune's flags, calibrate --simulate and bench:stats all race with these. */
export const RACE_DEFAULTS = { firstLook: 5, maxRounds: 16, alpha: 0.05 } as const;

/** The default budget: DEFAULT_BUDGET_SHARE of the grid, never less than every candidate's first look. */
export function defaultBudget(candidates: number, maxRounds: number, firstLook: number): number {
  return Math.max(Math.floor(candidates * maxRounds * DEFAULT_BUDGET_SHARE), candidates * firstLook);
}

export interface RaceSettings {
  /** Rounds before the first elimination test (the signed-rank test needs 6 to reach two-sided p < 0.05). */
  firstLook: number;
  maxRounds: number;
  /** Most candidate-rounds to spend (one candidate measured in one round is one). */
  budget: number;
  alpha: number;
  threshold: number;
  seed: number;
  grid: boolean;
  /**
   * A candidate measured in every round even after it is dropped (the default configuration), so
   * that the gain over it is judged on every round. It costs one candidate-round per round.
   */
  reference?: string;
}

/** Measures `alive` in one round; returns each one's score by label. */
export type MeasureRound = (alive: readonly string[], round: number) => Promise<Map<string, number>>;

export interface Entrant {
  label: string;
  /** Scores of the rounds it took part in, from round 0 on. */
  scores: number[];
  /** Rounds done when it was dropped (null: it survived). */
  droppedAfter: number | null;
  why: string | null;
}

export interface RaceEvent {
  /** Rounds done when it happened. */
  round: number;
  label: string;
  event: 'measured' | 'dropped' | 'best';
  detail: string;
}

export interface RaceResult {
  entrants: Entrant[];
  winner: string;
  /** Rounds run (processes). */
  rounds: number;
  /** Candidate-rounds spent. */
  spent: number;
  stopped: string;
  log: RaceEvent[];
}

const fmt = (x: number) => x.toFixed(3);

/**
 * The recommended survivor: the lowest Friedman rank sum over the rounds all of them share (the
 * statistic the race drops by), the higher median score when only one or two are left.
 */
function winnerOf(alive: Entrant[]): Entrant {
  if (alive.length < 3) return alive.reduce((best, e) => (ss.median(e.scores) > ss.median(best.scores) ? e : best));
  const rounds = Math.min(...alive.map((e) => e.scores.length));
  if (rounds < 2) return alive.reduce((best, e) => (ss.median(e.scores) > ss.median(best.scores) ? e : best));
  const sums = friedman(Array.from({ length: rounds }, (_, r) => alive.map((e) => e.scores[r])), 0.05).rankSums;
  return alive[sums.indexOf(Math.min(...sums))];
}

/** One look: drops the survivors shown worse than the best; returns the best and what it logged. */
function eliminate(alive: Entrant[], rounds: number, settings: RaceSettings): { best: Entrant; log: RaceEvent[] } {
  const log: RaceEvent[] = [];
  const drop = (e: Entrant, why: string) => {
    e.droppedAfter = rounds;
    e.why = why;
    log.push({ round: rounds, label: e.label, event: 'dropped', detail: why });
  };
  if (alive.length === 2) {
    const [x, y] = alive;
    const d = y.scores.map((s, i) => Math.log(s / x.scores[i]));
    const { pValue } = signedRankTest(d);
    const { ratio, ci } = pairedRatio(x.scores, y.scores);
    const best = ratio >= 1 ? y : x;
    log.push({ round: rounds, label: best.label, event: 'best', detail: `higher Hodges-Lehmann score of the last two, ratio ${fmt(ratio >= 1 ? ratio : 1 / ratio)}` });
    if (pValue < settings.alpha) {
      const loser = best === x ? y : x;
      const shown: [number, number] = best === y ? [1 / ci[1], 1 / ci[0]] : ci;
      drop(loser, `worse than ${best.label} after ${rounds} rounds: score ratio ${fmt(best === y ? 1 / ratio : ratio)} [${fmt(shown[0])}, ${fmt(shown[1])}], signed-rank p = ${pValue.toPrecision(2)} < ${settings.alpha}`);
    }
    return { best, log };
  }
  const blocks = Array.from({ length: rounds }, (_, r) => alive.map((e) => e.scores[r]));
  const f = friedman(blocks, settings.alpha);
  const bestIndex = f.rankSums.indexOf(Math.min(...f.rankSums));
  const best = alive[bestIndex];
  log.push({ round: rounds, label: best.label, event: 'best', detail: `lowest rank sum ${f.rankSums[bestIndex]} of ${alive.length} (Friedman p = ${f.pValue.toPrecision(2)})` });
  if (f.pValue >= settings.alpha) return { best, log };
  alive.forEach((e, j) => {
    const gap = f.rankSums[j] - f.rankSums[bestIndex];
    if (e !== best && gap > f.criticalDifference) {
      drop(e, `worse than ${best.label} after ${rounds} rounds: rank sum ${f.rankSums[j]} against ${f.rankSums[bestIndex]}, more than the critical difference ${f.criticalDifference.toFixed(1)} (Friedman p = ${f.pValue.toPrecision(2)} < ${settings.alpha})`);
    }
  });
  return { best, log };
}

export async function race(labels: readonly string[], measure: MeasureRound, settings: RaceSettings): Promise<RaceResult> {
  if (labels.length === 0) throw new Error('race: no candidates');
  if (new Set(labels).size !== labels.length) throw new Error('race: candidate labels must differ');
  const entrants: Entrant[] = labels.map((label) => ({ label, scores: [], droppedAfter: null, why: null }));
  const log: RaceEvent[] = [];
  let spent = 0;
  let rounds = 0;
  let stopped = `every survivor has the most rounds (${settings.maxRounds})`;
  const alive = () => entrants.filter((e) => e.droppedAfter === null);
  const measured = () => entrants.filter((e) => e.droppedAfter === null || e.label === settings.reference);
  while (rounds < settings.maxRounds) {
    const now = alive();
    const takingPart = measured();
    if (!settings.grid && spent + takingPart.length > settings.budget) {
      stopped = `budget spent: ${spent} of ${settings.budget} candidate-rounds used, another round of ${takingPart.length} would overspend it`;
      break;
    }
    const scores = await measure(
      takingPart.map((e) => e.label),
      rounds,
    );
    for (const e of takingPart) {
      const score = scores.get(e.label);
      if (score === undefined || !(score > 0)) throw new Error(`race: round ${rounds} gave no positive score for ${e.label}`);
      e.scores.push(score);
      log.push({ round: rounds + 1, label: e.label, event: 'measured', detail: String(score) });
    }
    spent += takingPart.length;
    rounds++;
    if (settings.grid || rounds < settings.firstLook) continue;

    const verdicts = eliminate(now, rounds, settings);
    log.push(...verdicts.log);
    let tied = true;
    for (const e of now) {
      if (e === verdicts.best || e.droppedAfter !== null) continue;
      if (!withinBand(pairedRatio(verdicts.best.scores, e.scores).ci, settings.threshold)) tied = false;
    }
    const left = alive();
    if (left.length === 1) {
      stopped = `one candidate remains after ${rounds} rounds`;
      break;
    }
    if (tied) {
      stopped = `after ${rounds} rounds the ${left.length} survivors are tied: each one's CI against the best lies inside the ±${(settings.threshold * 100).toFixed(1)}% noise band`;
      break;
    }
  }
  return { entrants, winner: winnerOf(alive()).label, rounds, spent, stopped, log };
}

export interface Standing {
  label: string;
  /** Median over shared rounds of its score / the reference's. */
  ratio: number;
  ci: [number, number];
  pValue: number;
  rounds: number;
}

/** How `entrant` compares with `reference` over the rounds both took part in (1 for itself). */
export function standingAgainst(reference: Entrant, entrant: Entrant, settings: Pick<RaceSettings, 'alpha' | 'threshold' | 'seed'>): Standing {
  const n = Math.min(reference.scores.length, entrant.scores.length);
  if (entrant === reference) return { label: entrant.label, ratio: 1, ci: [1, 1], pValue: 1, rounds: n };
  const j = judge(reference.scores.slice(0, n), entrant.scores.slice(0, n), { better: 'higher', threshold: settings.threshold, alpha: settings.alpha });
  return { label: entrant.label, ratio: j.ratio, ci: j.ci, pValue: j.pValue, rounds: n };
}
