/** summary.md: Markdown tables fit for a CI job summary, linking the charts. */
import type { ChartSpec } from './charts.js';
import type { GateEntry, Report, ResultEntry } from './schema.js';

const int = (x: number) => Math.round(x).toLocaleString('en-US');

/** Nanoseconds in a readable unit. */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return '-';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(ns >= 1e8 ? 0 : 2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(ns >= 1e5 ? 0 : 1)} µs`;
  return `${Math.round(ns)} ns`;
}

function escape(cell: string): string {
  return cell.replace(/\|/g, '\\|');
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.map(escape).join(' | ')} |`)].join('\n');
}

function workloadTable(results: ResultEntry[]): string {
  return table(
    ['implementation', 'ops/s (median)', '95% CI', 'p50', 'p99', 'p99.9', 'bytes/entry', 'SLA'],
    results.map((r) => {
      const t = r.metrics.opsPerSec!;
      const l = r.metrics.latencyNs!;
      const sla = r.sla.length === 0 ? '-' : r.sla.map((s) => `${s.pass ? 'pass' : '**FAIL**'} ${s.rule}${complianceText(s)}`).join('; ');
      return [r.implementation, int(t.median), `${int(t.ci[0])} - ${int(t.ci[1])}`, formatNs(l.p50), formatNs(l.p99), formatNs(l.p999), r.metrics.memoryBytesPerEntry === null ? '-' : r.metrics.memoryBytesPerEntry.toFixed(1), sla];
    }),
  );
}

function seriesTable(results: ResultEntry[]): string {
  const keys = [...new Set(results.flatMap((r) => r.series.map((s) => `${s.metric}@${s.n}`)))];
  return table(
    ['metric @ n', ...results.map((r) => r.implementation)],
    keys.map((key) => {
      const [metric, n] = key.split('@');
      return [
        `${metric} @ ${int(Number(n))}`,
        ...results.map((r) => {
          const s = r.series.find((p) => p.metric === metric && p.n === Number(n));
          if (!s) return '-';
          return s.unit === 'ns' ? formatNs(s.median) : s.unit === 'x' ? `${s.median.toFixed(2)}x` : `${s.median.toFixed(1)} ${s.unit}`;
        }),
      ];
    }),
  );
}

export function renderSummary(report: Report, charts: ChartSpec[]): string {
  const env = report.environment;
  const lines: string[] = [
    `# tunebench ${report.command}`,
    '',
    `${report.startedAt} · ${env.cpuModel}, ${env.cores} cores, ${(env.memoryBytes / 2 ** 30).toFixed(0)} GiB · Node ${env.node} · tunebench ${report.tool.version}${env.gitCommit ? ` · commit ${env.gitCommit.slice(0, 10)}` : ''}`,
    '',
  ];
  for (const scenario of report.scenarios) {
    const results = report.results.filter((r) => r.scenario === scenario.name);
    if (results.length === 0) continue;
    lines.push(`## ${scenario.name}`, '', scenario.description, '');
    lines.push(scenario.kind === 'workload' ? workloadTable(results) : seriesTable(results), '');
    const warnings = results.flatMap((r) => r.warnings.map((w) => `${r.implementation}: ${w}`));
    if (warnings.length > 0) lines.push(...warnings.map((w) => `> ⚠ ${w}`), '');
  }
  if (report.skipped.length > 0) {
    lines.push('## Skipped', '', ...report.skipped.map((s) => `- ${s.scenario} × ${s.implementation}: ${s.reason}`), '');
  }
  if (report.failures.length > 0) lines.push('## Failed jobs', '', ...report.failures.map((f) => `- ${f.message}`), '');
  if (report.warnings.length > 0) lines.push('## Warnings', '', ...report.warnings.map((w) => `- ${w}`), '');
  if (charts.length > 0) {
    lines.push('## Charts', '');
    for (const chart of charts) lines.push(`### ${chart.title}`, '', chart.caption, '', `![${chart.title}](${chart.file})`, '');
  }
  return lines.join('\n');
}

const fixed3 = (x: number) => x.toFixed(3);

/** The opening of a gate's summary.md: the verdict and what decided it. */
export function gateMarkdown(gate: GateEntry): string {
  const stages = gate.confirm === 0 ? 'no confirmation stage' : `suspects re-measured on fresh rounds ${gate.confirm} time(s), each tested at its share of alpha ${gate.alpha ?? ''} (weighted by the first pass's evidence)`;
  const lines = [`# Gate: ${gate.exitCode === 0 ? 'passed' : gate.exitCode === 2 ? 'NOT DECIDED (jobs failed)' : 'FAILED'}`, '', `Base: \`${gate.base}\`; candidate: ${gate.candidate}; noise threshold ±${(gate.threshold * 100).toFixed(1)}%; ${stages}.`, ''];
  if (gate.regressed.length > 0) {
    lines.push('| scenario | implementation | metric | ratio | 95% CI | p |', '|---|---|---|---|---|---|');
    for (const r of gate.regressed) lines.push(`| ${r.scenario} | ${r.pair} | ${r.metric} | ${fixed3(r.ratio)} | [${fixed3(r.ci[0])}, ${fixed3(r.ci[1])}] | ${r.pValue.toPrecision(2)} |`);
    lines.push('');
  }
  if (gate.accepted.length > 0) {
    lines.push('Accepted regressions (declared by the candidate, within their bound):', '', '| scenario | implementation | metric | ratio | 95% CI | accepted | reason | declared in |', '|---|---|---|---|---|---|---|---|');
    for (const a of gate.accepted) lines.push(`| ${a.scenario} | ${a.pair} | ${a.metric} | ${fixed3(a.ratio)} | [${fixed3(a.ci[0])}, ${fixed3(a.ci[1])}] | ${a.accepted} | ${a.reason} | ${a.source} |`);
    lines.push('');
  }
  for (const u of gate.unusedAcceptances) lines.push(`> Unused acceptance: \`${u.text}\` (${u.source}) matched no regression.`, '');
  const accepted = new Set(gate.accepted.map((a) => `${a.scenario} ${a.pair} ${a.metric}`));
  const cleared = gate.confirmations.filter((c) => !c.confirmed && !accepted.has(`${c.scenario} ${c.pair} ${c.metric}`));
  if (cleared.length > 0) lines.push(`Suspects cleared by re-measurement: ${cleared.map((c) => `${c.scenario} ${c.pair} ${c.metric}`).join(', ')}.`, '');
  for (const c of gate.checks) lines.push(`- ${c.passed ? 'passed' : '**FAILED**'}: ${c.name}: ${c.detail}`);
  lines.push('', '');
  return lines.join('\n');
}

/** ", 99.2% of operations within" / ", 87.5% of time windows within". */
export function complianceText(s: { rule: string; compliance: number | null }): string {
  if (s.compliance === null) return '';
  return `, ${(s.compliance * 100).toFixed(s.compliance > 0.999 && s.compliance < 1 ? 2 : 1)}% of ${s.rule.startsWith('p99') ? 'operations' : 'time windows'} within`;
}
