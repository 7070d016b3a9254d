/**
 * Writes a report directory: report.json (validated against the schema first), one PNG per chart
 * and summary.md. Every file is written atomically.
 */
import { join } from 'node:path';
import { type ChartSpec, chartsFor } from './charts.js';
import { renderSummary } from './markdown.js';
import { renderPng } from './render.js';
import { type Report, ReportSchema } from './schema.js';
import { writeFileAtomic } from './write.js';

export interface WrittenReport {
  directory: string;
  files: string[];
}

/** Renders the charts of `report` (plus `extra` ones) into `directory`; returns their specs. */
export async function writeCharts(directory: string, charts: ChartSpec[]): Promise<string[]> {
  const files: string[] = [];
  for (const chart of charts) {
    const png = await renderPng(chart.config, chart.width ?? 960, chart.height ?? 540);
    writeFileAtomic(join(directory, chart.file), png);
    files.push(chart.file);
  }
  return files;
}

export async function writeReport(report: Report, directory: string, extraCharts: ChartSpec[] = [], summaryPrefix = ''): Promise<WrittenReport> {
  const valid = ReportSchema.parse(report);
  const charts = [...extraCharts, ...chartsFor(valid)];
  writeFileAtomic(join(directory, 'report.json'), `${JSON.stringify(valid, null, 2)}\n`);
  const pngs = await writeCharts(directory, charts);
  writeFileAtomic(join(directory, 'summary.md'), summaryPrefix + renderSummary(valid, charts));
  return { directory, files: ['report.json', ...pngs, 'summary.md'] };
}
