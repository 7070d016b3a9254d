/**
 * Saved baselines: the raw rounds of a run, kept under .tunebench/baselines/FINGERPRINT/NAME.json
 * so that a later run on the same machine can be compared with them. A baseline from another
 * machine (another fingerprint) is never used silently.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readInputFile } from '../../scenarios/read-file.js';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../../reports/write.js';
import { EnvironmentSchema, type Environment } from '../../reports/schema.js';
import { ScenarioSchema, type Scenario } from '../../scenarios/schema.js';
import type { ShardPlan, ShardSpec } from '../shard/plan.js';

export const BASELINE_FORMAT = 'tunebench-baseline';
export const BASELINE_VERSION = 1;
/** A baseline holds raw rounds: megabytes at most, never this. */
const MAX_BASELINE_BYTES = 256 * 2 ** 20;

/** A measured figure: a ratio against it must mean something, so zero, negative and NaN are refused. */
const measured = z.number().positive().finite();

const RoundSchema = z.object({
  arm: z.string(),
  scenario: z.string(),
  implementation: z.string(),
  round: z.number().int(),
  workload: z
    .object({
      opsPerSec: measured,
      chunkOpsPerSec: z.array(measured),
      latencyNs: z.object({ p50: measured, p99: measured }),
    })
    .nullable(),
  series: z.array(z.object({ metric: z.string(), n: z.number(), unit: z.string(), better: z.enum(['higher', 'lower']), value: measured })),
});

export const BaselineSchema = z.object({
  format: z.literal(BASELINE_FORMAT),
  version: z.literal(BASELINE_VERSION),
  name: z.string(),
  savedAt: z.string(),
  environment: EnvironmentSchema,
  quick: z.boolean(),
  implementations: z.array(z.string()).min(1),
  scenarios: z.array(ScenarioSchema).min(1),
  rounds: z.array(RoundSchema),
  /** A shard's baseline (baseline save --shard) holds only its scenario x implementation pairs. */
  shard: z
    .object({
      index: z.number().int().min(1),
      count: z.number().int().min(1),
      units: z.array(z.object({ scenario: z.string(), implementation: z.string() })),
      all: z.array(z.object({ scenario: z.string(), implementation: z.string() })),
    })
    .optional(),
});

export type Baseline = z.output<typeof BaselineSchema>;
export type BaselineRound = Baseline['rounds'][number];

/** Names are file names: letters, digits, dot, dash, underscore. */
export function checkBaselineName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw new UsageError(`baseline name "${name}" must be 1-64 letters, digits, ".", "-" or "_" (starting with a letter or digit)`);
  return name;
}

export function baselinesRoot(cwd = process.cwd()): string {
  return resolve(cwd, '.tunebench', 'baselines');
}

export function baselinePath(name: string, fingerprint: string, cwd = process.cwd()): string {
  return join(baselinesRoot(cwd), fingerprint, `${checkBaselineName(name)}.json`);
}

export function saveBaseline(baseline: Baseline, cwd = process.cwd()): string {
  const path = baselinePath(baseline.name, baseline.environment.fingerprint, cwd);
  writeFileAtomic(path, `${JSON.stringify(BaselineSchema.parse(baseline), null, 1)}\n`);
  return path;
}

/** Reads and checks a baseline file; any problem is one UsageError line naming the file. */
export function readBaselineFile(path: string): Baseline {
  let text: string;
  try {
    text = readInputFile(path, MAX_BASELINE_BYTES);
  } catch (error) {
    throw new UsageError(`cannot read baseline ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`baseline ${path} is not valid JSON (${(error as Error).message}); save it again with "tunebench baseline save"`);
  }
  const parsed = BaselineSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`baseline ${path} is not a tunebench baseline: ${issue.path.join('.') || '(top)'}: ${issue.message}; save it again with "tunebench baseline save"`);
  }
  return parsed.data;
}

/**
 * Refuses a baseline that cannot judge anything: one saved on another machine than its folder says
 * (a copied file) unless allowed, or one missing the rounds of a scenario x implementation it lists
 * (it could not run there, or its save was cut short). Either would otherwise let a gate pass on
 * "0 metrics".
 */
export function checkBaselineUsable(baseline: Baseline, machine: Environment, allowOtherMachine: boolean): void {
  if (!allowOtherMachine && baseline.environment.fingerprint !== machine.fingerprint) {
    throw new UsageError(`baseline "${baseline.name}" was saved on machine ${baseline.environment.fingerprint} (its file says so), not this one (${machine.fingerprint}): timings do not carry across machines; save a baseline here, or pass --allow-other-machine`);
  }
  const pairs = baseline.shard?.units ?? baseline.scenarios.flatMap((s) => baseline.implementations.map((implementation) => ({ scenario: s.name, implementation })));
  for (const { scenario, implementation } of pairs) {
    if (roundsOf(baseline, scenario, implementation).length === 0) {
      throw new UsageError(`baseline "${baseline.name}" has no rounds of ${scenario} x ${implementation}, so nothing could be compared there; save it again with "tunebench baseline save"`);
    }
  }
}

/** The name a shard's baseline is saved under: NAME.shard-I-of-N. */
export function shardBaselineName(name: string, spec: ShardSpec): string {
  return checkBaselineName(`${checkBaselineName(name)}.shard-${spec.index}-of-${spec.count}`);
}

/** A shard's baseline fixes what that shard gates: its own pairs, whatever the cost model says now. */
export function baselineShardPlan(baseline: Baseline, spec: ShardSpec): ShardPlan {
  const saved = baseline.shard;
  if (!saved || saved.index !== spec.index || saved.count !== spec.count) throw new UsageError(`baseline "${baseline.name}" is not shard ${spec.index}/${spec.count} of a baseline; save it with "tunebench baseline save --shard ${spec.index}/${spec.count}"`);
  const unit = (u: { scenario: string; implementation: string }) => ({ ...u, cost: 0 });
  return { spec, units: saved.units.map(unit), all: saved.all.map(unit), expectedMs: 0, totalMs: 0 };
}

/**
 * The baseline called `name` for this machine. Without `allowOtherMachine`, one saved only on
 * other machines is refused with a line saying where it is.
 */
export function loadBaseline(name: string, machine: Environment, options: { allowOtherMachine?: boolean; cwd?: string } = {}): Baseline {
  const mine = baselinePath(name, machine.fingerprint, options.cwd);
  if (existsSync(mine)) return readBaselineFile(mine);
  const elsewhere = listBaselines(options.cwd).filter((b) => b.name === name);
  if (elsewhere.length === 0) throw new UsageError(`no baseline named "${name}" (save one with "tunebench baseline save --name ${name}"; see "tunebench baseline list")`);
  if (!options.allowOtherMachine) {
    throw new UsageError(`baseline "${name}" was saved on another machine (${elsewhere.map((b) => b.fingerprint).join(', ')}; this one is ${machine.fingerprint}): timings do not carry across machines; save a baseline here, or pass --allow-other-machine`);
  }
  return readBaselineFile(elsewhere[0].path);
}

export interface BaselineListing {
  fingerprint: string;
  name: string;
  path: string;
  modified: string;
}

export function listBaselines(cwd = process.cwd()): BaselineListing[] {
  const root = baselinesRoot(cwd);
  if (!existsSync(root)) return [];
  // An entry that cannot be looked at (a dangling symlink, no permission) is not a baseline.
  const statOf = (path: string) => {
    try {
      return statSync(path);
    } catch {
      return null;
    }
  };
  const out: BaselineListing[] = [];
  for (const fingerprint of readdirSync(root).sort()) {
    const dir = join(root, fingerprint);
    if (!statOf(dir)?.isDirectory()) continue;
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.json') || file.startsWith('.')) continue;
      const path = join(dir, file);
      const stat = statOf(path);
      if (!stat?.isFile()) continue;
      out.push({ fingerprint, name: file.slice(0, -'.json'.length), path, modified: stat.mtime.toISOString() });
    }
  }
  return out;
}

/** The rounds of `scenario` x `implementation` in a baseline. */
export function roundsOf(baseline: Baseline, scenario: string, implementation: string): BaselineRound[] {
  return baseline.rounds.filter((r) => r.scenario === scenario && r.implementation === implementation);
}

export type { Scenario };
