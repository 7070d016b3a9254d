/**
 * `tunebench merge DIR...`: the reports of a sharded run or gate as one report. Shards must fit
 * together exactly: the same command, tool version, tunebench commit, settings and shard plan,
 * every shard 1..N once. A merged gate fails when any shard's gate failed (each shard judged at
 * alpha / N, so the merged gate keeps alpha) and has not decided when any shard could not.
 * Pure: reading and writing are the command's.
 */
import { UsageError } from '../errors.js';
import { aaLogRatios, summarize } from '../compare/calibrate.js';
import type { ContestSettings } from '../compare/contest.js';
import { claimGroupOf } from '../claims/claims.js';
import type { GateEntry, Report } from '../../reports/schema.js';

export interface ShardReport {
  /** Where it was read from, for messages. */
  source: string;
  report: Report;
}

interface ShardSetting {
  index: number;
  count: number;
  units: { scenario: string; implementation: string }[];
  all: { scenario: string; implementation: string }[];
  alpha?: number;
}

const MERGEABLE = ['run', 'gate', 'calibrate', 'claims'];

const key = (u: { scenario: string; implementation: string }) => `${u.scenario}\u0000${u.implementation}`;

function shardOf(s: ShardReport): ShardSetting {
  const shard = s.report.settings.shard as ShardSetting | undefined;
  if (!shard || typeof shard.index !== 'number' || typeof shard.count !== 'number' || !Array.isArray(shard.all)) throw new UsageError(`${s.source} is not a shard's report (it was not run with --shard I/N)`);
  return shard;
}

/**
 * Settings that legitimately differ between shards: their part, their seed, where each stopped,
 * and where each runner keeps the base build or the history (paths differ between machines).
 */
const PER_SHARD = new Set(['shard', 'seed', 'stops', 'alpha', 'against', 'history']);

function sameSettings(a: ShardReport, b: ShardReport): void {
  const keys = new Set([...Object.keys(a.report.settings), ...Object.keys(b.report.settings)]);
  for (const k of keys) {
    if (PER_SHARD.has(k)) continue;
    const x = JSON.stringify(a.report.settings[k]);
    const y = JSON.stringify(b.report.settings[k]);
    if (x !== y) throw new UsageError(`${a.source} and ${b.source} were run with different settings (${k}: ${x ?? 'unset'} against ${y ?? 'unset'}); shards of one run share every setting`);
  }
}

/** Checks that the shards are all of one run, each once; returns them in shard order. */
export function checkShards(shards: readonly ShardReport[]): ShardReport[] {
  if (shards.length === 0) throw new UsageError('merge needs the report folders of the shards');
  const first = shards[0];
  const count = shardOf(first).count;
  const byIndex = new Map<number, ShardReport>();
  for (const s of shards) {
    const shard = shardOf(s);
    if (s.report.command !== first.report.command) throw new UsageError(`${s.source} is a ${s.report.command} report and ${first.source} a ${first.report.command} report: merge shards of one command`);
    if (!MERGEABLE.includes(s.report.command)) throw new UsageError(`${s.source} is a ${s.report.command} report: merge takes the shards of ${MERGEABLE.join(', ')}`);
    if (s.report.tool.version !== first.report.tool.version) throw new UsageError(`${s.source} was written by tunebench ${s.report.tool.version} and ${first.source} by ${first.report.tool.version}: merge shards of one build`);
    if (s.report.environment.gitCommit !== first.report.environment.gitCommit) throw new UsageError(`${s.source} measured commit ${s.report.environment.gitCommit ?? '(none)'} and ${first.source} commit ${first.report.environment.gitCommit ?? '(none)'}: merge shards of one commit`);
    if (shard.count !== count) throw new UsageError(`${s.source} is shard ${shard.index}/${shard.count} and ${first.source} one of ${count}: merge shards of one split`);
    if (JSON.stringify(shard.all) !== JSON.stringify(shardOf(first).all)) throw new UsageError(`${s.source} and ${first.source} split different suites (scenarios or implementations differ)`);
    sameSettings(first, s);
    const twice = byIndex.get(shard.index);
    if (twice) throw new UsageError(`shard ${shard.index}/${count} is given twice (${twice.source} and ${s.source})`);
    byIndex.set(shard.index, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) throw new UsageError(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing (got ${[...byIndex.keys()].sort((a, b) => a - b).map((i) => `${i}/${count}`).join(', ')})`);
  const ordered = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
  // Every job of the plan is in exactly one shard (the plans agree, so this holds unless a file was edited).
  const seen = new Map<string, number>();
  for (const s of ordered) for (const u of shardOf(s).units) seen.set(key(u), (seen.get(key(u)) ?? 0) + 1);
  const bad = shardOf(first).all.filter((u) => seen.get(key(u)) !== 1);
  if (bad.length > 0) throw new UsageError(`the shards do not cover ${bad[0].scenario} x ${bad[0].implementation} exactly once (${seen.get(key(bad[0])) ?? 0} times)`);
  return ordered;
}

/** The merged gate: failed if any shard failed, undecided if any could not decide, else passed. */
function mergeGates(shards: readonly ShardReport[], alpha: number | undefined): GateEntry | undefined {
  const gates = shards.map((s) => s.report.gate);
  if (gates.every((g) => g === undefined)) return undefined;
  if (gates.some((g) => g === undefined)) throw new UsageError('some shard reports hold a gate and others do not');
  const all = gates as GateEntry[];
  const codes = all.map((g) => g.exitCode);
  const exitCode = codes.includes(1) ? 1 : codes.includes(2) ? 2 : 0;
  return {
    ...all[0],
    ...(alpha === undefined ? {} : { alpha }),
    suspects: all.reduce((n, g) => n + (g.suspects ?? 0), 0),
    exitCode,
    regressed: all.flatMap((g) => g.regressed),
    accepted: all.flatMap((g) => g.accepted),
    // An acceptance is unused only if no shard used it.
    unusedAcceptances: all[0].unusedAcceptances.filter((u) => all.every((g) => g.unusedAcceptances.some((v) => v.text === u.text && v.source === u.source))),
    confirmations: all.flatMap((g) => g.confirmations),
    checks: all.flatMap((g) => g.checks),
  };
}

/**
 * The shards' calibration trials as one calibration: the trials and A/A rounds together, and the
 * rates, noise and suggestion computed again from all of them (each contest kept the seed it has
 * in an unsplit calibration, so this is the calibration an unsplit run with these seeds gives).
 */
function mergeCalibrations(reports: readonly Report[]): Report['calibration'] {
  const parts = reports.map((r) => r.calibration).filter((c): c is NonNullable<Report['calibration']> => c !== undefined);
  if (parts.length === 0) return undefined;
  const trials = parts.flatMap((c) => c.trials).sort((a, b) => a.trial - b.trial || a.effect - b.effect || (a.scenario < b.scenario ? -1 : a.scenario > b.scenario ? 1 : 0));
  const aaSamples = parts.flatMap((c) => c.aaSamples ?? []);
  const settings = reports[0].settings as unknown as ContestSettings;
  return { trials, ...summarize(trials, settings, aaLogRatios(aaSamples)), aaSamples };
}

/** Claims in the order an unsplit run lists them: by measurement group, in the order of the split's jobs. */
function mergeClaims(reports: readonly Report[], groups: readonly string[]): Report['claims'] {
  if (reports.every((r) => r.claims === undefined)) return undefined;
  const rank = (id: string) => groups.indexOf(claimGroupOf(id));
  return reports.flatMap((r) => r.claims ?? []).sort((a, b) => rank(a.id) - rank(b.id));
}

/** The first item of each id, in order. */
function unique<T>(items: readonly T[], id: (t: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const item of items) {
    const k = id(item);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
}

export function mergeShards(input: readonly ShardReport[]): Report {
  const shards = checkShards(input);
  const first = shards[0].report;
  const plan = shardOf(shards[0]);
  const order = new Map(plan.all.map((u, i) => [key(u), i]));
  const rank = (scenario: string, implementation: string) => order.get(key({ scenario, implementation })) ?? Number.MAX_SAFE_INTEGER;
  const reports = shards.map((s) => s.report);
  const fingerprints = [...new Set(reports.map((r) => r.environment.fingerprint))];
  const { shard: _shard, ...settings } = first.settings;
  const alpha = plan.alpha;
  const scenarioOrder = [...new Set(plan.all.map((u) => u.scenario))];
  return {
    ...first,
    startedAt: reports.map((r) => r.startedAt).sort()[0],
    finishedAt: reports.map((r) => r.finishedAt).sort().at(-1)!,
    settings: { ...settings, ...(alpha === undefined ? {} : { alpha }), seed: reports.map((r) => r.settings.seed ?? null), merged: { shards: plan.count, from: shards.map((s) => s.source) } },
    scenarios: unique(
      reports.flatMap((r) => r.scenarios),
      (s) => s.name,
    ).sort((a, b) => scenarioOrder.indexOf(a.name) - scenarioOrder.indexOf(b.name)),
    results: reports.flatMap((r) => r.results).sort((a, b) => rank(a.scenario, a.implementation) - rank(b.scenario, b.implementation)),
    skipped: unique(
      reports.flatMap((r) => r.skipped),
      (s) => key(s),
    ),
    failures: reports.flatMap((r) => r.failures),
    comparisons: reports.flatMap((r) => r.comparisons).sort((a, b) => rank(a.scenario, a.pair) - rank(b.scenario, b.pair)),
    gate: mergeGates(shards, alpha),
    calibration: mergeCalibrations(reports),
    claims: mergeClaims(reports, plan.all.map((u) => u.implementation)),
    warnings: [
      ...unique(
        reports.flatMap((r) => r.warnings),
        (w) => w,
      ),
      ...(fingerprints.length > 1 ? [`the ${plan.count} shards ran on ${fingerprints.length} kinds of machine (${fingerprints.join(', ')}); each shard paired or judged its own rounds, so its verdict stands, but figures across shards do not compare`] : []),
    ],
  };
}
