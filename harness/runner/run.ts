/**
 * Runs jobs one at a time, each in a fresh child process (measurements must not overlap on a
 * two-core machine), and collects their results.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { formatImplSpec } from '../adapters/registry.js';
import { moduleSettings } from '../adapters/modules.js';
import type { ChildMessage, Job, RoundResult } from './types.js';

/** The child entry next to this module (child.js when built, child.ts when run from source). */
function childScript(): string {
  const here = fileURLToPath(import.meta.url);
  return here.replace(/run\.(js|ts)$/, (_, ext: string) => `child.${ext}`);
}

/** Per-job limit: a job that hangs fails the run instead of stalling it. */
export const DEFAULT_JOB_TIMEOUT_MS = 20 * 60 * 1000;
const MAX_JOB_TIMEOUT_MS = 24 * 3600 * 1000;

/** The job time limit: TUNEBENCH_JOB_TIMEOUT_MS (1 s to 24 h) or 20 minutes. */
export function jobTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TUNEBENCH_JOB_TIMEOUT_MS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_JOB_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1000 || n > MAX_JOB_TIMEOUT_MS) {
    throw new UsageError(`TUNEBENCH_JOB_TIMEOUT_MS must be a whole number of milliseconds from 1000 to ${MAX_JOB_TIMEOUT_MS}, got "${raw}"`);
  }
  return n;
}

export class JobError extends Error {
  constructor(
    readonly job: Job,
    message: string,
  ) {
    super(message);
    this.name = 'JobError';
  }
}

/** A failed job as a report lists it. */
export interface JobFailure {
  scenario: string;
  implementations: string[];
  round: number;
  message: string;
}

export function failureOf(error: JobError): JobFailure {
  return { scenario: error.job.scenario.name, implementations: error.job.arms.map((a) => formatImplSpec(a.impl)), round: error.job.round, message: error.message };
}

export function describeJob(job: Job): string {
  // Several arms: each by its label and, when the label does not hold it, its spec.
  const armName = (arm: Job['arms'][number]) => (arm.label.includes(formatImplSpec(arm.impl)) ? arm.label : `${arm.label} ${formatImplSpec(arm.impl)}`);
  const arms = job.arms.length === 1 ? formatImplSpec(job.arms[0].impl) : job.arms.map(armName).join(' vs ');
  return `${job.scenario.name} x ${arms} (round ${job.round + 1})`;
}

/** Runs one job in a fresh child process; one result per arm. */
export function runInChild(job: Job): Promise<RoundResult[]> {
  return new Promise((resolve, reject) => {
    const child = fork(childScript(), [], {
      execArgv: [...process.execArgv.filter((a) => a !== '--expose-gc'), '--expose-gc'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let stderr = '';
    let settled = false;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const finish = (error: Error | null, results?: RoundResult[]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(results!);
    };
    const timeout = jobTimeoutMs();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new JobError(job, `${describeJob(job)} took longer than ${timeout / 1000} s and was stopped`));
    }, timeout);
    child.on('message', (message: ChildMessage) => {
      if (message.ok) finish(null, message.results);
      else finish(new JobError(job, `${describeJob(job)} failed: ${message.error}`));
    });
    child.on('error', (error) => finish(new JobError(job, `${describeJob(job)}: could not start a child process (${error.message})`)));
    child.on('exit', (code, signal) => {
      const last = stderr.trim().split('\n').slice(-3).join(' | ');
      finish(new JobError(job, `${describeJob(job)}: child process ended (${signal ?? `exit ${code}`}) without a result${last ? `: ${last}` : ''}`));
    });
    // The child loads the same implementation modules; the parent already checked them.
    child.send({ ...job, modules: { ...moduleSettings(), probe: false } } satisfies Job);
  });
}

export interface RunOptions {
  onJobDone?: (done: number, total: number, job: Job) => void;
  /** Runs a job; the default is a fresh child process (tests may run in-process). */
  execute?: (job: Job) => Promise<RoundResult[]>;
  /** Given: a job that fails is handed to it and the other jobs go on; absent: the first failure ends the run. */
  onJobFailed?: (error: JobError) => void;
}

/** Runs `jobs` in order, one at a time; their results, flattened. */
export async function runJobs(jobs: Job[], options: RunOptions = {}): Promise<RoundResult[]> {
  const execute = options.execute ?? runInChild;
  const results: RoundResult[] = [];
  for (const [done, job] of jobs.entries()) {
    try {
      results.push(...(await execute(job)));
    } catch (error) {
      if (!(error instanceof JobError) || !options.onJobFailed) throw error;
      options.onJobFailed(error);
    }
    options.onJobDone?.(done + 1, jobs.length, job);
  }
  return results;
}
