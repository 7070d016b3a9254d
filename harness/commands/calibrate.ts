/** `tunebench calibrate [SCENARIO...]`: how noisy is this machine, and what can a comparison see? */
import type { Argv } from 'yargs';
import { newReport } from '../new-report.js';
import { UsageError } from '../errors.js';
import { parseImplSpec } from '../adapters/registry.js';
import { type Calibration, calibrate } from '../compare/calibrate.js';
import type { ContestSettings } from '../compare/contest.js';
import { progressBar } from '../progress.js';
import { contestSettingsFrom, parseSlowdown, withContestOptions } from './contest-options.js';
import { resolveScenarios } from './common.js';
import { MAX_EFFECTS, integerFlag } from './flags.js';
import { checkDurability, checkJobs, plannedArm, prepareOutput } from './preflight.js';
import { writeReport } from '../../reports/write-report.js';

const pct = (x: number | null, digits = 1) => (x === null ? '-' : `${(x * 100).toFixed(digits)}%`);

export function calibrationText(c: Calibration, settings: ContestSettings): string {
  const lines = ['effect     trials  flagged  rate     mean rounds   by metric'];
  for (const e of c.effects) {
    const label = e.effect === 0 ? 'A/A' : `+${pct(e.effect, 0)}`;
    const byMetric = Object.entries(e.byMetric)
      .map(([m, r]) => `${m} ${pct(r, 0)}`)
      .join(', ');
    lines.push(`${label.padEnd(10)} ${String(e.trials).padStart(6)}  ${String(e.hits).padStart(7)}  ${pct(e.rate).padStart(6)}   ${e.meanRounds.toFixed(1).padStart(11)}   ${byMetric}`);
  }
  lines.push('');
  lines.push(`false-alarm rate (A/A): ${pct(c.falseAlarmRate)}`);
  for (const n of c.noise) lines.push(`noise, one round's ${n.metric} ratio B/A: sd ${pct(n.sdLogRatio)}`);
  lines.push(`minimum detectable effect at ${settings.minRounds} rounds: observed ${pct(c.minimumDetectableEffect.observed, 0)} (smallest tried effect caught in 95% of trials), predicted from the noise ${pct(c.minimumDetectableEffect.predicted)}`);
  lines.push(`suggested for gate: --threshold ${pct(c.suggestion.threshold)} --rounds ${c.suggestion.rounds} (${c.suggestion.why})`);
  return lines.join('\n');
}

export function calibrateCommand(yargs: Argv): Argv {
  return yargs.command(
    'calibrate [scenarios..]',
    "Measure this machine's noise: repeated A/A comparisons (false alarms) and injected slowdowns (detection rate)",
    (y) =>
      withContestOptions(
        y
          .positional('scenarios', { type: 'string', array: true, describe: 'built-in scenario names (default: ycsb-a)' })
          .option('trials', { type: 'number', default: 20, describe: 'full comparisons per effect size' })
          .option('effects', { type: 'string', default: '0.02,0.05,0.1,0.2', describe: 'injected slowdowns to detect, besides A/A' })
          .option('impl', { type: 'string', default: 'primary', describe: 'implementation spec compared with itself' })
          .option('out', { type: 'string', default: 'tunebench-calibrate', describe: 'directory for report.json, charts and summary.md' })
          .option('json', { type: 'boolean', default: false, describe: 'print report.json to stdout' })
          .example('$0 calibrate --quick', 'A/A and 2/5/10/20% slowdowns on ycsb-a, 20 trials each')
          .example('$0 calibrate ycsb-c --trials 100 --effects 0.05,0.1', ''),
        { maxRounds: 16, minRounds: 8 },
      ),
    async (argv) => {
      const startedAt = new Date().toISOString();
      const settings = contestSettingsFrom(argv);
      const scenarios = resolveScenarios({ scenarios: argv.scenarios, quick: argv.quick }, ['ycsb-a']);
      const trials = integerFlag(argv.trials, '--trials');
      const listed = String(argv.effects).split(',').filter((t) => t.trim() !== '');
      if (listed.length > MAX_EFFECTS) throw new UsageError(`--effects lists ${listed.length} effects; at most ${MAX_EFFECTS}`);
      const effects = [0, ...listed.map((t) => parseSlowdown(t, '--effects'))];
      if (new Set(effects).size !== effects.length) throw new UsageError('--effects lists an effect twice (A/A, 0, is always included)');
      const impl = parseImplSpec(argv.impl);
      for (const scenario of scenarios) checkDurability(scenario, impl.name);
      checkJobs(scenarios.map((scenario) => ({ scenario, arms: [plannedArm(impl), plannedArm(impl)] })), argv.quick);
      const out = prepareOutput(argv.out);
      const total = trials * effects.length * scenarios.length;
      const progress = progressBar(total, 'calibrate');
      let calibration: Calibration;
      try {
        calibration = await calibrate({ scenarios, impl, effects, trials, settings, onTrial: (done, _total, label) => progress.update(done, label) });
      } finally {
        progress.stop();
      }
      const report = newReport({
        command: 'calibrate',
        startedAt,
        settings: { ...settings, trials, effects, impl: argv.impl },
        scenarios,
        calibration,
        warnings: trials < 100 ? [`${trials} trials per effect: a false-alarm rate of 1% needs at least 100 A/A trials to be told from 0`] : [],
      });
      await writeReport(report, out);
      if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${calibrationText(calibration, settings)}\n\nseed ${settings.seed}; report: ${out}/report.json\n`);
    },
  );
}
