/**
 * Terminal text for every command: what a command prints after it has computed its result. Each
 * function takes report data (reports/schema.ts) and returns lines; commands call one and write it
 * (Google Benchmark's report.py keeps "compute the difference" and "print it" apart the same way).
 */
import { complianceText, formatNs } from './markdown.js';
import type { CalibrationEntry, ClaimEntry, Comparison, GateEntry, Report, SimulationEntry, TuningEntry } from './schema.js';

/** A few lines for the terminal: one per result. */
export function runText(report: Report): string {
  const lines: string[] = [];
  for (const r of report.results) {
    const head = `${r.scenario.padEnd(20)} ${r.implementation.padEnd(28)}`;
    if (r.metrics.opsPerSec && r.metrics.latencyNs) {
      const t = r.metrics.opsPerSec;
      lines.push(`${head} ${Math.round(t.median).toLocaleString('en-US').padStart(12)} ops/s [${Math.round(t.ci[0]).toLocaleString('en-US')}-${Math.round(t.ci[1]).toLocaleString('en-US')}]  p50 ${formatNs(r.metrics.latencyNs.p50)}  p99 ${formatNs(r.metrics.latencyNs.p99)}`);
    } else {
      const largest = Math.max(...r.series.map((s) => s.n));
      const shown = r.series.filter((s) => s.n === largest).map((s) => `${s.metric} ${s.unit === 'ns' ? formatNs(s.median) : `${s.median.toFixed(2)}${s.unit}`}`);
      lines.push(`${head} at n=${largest.toLocaleString('en-US')}: ${shown.join(', ')}`);
    }
    for (const s of r.sla) lines.push(`${''.padEnd(50)} SLA ${s.pass ? 'pass' : 'FAIL'}: ${s.rule} (measured ${s.measured.toFixed(3)}${complianceText(s)})`);
    for (const w of r.warnings) lines.push(`${''.padEnd(50)} warning: ${w}`);
  }
  for (const s of report.skipped) lines.push(`skipped ${s.scenario} x ${s.implementation}: ${s.reason}`);
  lines.push(...failureLines(report));
  return lines.join('\n');
}

/** The failed jobs, one line each, after a count ("" when none failed). */
export function failureLines(report: Pick<Report, 'failures'>): string[] {
  if (report.failures.length === 0) return [];
  return [`${report.failures.length} job${report.failures.length > 1 ? 's' : ''} FAILED (the others went on; exit code 2):`, ...report.failures.map((f) => `  ${f.message}`)];
}

function formatValue(c: Comparison, value: number): string {
  return c.unit === 'ns' ? formatNs(value) : c.unit === 'ops/s' ? `${Math.round(value).toLocaleString('en-US')} ops/s` : `${value.toFixed(1)} ${c.unit}`;
}

/** One line per comparison, for the terminal. */
export function comparisonLines(comparisons: Comparison[]): string[] {
  return comparisons.map((c) => {
    const head = `${c.scenario} ${c.pair === 'A vs B' ? '' : `${c.pair} `}${c.metric}`.padEnd(34);
    return `${head} ${formatValue(c, c.a.median).padStart(16)} -> ${formatValue(c, c.b.median).padEnd(16)} B/A ${c.ratio.toFixed(3)} [${c.ci[0].toFixed(3)}, ${c.ci[1].toFixed(3)}]  p ${c.pValue.toPrecision(2).padEnd(7)} ${c.verdict.toUpperCase()}`;
  });
}

export function compareText(report: Report, contests: readonly { scenario: { name: string }; stopped: string }[]): string {
  const lines: string[] = [];
  for (const c of contests) lines.push(`${c.scenario.name}: ${c.stopped}`);
  lines.push('', ...comparisonLines(report.comparisons));
  if (report.warnings.length > 0) lines.push('', ...report.warnings.map((w) => `warning: ${w}`));
  return lines.join('\n');
}

const pctOrDash = (x: number | null, digits = 1) => (x === null ? '-' : `${(x * 100).toFixed(digits)}%`);

export function calibrationText(c: CalibrationEntry, settings: { minRounds: number }): string {
  const lines = ['effect     trials  flagged  rate     mean rounds   by metric'];
  for (const e of c.effects) {
    const label = e.effect === 0 ? 'A/A' : `+${pctOrDash(e.effect, 0)}`;
    const byMetric = Object.entries(e.byMetric)
      .map(([m, r]) => `${m} ${pctOrDash(r, 0)}`)
      .join(', ');
    lines.push(`${label.padEnd(10)} ${String(e.trials).padStart(6)}  ${String(e.hits).padStart(7)}  ${pctOrDash(e.rate).padStart(6)}   ${e.meanRounds.toFixed(1).padStart(11)}   ${byMetric}`);
  }
  lines.push('');
  lines.push(`false-alarm rate (A/A): ${pctOrDash(c.falseAlarmRate)}`);
  for (const n of c.noise) lines.push(`noise, one round's ${n.metric} ratio B/A: sd ${pctOrDash(n.sdLogRatio)}`);
  lines.push(`minimum detectable effect at ${settings.minRounds} rounds: observed ${pctOrDash(c.minimumDetectableEffect.observed, 0)} (smallest tried effect caught in 95% of trials), predicted from the noise ${pctOrDash(c.minimumDetectableEffect.predicted)}`);
  lines.push(`suggested for gate: --threshold ${pctOrDash(c.suggestion.threshold)} --rounds ${c.suggestion.rounds} (${c.suggestion.why})`);
  return lines.join('\n');
}

function show(value: number, unit: string): string {
  if (unit === 'ops/s') return `${Math.round(value).toLocaleString('en-US')} ops/s`;
  if (unit === 'fraction') return `${(value * 100).toFixed(1)}%`;
  return `${value.toFixed(value >= 100 ? 0 : 2)}${unit === 'x' ? 'x' : ''}`;
}

export function claimsText(claims: ClaimEntry[]): string {
  const lines = [`${'claim'.padEnd(72)} ${'claimed'.padStart(14)} ${'measured (range)'.padStart(30)}  verdict`];
  for (const c of claims) {
    const measured = `${show(c.measured, c.unit)} (${show(c.range[0], c.unit)}-${show(c.range[1], c.unit)})`;
    lines.push(`${c.claim.padEnd(72)} ${`${c.comparator} ${show(c.target, c.unit)}`.padStart(14)} ${measured.padStart(30)}  ${c.passed ? 'pass' : 'FAIL'}`);
  }
  const failed = claims.filter((c) => !c.passed).length;
  lines.push('', `${claims.length - failed} of ${claims.length} claims hold on this machine; ${failed} fail${claims.some((c) => c.claim.includes('100k')) ? ' (--quick: the claims made at 1M measured at 100k)' : ''}`);
  return lines.join('\n');
}

const gain = (x: number) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)}%`;

export function tuningText(t: TuningEntry): string {
  const lines = [`${t.scenario} ${t.mode}: ${t.stopped}`, ''];
  lines.push(`${'candidate'.padEnd(64)} ${'median ops/s'.padStart(13)}  vs pick  ${'95% CI'.padEnd(17)} rounds  status`);
  const sorted = [...t.candidates].sort((x, y) => y.median - x.median);
  for (const c of sorted) {
    const status =
      c.label === t.recommended.label ? 'recommended' : c.droppedAfter === null ? 'survived' : `dropped after ${c.droppedAfter}${c.isDefault ? ', measured on as the reference' : ''}`;
    lines.push(
      `${(c.label + (c.isDefault ? ' (default)' : '')).padEnd(64)} ${Math.round(c.median).toLocaleString('en-US').padStart(13)}  ${c.ratioToRecommended.toFixed(3)}  [${c.ci[0].toFixed(3)}, ${c.ci[1].toFixed(3)}]  ${String(c.scores.length).padStart(6)}  ${status}`,
    );
  }
  const g = t.gainOverDefault;
  lines.push('');
  lines.push(`recommended: ${t.recommended.label}`);
  lines.push(`gain over the default (${t.defaultConfig.label}): ${gain(g.ratio)} throughput, 95% CI [${gain(g.ci[0])}, ${gain(g.ci[1])}], p = ${g.pValue.toPrecision(2)}, over ${g.rounds} shared rounds`);
  lines.push(`spent ${t.spent} candidate-rounds in ${t.rounds} rounds (${((t.spent / t.gridRounds) * 100).toFixed(0)}% of the grid's ${t.gridRounds})`);
  return lines.join('\n');
}

const fixed = (x: number) => x.toFixed(3);

/** An attempt as "ratio [ci] p, verdict after N rounds". */
function attemptText(a: GateEntry['confirmations'][number]['attempts'][number]): string {
  return `${fixed(a.ratio)} [${fixed(a.ci[0])}, ${fixed(a.ci[1])}], p = ${a.pValue.toPrecision(2)}${a.alpha === undefined ? '' : ` (level ${a.alpha.toPrecision(2)})`}${a.rounds === undefined ? '' : ` after ${a.rounds} rounds`}: ${a.verdict === 'regressed' ? 'confirmed' : 'cleared'}`;
}

export function gateText(gate: GateEntry, comparisons: Comparison[], warnings: string[], wideCis: number): string {
  const lines: string[] = [];
  const confirmedKeys = new Set(gate.regressed.map((r) => `${r.scenario} ${r.pair} ${r.metric}`));
  const acceptedKeys = new Set(gate.accepted.map((r) => `${r.scenario} ${r.pair} ${r.metric}`));
  for (const c of gate.confirmations) {
    const name = `${c.scenario} ${c.pair} ${c.metric}`;
    if (acceptedKeys.has(name)) continue;
    // A suspect whose share of alpha was too small to be worth rounds is not re-measured (rounds 0).
    const notMeasured = c.attempts.length > 0 && c.attempts.every((a) => a.rounds === 0);
    const what = notMeasured ? `not re-measured: its share of alpha (${c.attempts[0].alpha?.toPrecision(2)}) was too small to confirm anything, the first pass having seen far stronger evidence elsewhere` : `re-measured ${c.attempts.map(attemptText).join('; ')}`;
    lines.push(`${confirmedKeys.has(name) ? 'REGRESSED' : 'suspect, cleared (passes):'} ${name}: ${what}`);
  }
  if (gate.confirm === 0) for (const r of gate.regressed) lines.push(`REGRESSED ${r.scenario} ${r.pair} ${r.metric}: ratio ${fixed(r.ratio)} [${fixed(r.ci[0])}, ${fixed(r.ci[1])}], p = ${r.pValue.toPrecision(2)}`);
  lines.push(...acceptedLines(gate));
  for (const c of gate.checks) lines.push(`${c.passed ? 'check passed' : 'CHECK FAILED'}: ${c.name}: ${c.detail}`);
  lines.push('', ...comparisonLines(comparisons));
  // A gate prints what decides it; the many "CI wider than the threshold" notes go to report.json.
  if (warnings.length > 0) lines.push('', ...warnings.map((w) => `warning: ${w}`));
  if (wideCis > 0) lines.push('', `note: ${wideCis} of ${comparisons.length} metrics have a 95% CI wider than the ±${(gate.threshold * 100).toFixed(1)}% threshold, so a change that small could go unseen there (report.json lists them, with the rounds that would resolve each)`);
  const failedChecks = gate.checks.filter((c) => !c.passed).length;
  const suspects = gate.suspects ?? gate.confirmations.length;
  const how = gate.confirm === 0 ? 'no confirmation stage' : `${suspects} suspect(s) re-measured, each tested at its share of alpha${gate.alpha === undefined ? '' : ` ${gate.alpha}`}`;
  lines.push(
    '',
    gate.exitCode === 0
      ? `gate passed: ${comparisons.length} metrics, none confirmed worse beyond the ±${(gate.threshold * 100).toFixed(1)}% band${gate.accepted.length > 0 ? ` but the ${gate.accepted.length} accepted` : ''} (${how}), ${gate.checks.length} checks passed`
      : gate.exitCode === 2
        ? `gate NOT DECIDED: jobs failed (listed on stderr and in report.json), so what they measure was not judged; ${gate.regressed.length} regressed metrics among the rest`
        : `gate FAILED: ${gate.regressed.length} regressed metrics, ${failedChecks} failed checks (${how})`,
  );
  return lines.join('\n');
}

/** Accepted regressions (each with the bound it stayed within and why) and unused acceptances. */
export function acceptedLines(gate: Pick<GateEntry, 'accepted' | 'unusedAcceptances'>): string[] {
  return [
    ...gate.accepted.map((a) => `accepted: ${a.scenario} ${a.pair} ${a.metric} measured ${fixed(a.ratio)} [${fixed(a.ci[0])}, ${fixed(a.ci[1])}], accepted ${a.accepted}: ${a.reason} (${a.source})`),
    ...gate.unusedAcceptances.map((u) => `unused acceptance: "${u.text}" (${u.source}) matched no regression; drop it`),
  ];
}

type RateEntry = { rate: number; ci: [number, number] };

/** A rate as "12.5% [8.1-18.7]". */
function rateText(r: RateEntry): string {
  const p = (x: number) => `${(x * 100).toFixed(1)}`;
  return `${p(r.rate)}% [${p(r.ci[0])}-${p(r.ci[1])}]`;
}

const effectLabel = (e: number) => (e === 0 ? 'A/A' : `+${(e * 100).toFixed(0)}%`);

export function simulationText(sim: SimulationEntry): string {
  const lines: string[] = [];
  const within = sim.fitted.map((f) => f.noise.withinSd).filter((x) => x > 0).sort((a, b) => a - b);
  const processSd = sim.fitted.map((f) => f.noise.processSd).sort((a, b) => a - b);
  const arms = sim.fitted.reduce((s, f) => s + 2 * f.rounds, 0);
  const stalls = sim.fitted.reduce((s, f) => s + f.noise.outlierRate * 2 * f.rounds, 0);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const mid = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? 0;
  lines.push(`noise fitted to ${sim.source}: ${sim.fitted.length} metrics`);
  if (within.length > 0) lines.push(`  within a round, per arm: sd ${pct(mid(within))} (${pct(within[0])}-${pct(within[within.length - 1])}); between processes: sd ${pct(mid(processSd))}; stalls in ${pct(stalls / Math.max(1, arms))} of arm-rounds`);
  lines.push('', `compare, simulated (${sim.trials} contests each; A/A: any metric flagged, else: any metric regressed):`);
  for (const c of sim.compare) lines.push(`  ${c.scenario.padEnd(20)} ${c.rates.map((r) => `${effectLabel(r.effect)} ${rateText(r.rate)}`).join('   ')}   (mean rounds ${c.rates[0]?.meanRounds.toFixed(1)})`);
  if (sim.measured) lines.push(`  measured in that calibration: ${sim.measured.map((r) => `${effectLabel(r.effect)} ${rateText(r.rate)} (${r.rate.hits}/${r.rate.trials})`).join('   ')}`);
  for (const r of sim.roundsFor5Percent) lines.push(`  ${r.scenario}: ${r.rounds === null ? 'more than 64 rounds' : `--rounds ${r.rounds}`} catch a 5% slowdown in 90% of contests`);
  if (sim.gate) {
    lines.push('', `gate, simulated (${sim.trials} gates each, all ${sim.gate.metrics} metrics; a slowdown in one metric at a time):`);
    lines.push(`  ${sim.gate.rates.map((r) => `${r.effect === 0 ? 'A/A false fails' : `${effectLabel(r.effect)} caught`} ${rateText(r.rate)}`).join('   ')}`);
    lines.push(`  mean rounds per gate: ${sim.gate.rates.map((r) => `${effectLabel(r.effect)} ${r.meanRounds.toFixed(0)}`).join(', ')}`);
  }
  if (sim.tune) {
    lines.push('', `tune, simulated (${sim.tune.candidates} candidates, the default budget):`);
    lines.push(`  equal candidates: a false drop at ${rateText(sim.tune.equalFalseDrops)} of looks; ${sim.tune.wins.map((w) => `${(w.gain * 100).toFixed(0)}% better wins ${rateText(w.rate)}`).join(', ')}`);
  }
  return lines.join('\n');
}

