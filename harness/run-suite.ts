/** Runs scenarios x implementations x rounds and assembles the report. */
import { aggregate } from './aggregate.js';
import { newReport } from './new-report.js';
import { formatImplSpec, type ImplSpec } from './adapters/registry.js';
import { progressBar } from './progress.js';
import { planJobs } from './runner/plan.js';
import { describeJob, failureOf, runJobs, type RunOptions } from './runner/run.js';
import type { RoundResult } from './runner/types.js';
import type { UnitFilter } from './shard/plan.js';
import type { Report } from '../reports/schema.js';
import type { Scenario } from '../scenarios/schema.js';

export interface SuiteOptions {
  command: string;
  argv: string[];
  scenarios: Scenario[];
  impls: ImplSpec[];
  rounds: number;
  settings?: Record<string, unknown>;
  quick?: boolean;
  execute?: RunOptions['execute'];
  progressTitle?: string;
  /** Only these scenario x implementation pairs (a shard's). */
  only?: UnitFilter;
}

export async function runSuite(options: SuiteOptions): Promise<Report> {
  const startedAt = new Date().toISOString();
  const { jobs, skipped } = planJobs(options.scenarios, options.impls, options.rounds, { quick: options.quick, only: options.only });
  const progress = progressBar(jobs.length, options.progressTitle ?? options.command);
  let rounds: RoundResult[];
  const failures: Report['failures'] = [];
  try {
    rounds = await runJobs(jobs, { execute: options.execute, onJobDone: (done, _total, job) => progress.update(done, describeJob(job)), onJobFailed: (error) => failures.push(failureOf(error)) });
  } finally {
    progress.stop();
  }
  const results = [];
  for (const scenario of options.scenarios) {
    for (const impl of options.impls) {
      const name = formatImplSpec(impl);
      const mine = rounds.filter((r) => r.scenario === scenario.name && r.implementation === name);
      if (mine.length > 0) results.push(aggregate(scenario, name, mine));
    }
  }
  return newReport({ command: options.command, startedAt, settings: { rounds: options.rounds, ...options.settings }, scenarios: options.scenarios, results, skipped, failures });
}

