/** The fields every command's report.json shares: tool, command line, times, machine, scenarios. */
import { currentEnvironment } from './environment.js';
import { packageInfo } from './package-info.js';
import { REPORT_SCHEMA_VERSION, type Report } from '../reports/schema.js';
import type { Scenario } from '../scenarios/schema.js';

export interface ReportParts extends Partial<Omit<Report, 'schemaVersion' | 'tool' | 'command' | 'startedAt' | 'finishedAt' | 'scenarios'>> {
  command: string;
  startedAt: string;
  settings: Record<string, unknown>;
  scenarios?: Scenario[];
}

/** A report finished now; lists default to empty. */
export function newReport(parts: ReportParts): Report {
  const { command, startedAt, scenarios = [], ...rest } = parts;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'tunebench', version: packageInfo.version },
    command,
    argv: process.argv.slice(2),
    startedAt,
    finishedAt: new Date().toISOString(),
    environment: currentEnvironment(),
    results: [],
    skipped: [],
    failures: [],
    comparisons: [],
    warnings: [],
    ...rest,
    scenarios: scenarios.map((s) => ({ name: s.name, kind: s.kind, description: s.description, definition: s as unknown as Record<string, unknown> })),
  };
}
