/**
 * The report format (`report.json`), versioned. The zod schema is the source of truth; the JSON
 * Schema shipped as reports/report.schema.json is generated from it (`npm run schema`) and a test
 * keeps the two equal.
 */
import { z } from 'zod';

export const REPORT_SCHEMA_VERSION = 1;

const latencyNs = z
  .object({
    p50: z.number(),
    p95: z.number(),
    p99: z.number(),
    p999: z.number(),
    mean: z.number(),
    min: z.number(),
    max: z.number(),
  })
  .describe('Latency in nanoseconds (median over rounds of each round\'s figure).');

const estimate = z.object({
  median: z.number(),
  ci: z.tuple([z.number(), z.number()]).describe('95% bootstrap confidence interval of the median over rounds'),
  unit: z.string(),
});

export const EnvironmentSchema = z.object({
  cpuModel: z.string(),
  cores: z.number().int(),
  memoryBytes: z.number(),
  os: z.object({ platform: z.string(), release: z.string(), arch: z.string() }),
  node: z.string(),
  packageVersion: z.string(),
  gitCommit: z.string().nullable(),
  /** CPU model, cores, memory, OS and Node major: what makes two machines comparable. */
  fingerprint: z.string(),
});

export const SeriesSchema = z.object({
  metric: z.string(),
  n: z.number(),
  unit: z.string(),
  better: z.enum(['higher', 'lower']),
  median: z.number(),
  ci: z.tuple([z.number(), z.number()]),
  samples: z.array(z.number()).describe('one value per round'),
});

export const RoundSchema = z.object({
  round: z.number().int(),
  opsPerSec: z.number().nullable(),
  chunkOpsPerSec: z.array(z.number()).describe('throughput of each untimed chunk of the round: the raw samples'),
  latencyNs: latencyNs.extend({ count: z.number() }).nullable(),
  histogram: z.string().nullable().describe('HDR histogram of operation latencies (ns), compressed base64'),
  operations: z.number(),
  memoryBytes: z.number().nullable(),
  records: z.number(),
  timerOverheadNs: z.number(),
  durationMs: z.number().nullable(),
  series: z.array(z.object({ metric: z.string(), n: z.number(), value: z.number() })),
  warnings: z.array(z.string()),
});

export const SlaVerdictSchema = z.object({
  rule: z.string(),
  threshold: z.number(),
  measured: z.number(),
  pass: z.boolean(),
});

export const ResultSchema = z.object({
  scenario: z.string(),
  kind: z.enum(['workload', 'growth', 'bulk-vs-individual']),
  implementation: z.string(),
  config: z.record(z.string(), z.unknown()),
  rounds: z.number().int(),
  metrics: z.object({
    opsPerSec: estimate.nullable(),
    latencyNs: latencyNs.nullable(),
    memoryBytesPerEntry: z.number().nullable(),
    byOperation: z
      .record(z.string(), z.object({ count: z.number(), share: z.number(), latencyNs: latencyNs }))
      .nullable(),
  }),
  series: z.array(SeriesSchema),
  samples: z.object({ rounds: z.array(RoundSchema) }),
  sla: z.array(SlaVerdictSchema),
  warnings: z.array(z.string()),
});

export const ComparisonSchema = z.object({
  scenario: z.string(),
  metric: z.string(),
  better: z.enum(['higher', 'lower']),
  a: z.object({ implementation: z.string(), median: z.number(), samples: z.array(z.number()) }),
  b: z.object({ implementation: z.string(), median: z.number(), samples: z.array(z.number()) }),
  ratio: z.number().describe('median of B / median of A'),
  ci: z.tuple([z.number(), z.number()]).describe('95% bootstrap confidence interval of the ratio'),
  pValue: z.number(),
  verdict: z.enum(['improved', 'regressed', 'unchanged']),
  reason: z.string(),
});

export const ReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('tunebench'), version: z.string() }),
  command: z.string(),
  argv: z.array(z.string()),
  startedAt: z.string(),
  finishedAt: z.string(),
  environment: EnvironmentSchema,
  settings: z.record(z.string(), z.unknown()),
  scenarios: z.array(z.object({ name: z.string(), kind: z.string(), description: z.string(), definition: z.record(z.string(), z.unknown()) })),
  results: z.array(ResultSchema),
  skipped: z.array(z.object({ scenario: z.string(), implementation: z.string(), reason: z.string() })),
  comparisons: z.array(ComparisonSchema).default([]),
  warnings: z.array(z.string()),
});

export type Report = z.output<typeof ReportSchema>;
export type ResultEntry = z.output<typeof ResultSchema>;
export type RoundEntry = z.output<typeof RoundSchema>;
export type SeriesEntry = z.output<typeof SeriesSchema>;
export type Environment = z.output<typeof EnvironmentSchema>;
export type Comparison = z.output<typeof ComparisonSchema>;

/** The JSON Schema of report.json, generated from the zod schema. */
export function reportJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ReportSchema, { io: 'input' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://tunebench.dev/report.schema.json', title: `tunebench report, schema version ${REPORT_SCHEMA_VERSION}` };
}
