/**
 * Writes a report directory: report.json (validated against the schema first), one PNG per chart
 * and summary.md, all rendered first and then written together (write.ts): whole or not at all.
 */
import { type ChartSpec, chartsFor } from './charts.js';
import { renderSummary } from './markdown.js';
import { renderPng } from './render.js';
import { type Report, ReportSchema } from './schema.js';
import { type FileToWrite, writeFilesTogether } from './write.js';

export interface WrittenReport {
  directory: string;
  files: string[];
}

/**
 * The largest side of a chart, in pixels: a chart of hundreds of scenarios is drawn narrower per
 * bar rather than not at all (cairo refuses surfaces past 32767 pixels; 8000 x 8000 is 256 MB).
 */
export const MAX_CHART_SIDE = 8000;
const side = (pixels: number | undefined, fallback: number) => Math.min(MAX_CHART_SIDE, Math.max(200, Math.round(pixels ?? fallback)));

/** Renders charts to PNG files in memory. */
export async function renderCharts(charts: ChartSpec[]): Promise<FileToWrite[]> {
  const files: FileToWrite[] = [];
  for (const chart of charts) files.push({ name: chart.file, data: await renderPng(chart.config, side(chart.width, 960), side(chart.height, 540)) });
  return files;
}

/** The report, checked against its schema; a failure is one line naming the first problem. */
function validated(report: Report): Report {
  const parsed = ReportSchema.safeParse(report);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`internal error: the report does not match its schema at ${issue.path.join('.') || '(report)'}: ${issue.message} (${parsed.error.issues.length} problems; please report this)`);
}

export async function writeReport(report: Report, directory: string, extraCharts: ChartSpec[] = [], summaryPrefix = ''): Promise<WrittenReport> {
  const valid = validated(report);
  const charts = [...extraCharts, ...chartsFor(valid)];
  const files: FileToWrite[] = [
    { name: 'report.json', data: `${JSON.stringify(valid, null, 2)}\n` },
    ...(await renderCharts(charts)),
    { name: 'summary.md', data: summaryPrefix + renderSummary(valid, charts) },
  ];
  writeFilesTogether(directory, files);
  return { directory, files: files.map((f) => f.name) };
}
