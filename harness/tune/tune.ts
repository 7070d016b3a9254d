/**
 * A tuning run: races the candidate configurations of one implementation on one workload scenario,
 * each round one fresh process measuring every survivor in turns, and sums it up for the report.
 */
import * as ss from 'simple-statistics';
import { roundMetrics } from '../compare/contest.js';
import { runJobs, type RunOptions } from '../runner/run.js';
import type { RoundResult } from '../runner/types.js';
import { type Candidate, type KnobGrid } from './candidates.js';
import { type RaceResult, type RaceSettings, race, standingAgainst } from './race.js';
import { Rng } from '../../scenarios/random.js';
import type { Scenario } from '../../scenarios/schema.js';
import type { TuningEntry } from '../../reports/schema.js';

export interface TuneOptions {
  scenario: Scenario;
  implementation: string;
  grid: KnobGrid;
  candidates: Candidate[];
  settings: RaceSettings;
  quick: boolean;
  execute?: RunOptions['execute'];
  onRound?: (round: number, alive: number, spent: number) => void;
}

export interface TuneResult {
  race: RaceResult;
  /** Every candidate's round results, for the report's per-candidate results. */
  rounds: RoundResult[];
  tuning: TuningEntry;
}

function throughputOf(round: RoundResult): number {
  const m = roundMetrics(round).find((x) => x.metric === 'throughput');
  if (!m) throw new Error(`${round.scenario}: a round of ${round.arm} measured no throughput`);
  return m.value;
}

export async function tune(options: TuneOptions): Promise<TuneResult> {
  const { scenario, candidates, settings } = options;
  const byLabel = new Map(candidates.map((c) => [c.label, c]));
  const orders = new Rng(settings.seed ^ 0x7e5e);
  const rounds: RoundResult[] = [];
  const defaultCandidate = candidates.find((c) => c.isDefault)!;
  let spent = 0;
  const result = await race(
    candidates.map((c) => c.label),
    async (alive, round) => {
      const arms = alive.map((label) => ({ label, impl: byLabel.get(label)!.spec }));
      const results = await runJobs([{ scenario, arms, round, quick: options.quick, orderSeed: orders.u32() }], { execute: options.execute });
      rounds.push(...results);
      spent += alive.length;
      options.onRound?.(round + 1, alive.length, spent);
      return new Map(results.map((r) => [r.arm, throughputOf(r)]));
    },
    { ...settings, reference: defaultCandidate.label },
  );
  const winner = result.entrants.find((e) => e.label === result.winner)!;
  const defaultEntrant = result.entrants.find((e) => e.label === defaultCandidate.label)!;
  const gain = standingAgainst(defaultEntrant, winner, settings);
  const tuning: TuningEntry = {
    scenario: scenario.name,
    implementation: options.implementation,
    objective: 'throughput',
    mode: settings.grid ? 'grid' : 'race',
    knobs: options.grid,
    firstLook: settings.firstLook,
    maxRounds: settings.maxRounds,
    budget: settings.budget,
    rounds: result.rounds,
    spent: result.spent,
    gridRounds: candidates.length * settings.maxRounds,
    stopped: result.stopped,
    recommended: { label: winner.label, knobs: byLabel.get(winner.label)!.spec.knobs },
    defaultConfig: { label: defaultCandidate.label, knobs: defaultCandidate.spec.knobs },
    gainOverDefault: { ratio: gain.ratio, ci: gain.ci, pValue: gain.pValue, rounds: gain.rounds },
    candidates: result.entrants.map((e) => {
      const standing = standingAgainst(winner, e, settings);
      const c = byLabel.get(e.label)!;
      return {
        label: e.label,
        knobs: c.spec.knobs,
        isDefault: c.isDefault,
        scores: e.scores,
        median: ss.median(e.scores),
        droppedAfter: e.droppedAfter,
        why: e.why,
        ratioToRecommended: standing.ratio,
        ci: standing.ci,
        pValue: standing.pValue,
      };
    }),
    log: result.log,
  };
  return { race: result, rounds, tuning };
}
