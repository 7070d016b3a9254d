/**
 * Racing (F-race style) over configurations: every surviving candidate is measured in every round,
 * all of them in one process and in turns, so a round's scores are paired across candidates.
 *
 * From `firstLook` rounds on, after every round, each survivor is tested against the current best
 * (highest median score) with the paired sign-flip test of `compare`, one-sided: "is it worse?".
 * A candidate is dropped when p < alpha and the bootstrap CI of its paired ratio to the best lies
 * wholly below 1. The race stops when one candidate remains, when every survivor's CI against the
 * best lies inside the noise band (they are tied: more rounds would not separate them), when the
 * next round would overspend the budget, or at `maxRounds`. `grid` switches elimination off: every
 * candidate gets `maxRounds` rounds, which is what the race is validated against.
 *
 * Scores are "higher is better" (throughput). Kept free of processes and I/O so that tests can
 * race synthetic candidates with known means.
 */
import * as ss from 'simple-statistics';
import { judge, pairedRatioCi, signFlipPValue, withinBand } from '../compare/statistics.js';

export interface RaceSettings {
  /** Rounds before the first elimination test (the sign-flip test needs 5 to reach p < 0.05). */
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

/** The survivor with the highest median score. */
function bestOf(alive: Entrant[]): Entrant {
  return alive.reduce((best, e) => (ss.median(e.scores) > ss.median(best.scores) ? e : best));
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

    const best = bestOf(now);
    log.push({ round: rounds, label: best.label, event: 'best', detail: `highest median score ${fmt(ss.median(best.scores))}` });
    let tied = true;
    for (const e of now) {
      if (e === best) continue;
      const logRatios = e.scores.map((s, i) => Math.log(s / best.scores[i]));
      const p = signFlipPValue(logRatios, settings.seed, 'less');
      const ci = pairedRatioCi(best.scores, e.scores, { seed: settings.seed });
      const ratio = ss.median(e.scores.map((s, i) => s / best.scores[i]));
      if (p < settings.alpha && ci[1] < 1) {
        e.droppedAfter = rounds;
        e.why = `worse than ${best.label} after ${rounds} rounds: score ratio ${fmt(ratio)} [${fmt(ci[0])}, ${fmt(ci[1])}], one-sided p = ${p.toPrecision(2)} < ${settings.alpha}`;
        log.push({ round: rounds, label: e.label, event: 'dropped', detail: e.why });
      } else if (!withinBand(ci, settings.threshold)) {
        tied = false;
      }
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
  return { entrants, winner: bestOf(alive()).label, rounds, spent, stopped, log };
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
  const j = judge(reference.scores.slice(0, n), entrant.scores.slice(0, n), { better: 'higher', threshold: settings.threshold, alpha: settings.alpha, seed: settings.seed });
  return { label: entrant.label, ratio: j.ratio, ci: j.ci, pValue: j.pValue, rounds: n };
}
