/**
 * What every measuring command checks before its first job, so that bad input costs a second, not
 * a run: the output folder can be written, every job fits in memory and in the job time limit,
 * every implementation supports the scenario's durability, and the environment is sane.
 */
import { closeSync, constants, mkdirSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { findFactory, type ImplSpec } from '../adapters/registry.js';
import type { MemoryPerEntry } from '../adapters/types.js';
import { whyJobCannotFit } from '../runner/budget.js';
import { jobTimeoutMs } from '../runner/run.js';
import type { Scenario } from '../../scenarios/schema.js';

export interface PlannedArm {
  name: string;
  memory?: MemoryPerEntry;
}

/** The arm of a spec, with this build's memory figures for it (another build's are alike). */
export function plannedArm(spec: ImplSpec | string): PlannedArm {
  const name = typeof spec === 'string' ? spec.split(':')[0] : spec.name;
  try {
    return { name, memory: findFactory(name).memoryPerEntry };
  } catch {
    return { name };
  }
}

/** Refuses a scenario that an implementation cannot run (its durability). */
export function checkDurability(scenario: Scenario, implName: string): void {
  const factory = findFactory(implName);
  if (!factory.durability.includes(scenario.durability)) {
    throw new UsageError(`${implName} cannot run ${scenario.name}: it has no ${scenario.durability} durability (it has ${factory.durability.join(', ')})`);
  }
}

/**
 * Refuses a suite in which some scenario x implementation cannot run or cannot fit, each measured
 * alone in its process: what a baseline or a gate against saved rounds needs (a missing pair
 * would leave nothing to compare there, and a gate would pass on "0 metrics").
 */
export function checkEveryPair(scenarios: readonly Scenario[], impls: readonly ImplSpec[], quick: boolean): void {
  for (const scenario of scenarios) for (const impl of impls) checkDurability(scenario, impl.name);
  checkJobs(scenarios.flatMap((scenario) => impls.map((impl) => ({ scenario, arms: [plannedArm(impl)] }))), quick);
}

/**
 * Refuses jobs that cannot fit in memory or in the job time limit. `arms` are the
 * implementations measured together in one process.
 */
export function checkJobs(jobs: readonly { scenario: Scenario; arms: readonly PlannedArm[] }[], quick: boolean): void {
  const timeout = jobTimeoutMs();
  for (const { scenario, arms } of jobs) {
    const why = whyJobCannotFit(scenario, arms, quick);
    if (why) throw new UsageError(why);
    if (scenario.durationMs !== undefined) {
      // Each arm measures for durationMs; loading and warming up come on top.
      const needMs = scenario.durationMs * arms.length * 1.25;
      if (needMs > timeout) {
        throw new UsageError(
          `scenario ${scenario.name}: durationMs ${scenario.durationMs} x ${arms.length} implementation(s) in one process needs about ${Math.round(needMs / 1000)} s, more than the ${timeout / 1000} s a job may take (TUNEBENCH_JOB_TIMEOUT_MS); lower durationMs`,
        );
      }
    }
  }
}

/** Creates the missing folders of `dir` one level at a time (mkdir's recursive mode can hang on /proc). */
function ensureDirectory(dir: string, flag: string): void {
  const missing: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    let isDir: boolean | null = null;
    try {
      isDir = statSync(at).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${flag} ${dir}: cannot use it (${(error as NodeJS.ErrnoException).code})`);
    }
    if (isDir === false) throw new UsageError(`${flag} ${dir}: ${at} is a file, not a folder`);
    if (isDir) break;
    missing.push(at);
    if (dirname(at) === at) break;
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(path).isDirectory()) continue;
      throw new UsageError(`${flag} ${dir}: cannot create ${path} (${code === 'EACCES' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code})`);
    }
  }
}

/**
 * The output folder, absolute, created if missing and shown to be writable by writing and removing
 * a probe file: a folder that cannot take the report fails now, not after the measurements.
 */
export function prepareOutput(out: string, flag = '--out'): string {
  const dir = resolve(out);
  ensureDirectory(dir, flag);
  const probe = resolve(dir, `.tunebench-probe-${process.pid}`);
  try {
    const fd = openSync(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
    try {
      writeSync(fd, 'probe\n');
    } finally {
      closeSync(fd);
    }
    unlinkSync(probe);
  } catch (error) {
    try {
      unlinkSync(probe);
    } catch {
      /* it was never created */
    }
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOSPC' ? 'no space left on the device' : code;
    throw new UsageError(`${flag} ${dir}: cannot write there (${why})`);
  }
  return dir;
}
