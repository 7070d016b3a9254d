/** `tunebench gate`: fail CI on a real regression, pass on noise, and say why. */
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { newReport } from '../new-report.js';
import { UsageError } from '../errors.js';
import { parseImplSpec } from '../adapters/registry.js';
import { loadBuildRegistry } from '../builds.js';
import { contestReport } from '../compare/report.js';
import { currentEnvironment } from '../environment.js';
import { type Baseline, baselinePath, baselineShardPlan, checkBaselineUsable, loadBaseline, readBaselineFile, shardBaselineName } from '../gate/baselines.js';
import { baselineReference, gateAgainstBaseline } from '../gate/baseline-gate.js';
import { type CheckResult, memoryReclamationCheck } from '../gate/checks.js';
import { type Confirmation, GATE_ALPHA, GATE_IMPLS, GATE_SUITE, type GateSettings, gateAgainst, gateVerdict, runnable } from '../gate/gate.js';
import { lazyProgress } from '../progress.js';
import { runFromReport } from '../history/records.js';
import { checkBranch, headCommit } from '../history/provenance.js';
import { HistoryStore, historyPath } from '../history/store.js';
import { historyReference } from '../history/window.js';
import { finishRecord, prepareRecord, withRecordOptions } from './record.js';
import { type Acceptance, TRAILER, applyAcceptances, checkScenarios, fileAcceptances, trailerAcceptances } from '../gate/acceptances.js';
import { BUILTIN_SCENARIOS } from '../../scenarios/builtin.js';
import { shardPlan, withShardOption } from './shard.js';
import { type ShardPlan, parseShard, shardSetting, unitFilter, workUnits } from '../shard/plan.js';
import { contestSettingsFrom, parseSlowdown, withContestOptions } from './contest-options.js';
import { resolveImpls, resolveScenarios } from './common.js';
import { failed } from './run.js';
import { integerFlag } from './flags.js';
import { checkDurability, checkEveryPair, checkJobs, plannedArm, prepareOutput } from './preflight.js';
import { gateMarkdown } from '../../reports/markdown.js';
import { type Comparison, type GateEntry, type Report } from '../../reports/schema.js';
import { gateText } from '../../reports/terminal.js';
import { writeReport } from '../../reports/write-report.js';
import type { Scenario } from '../../scenarios/schema.js';


/**
 * The gate's entry in the report: confirmed regressions the candidate accepted within their bound
 * are listed apart and do not fail it; with failed jobs it has not decided, and exits 2.
 */
function gateEntryOf(mode: GateEntry['mode'], base: string, candidate: string, settings: GateSettings, comparisons: Comparison[], suspects: number, confirmations: Confirmation[], checks: CheckResult[], acceptances: readonly Acceptance[], failedJobs = 0): GateEntry {
  const verdict = gateVerdict(comparisons, confirmations, checks, settings.confirm);
  const outcome = applyAcceptances(verdict.regressed, acceptances);
  const exitCode = outcome.failing.length > 0 || verdict.failedChecks.length > 0 ? 1 : 0;
  return {
    mode,
    base,
    candidate,
    threshold: settings.threshold,
    confirm: settings.confirm,
    alpha: settings.alpha,
    suspects,
    exitCode: failedJobs > 0 ? 2 : exitCode,
    regressed: outcome.failing.map((c) => ({ scenario: c.scenario, pair: c.pair, metric: c.metric, ratio: c.ratio, ci: c.ci, pValue: c.pValue })),
    accepted: outcome.accepted,
    unusedAcceptances: outcome.unused.map((a) => ({ text: a.text, source: a.source })),
    confirmations,
    checks,
  };
}

/** Scenarios an acceptance may name: the built-ins and any named on the command line. */
function knownScenarioNames(named: (string | number)[] | undefined): string[] {
  return [...new Set([...BUILTIN_SCENARIOS.map((s) => s.name), ...(named ?? []).map(String)])];
}

/** The baseline's scenarios, or those named (each must be in the baseline). */
function scenariosFrom(baseline: Baseline, named: (string | number)[] | undefined): Scenario[] {
  if (!named || named.length === 0) return baseline.scenarios;
  return named.map(String).map((name) => {
    const s = baseline.scenarios.find((x) => x.name === name);
    if (!s) throw new UsageError(`baseline "${baseline.name}" has no scenario "${name}" (it has ${baseline.scenarios.map((x) => x.name).join(', ')}); save a baseline with it`);
    return s;
  });
}

export function gateCommand(yargs: Argv): Argv {
  return yargs.command(
    'gate [scenarios..]',
    'Regression gate: this build against another build (--against DIR, paired, recommended) or a saved baseline; exit 1 on a confirmed regression',
    (y) =>
      withContestOptions(
        withShardOption(withRecordOptions(y))
          .positional('scenarios', { type: 'string', array: true, describe: `built-in scenario names (default: ${GATE_SUITE.join(' ')})` })
          .option('against', { type: 'string', describe: 'folder of another built checkout of tunebench (e.g. the base branch) to measure beside this build' })
          .option('baseline', { type: 'string', describe: 'name of a saved baseline (tunebench baseline save) to compare a fresh run with' })
          .option('candidate', { type: 'string', describe: 'with --baseline: compare this saved baseline (name or file) instead of measuring now' })
          .option('history', { type: 'boolean', describe: 'judge this build against the recent runs of --history-branch on this machine in the history (unpaired; its power is stated)' })
          .option('window', { type: 'number', default: 10, describe: 'with --history: how many recent commits make the reference' })
          .option('history-branch', { type: 'string', default: 'main', describe: 'with --history: the branch whose runs make the reference' })
          .option('impl', { type: 'string', array: true, describe: `with --against or --history: implementation specs (default: ${GATE_IMPLS.join(', ')})` })
          .option('confirm', { type: 'number', default: 1, describe: 'confirmation stages: suspects are re-measured on fresh rounds this many times and fail the gate only if confirmed every time (0: the first pass decides)' })
          .option('inject-slowdown', { type: 'string', describe: "calibration aid: slow this build's side by this fraction (0.1 = 10%), to see that the gate catches it" })
          .option('accept-trailers', { type: 'boolean', default: false, describe: `accept the regressions declared in the "${TRAILER}: SCENARIO IMPL METRIC >= BOUND -- REASON" trailers of HEAD in this folder (the candidate's commit)` })
          .option('accept', { type: 'string', describe: 'a JSON file of accepted regressions: { "accept": [{ "scenario", "implementation", "metric", "atLeast" or "atMost", "reason" }] }' })
          .option('allow-other-machine', { type: 'boolean', default: false, describe: 'use a baseline saved on another machine (timings rarely carry over)' })
          .option('out', { type: 'string', default: 'tunebench-gate', describe: 'directory for report.json, gate.png and summary.md' })
          .option('json', { type: 'boolean', default: false, describe: 'print report.json to stdout' })
          .conflicts('against', 'baseline')
          .conflicts('history', ['against', 'baseline'])
          .example('$0 gate --quick --against ../base', 'CI: this checkout against the base branch built in ../base')
          .example('$0 gate --baseline main', 'against the baseline saved with tunebench baseline save')
          .example('$0 gate --quick --history --record', 'against the last 10 commits of main in the history, then record this run')
          .example('$0 gate ycsb-a --against ../base --inject-slowdown 0.1', 'does the gate catch a 10% slowdown?'),
        { maxRounds: 16, minRounds: 8, alpha: GATE_ALPHA, alphaMeaning: 'false-fail level of the whole gate: each suspect is confirmed at alpha / suspects' },
      ),
    async (argv) => {
      const startedAt = new Date().toISOString();
      if (argv.against === undefined && argv.baseline === undefined && !argv.history) throw new UsageError('name what to gate against: --against DIR (another build), --baseline NAME (tunebench baseline save) or --history (recent runs in the history)');
      if (argv.candidate !== undefined && argv.baseline === undefined) throw new UsageError('--candidate goes with --baseline');
      if (argv.candidate !== undefined && argv.injectSlowdown !== undefined) throw new UsageError('--inject-slowdown slows what is measured now; with --candidate nothing is');
      if (argv.record && argv.candidate !== undefined) throw new UsageError('--record records what is measured now; with --candidate nothing is');
      if (argv.record && argv.injectSlowdown !== undefined) throw new UsageError('--record with --inject-slowdown would record a slowed build as this commit; drop one');
      const recording = prepareRecord(argv);
      // Declared trade-offs, read and checked before anything is measured.
      const acceptances = [...(argv.acceptTrailers ? trailerAcceptances(process.cwd()) : []), ...(argv.accept === undefined ? [] : fileAcceptances(argv.accept))];
      checkScenarios(acceptances, knownScenarioNames(argv.scenarios));
      const confirm = integerFlag(argv.confirm, '--confirm');
      const given: GateSettings = { ...contestSettingsFrom(argv), confirm };
      let settings = given;
      let plan: ShardPlan | null = null;
      /** A shard judges at alpha / N: the merged gate fails when any shard fails, and so keeps alpha. */
      const shardFor = (planOf: () => ShardPlan | null) => {
        plan = planOf();
        if (plan) settings = { ...given, alpha: given.alpha / plan.spec.count };
        return plan ? { shard: { ...shardSetting(plan), alpha: given.alpha } } : {};
      };
      // The index's memory check measures no implementation: one shard (the first) runs it.
      const runsMemoryCheck = () => plan === null || plan.spec.index === 1;
      const slowdown = argv.injectSlowdown === undefined ? 0 : parseSlowdown(argv.injectSlowdown);
      const progress = lazyProgress('gate');
      const memoryEntries = argv.quick ? 200_000 : 1_000_000;
      let report: Report;
      let out: string;
      // What the terminal shows beside the verdict: warnings, and only the count of wide CIs.
      let shown: { warnings: string[]; wideCis: number };
      try {
        if (argv.against !== undefined) {
          const impls = resolveImpls(argv.impl, [], GATE_IMPLS);
          const registry = await loadBuildRegistry(argv.against);
          for (const impl of impls) {
            try {
              registry.findFactory(impl.name);
            } catch (error) {
              throw new UsageError(`${argv.against}: ${(error as Error).message}`);
            }
          }
          const scenarios = resolveScenarios({ scenarios: argv.scenarios, quick: argv.quick }, GATE_SUITE);
          const named = (argv.scenarios?.length ?? 0) > 0 && (argv.impl?.length ?? 0) > 0;
          for (const scenario of scenarios) {
            const able = runnable(scenario, impls);
            if (named || able.length === 0) for (const impl of impls) checkDurability(scenario, impl.name);
            // Every implementation of a scenario is a base/this pair, all in one process.
            checkJobs([{ scenario, arms: able.flatMap((impl) => [plannedArm(impl), plannedArm(impl)]) }], argv.quick);
          }
          const shard = shardFor(() => shardPlan(argv.shard, () => workUnits(scenarios, impls, given.maxRounds, argv.quick, 2)));
          out = prepareOutput(argv.out);
          const result = await gateAgainst(scenarios, impls, resolve(argv.against), slowdown, settings, { onProgress: progress.update }, unitFilter(plan));
          const checks = [...result.checks, ...(runsMemoryCheck() ? [memoryReclamationCheck(memoryEntries)] : [])];
          report = contestReport(result.contests, { command: 'gate', argv: process.argv.slice(2), startedAt, settings, extraSettings: { confirm, injectSlowdown: slowdown, against: resolve(argv.against), ...shard } });
          shown = { warnings: result.contests.flatMap((c) => c.warnings), wideCis: result.contests.reduce((n, c) => n + c.wideCis.length, 0) };
          report.gate = gateEntryOf('against', resolve(argv.against), `this build${slowdown ? ` (slowed ${(slowdown * 100).toFixed(0)}%)` : ''}`, settings, result.comparisons, result.suspects.length, result.confirmations, checks, acceptances, result.failures.length);
          report.failures = result.failures;
        } else if (argv.history) {
          const machine = currentEnvironment();
          const impls = resolveImpls(argv.impl, [], GATE_IMPLS);
          const scenarios = resolveScenarios({ scenarios: argv.scenarios, quick: argv.quick }, GATE_SUITE);
          checkEveryPair(scenarios, impls, argv.quick);
          const window = integerFlag(argv.window, '--window');
          const branch = checkBranch(argv.historyBranch, '--history-branch');
          const shard = shardFor(() => shardPlan(argv.shard, () => workUnits(scenarios, impls, given.maxRounds, argv.quick)));
          const path = historyPath(argv.historyFile);
          const store = HistoryStore.open(path, { create: false });
          let reference;
          try {
            reference = historyReference(store, { scenarios, impls, branch, window, machine: machine.fingerprint, quick: argv.quick, rounds: settings.maxRounds, exclude: recording?.where.commit ?? headCommit(), only: unitFilter(plan) });
          } finally {
            store.close();
          }
          out = prepareOutput(argv.out);
          const result = await gateAgainstBaseline({ reference, scenarios, impls, candidate: null, slowdown, settings, machine: machine.fingerprint, only: unitFilter(plan), memoryCheck: runsMemoryCheck() }, { onProgress: progress.update });
          report = newReport({
            command: 'gate',
            startedAt,
            environment: machine,
            settings: { ...settings, injectSlowdown: slowdown, history: path, historyBranch: branch, window, ...shard },
            scenarios,
            comparisons: result.comparisons,
            warnings: result.warnings,
          });
          shown = { warnings: report.warnings, wideCis: 0 };
          report.gate = gateEntryOf('history', path, result.candidateName, settings, result.comparisons, result.suspects.length, result.confirmations, result.checks, acceptances);
        } else {
          const machine = currentEnvironment();
          const spec = argv.shard === undefined ? null : parseShard(argv.shard);
          const baseline = loadBaseline(spec ? shardBaselineName(argv.baseline!, spec) : argv.baseline!, machine, { allowOtherMachine: argv.allowOtherMachine });
          const shard = spec
            ? shardFor(() => {
                const saved = baselineShardPlan(baseline, spec);
                process.stderr.write(`shard ${spec.index}/${spec.count}: the ${saved.units.length} of ${saved.all.length} jobs baseline "${baseline.name}" holds\n`);
                return saved;
              })
            : {};
          checkBaselineUsable(baseline, machine, argv.allowOtherMachine);
          if (argv.quick && !baseline.quick) throw new UsageError(`baseline "${baseline.name}" was saved without --quick; gate must measure the sizes it measured: drop --quick or save a quick baseline`);
          const scenarios = scenariosFrom(baseline, argv.scenarios);
          const impls = baseline.implementations.map(parseImplSpec);
          checkJobs(scenarios.flatMap((scenario) => impls.map((impl) => ({ scenario, arms: [plannedArm(impl)] }))), baseline.quick);
          const candidate = argv.candidate === undefined ? null : argv.candidate.endsWith('.json') ? readBaselineFile(argv.candidate) : readBaselineFile(baselinePath(argv.candidate, machine.fingerprint));
          if (candidate) {
            checkBaselineUsable(candidate, machine, argv.allowOtherMachine);
            for (const s of scenarios) if (!candidate.rounds.some((r) => r.scenario === s.name)) throw new UsageError(`candidate "${candidate.name}" has no rounds of scenario "${s.name}"`);
          }
          out = prepareOutput(argv.out);
          const reference = baselineReference(baseline, scenarios, impls);
          const result = await gateAgainstBaseline({ reference, scenarios, impls, candidate, slowdown, settings, machine: machine.fingerprint, only: unitFilter(plan), memoryCheck: runsMemoryCheck() }, { onProgress: progress.update });
          const effective = { ...settings, confirm: result.confirm };
          report = newReport({
            command: 'gate',
            startedAt,
            environment: machine,
            settings: { ...effective, injectSlowdown: slowdown, baseline: baseline.name, baselineSavedAt: baseline.savedAt, baselineMachine: baseline.environment.fingerprint, ...shard },
            scenarios,
            comparisons: result.comparisons,
            warnings: result.warnings,
          });
          shown = { warnings: report.warnings, wideCis: 0 };
          report.gate = gateEntryOf('baseline', baselinePath(baseline.name, baseline.environment.fingerprint), result.candidateName, effective, result.comparisons, result.suspects.length, result.confirmations, result.checks, acceptances);
        }
      } finally {
        progress.stop();
      }
      await writeReport(report, out, [], gateMarkdown(report.gate!));
      if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${gateText(report.gate!, report.comparisons, shown.warnings, shown.wideCis)}\n\nseed ${settings.seed}; report: ${out}/report.json\n`);
      if (report.failures.length > 0) failed(report);
      else if (report.gate!.exitCode !== 2) finishRecord(recording, (where) => runFromReport(report, where, `${out}/report.json`));
      process.exitCode = report.gate!.exitCode;
    },
  );
}
