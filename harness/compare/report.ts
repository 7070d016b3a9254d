/** Turns contests (paired rounds of A and B) into a report: each arm's results plus the comparisons. */
import { aggregate } from '../aggregate.js';
import { newReport } from '../new-report.js';
import { type ContestResult, type ContestSettings, armLabelOf } from './contest.js';
import type { Report } from '../../reports/schema.js';

export interface ContestReportOptions {
  command: string;
  argv: string[];
  startedAt: string;
  settings: ContestSettings;
  extraSettings?: Record<string, unknown>;
  warnings?: string[];
}

export function contestReport(contests: ContestResult[], options: ContestReportOptions): Report {
  const results = contests.flatMap((contest) =>
    contest.pairs.flatMap((pair) =>
      [pair.a, pair.b].map((arm) => {
        const mine = contest.rounds.filter((r) => r.arm === arm.label);
        return aggregate(contest.scenario, armLabelOf(arm), mine);
      }),
    ),
  );
  return newReport({
    command: options.command,
    startedAt: options.startedAt,
    settings: {
      ...options.settings,
      ...options.extraSettings,
      stops: Object.fromEntries(contests.map((c) => [c.scenario.name, { rounds: c.roundsRun, why: c.stopped }])),
    },
    scenarios: contests.map((c) => c.scenario),
    results,
    comparisons: contests.flatMap((c) => c.comparisons),
    warnings: [...(options.warnings ?? []), ...contests.flatMap((c) => [...c.warnings, ...c.wideCis])],
  });
}
